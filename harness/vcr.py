"""In-process replay of a reelkit cassette through vcrpy, for Python clients built on httpx (the `openai`
SDK), aiohttp or requests: no mock server and no port, the HTTP library itself is patched.

Requests match like the mock provider's replay (method, the path below the API root, the normalised
JSON body), so a cassette recorded against one host replays for a client pointed at any other.

What it cannot keep: vcrpy hands the client each recorded body in one piece, so chunk boundaries and
arrival timing are lost (the SSE events and their order are kept). Tests about streaming behaviour —
partial events, stalls, timing — replay through `python -m mockprovider serve --cassette` instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import vcr
from vcr.cassette import CassetteContextDecorator
from vcr.request import Request

from mockprovider.cassette import Cassette
from mockprovider.matching import MatchConfig, api_path, match_key


def _path(r1: Request, r2: Request) -> None:
    assert api_path(r1.path) == api_path(r2.path), f"{r1.path} != {r2.path}"


def _text(body: Any) -> str | None:
    if body is None:
        return None
    if isinstance(body, dict | list):  # vcrpy's aiohttp stub keeps a `json=` argument as the object
        return json.dumps(body)
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def use_cassette(path: str | Path, match: MatchConfig | None = None, **kwargs: Any) -> CassetteContextDecorator:
    """A vcrpy cassette context (also a decorator) that replays `path` and never records."""
    config = match or MatchConfig()
    if Path(path).exists():
        # vcrpy's own loader expands YAML aliases and knows no size limit: read it our hardened way first, so
        # a hostile file is a CassetteError naming the file and the fix before vcrpy sees it.
        Cassette.load(path)

    def _body(r1: Request, r2: Request) -> None:
        key1 = match_key(r1.method, api_path(r1.path), _text(r1.body), config)
        key2 = match_key(r2.method, api_path(r2.path), _text(r2.body), config)
        assert key1 == key2, "request bodies differ after normalisation"

    recorder = vcr.VCR(record_mode="none", match_on=("method", "reelkit_path", "reelkit_body"))
    recorder.register_matcher("reelkit_path", _path)
    recorder.register_matcher("reelkit_body", _body)
    return recorder.use_cassette(str(path), **kwargs)
