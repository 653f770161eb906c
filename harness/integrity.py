"""Cassettes prove their integrity: a seal in the metadata, and structural checks that catch a cut file.

The seal (`metadata.integrity`) holds the number of interactions and a SHA-256 per response body, written
by every reelkit recording. The metadata comes first in the file, so a cassette cut anywhere after it
(even cleanly between two interactions) no longer matches its seal. Without a seal, the structural checks
still catch a cut inside an interaction: a response without its body, chunks that do not add up to the
body, a stream that lost its terminal event without being marked as cut.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from mockprovider.cassette import Cassette, Interaction
from mockprovider.sse import decode_all

REQUIRED_META = ("format", "recorded_at", "recorder")
_TERMINAL = {"response.completed", "response.failed", "response.incomplete"}


def digest(item: Interaction) -> str:
    return hashlib.sha256(item.body).hexdigest()


def seal(cassette: Cassette) -> Cassette:
    """Stamp the cassette's seal (call it on what will be written: after scrubbing)."""
    items = cassette.interactions
    cassette.metadata["integrity"] = {"interactions": len(items), "sha256": [digest(i) for i in items]}
    return cassette


def problems(data: Any, cassette: Cassette) -> list[str]:
    """What is wrong with a loaded cassette (`data` is its parsed YAML, `cassette` the same loaded)."""
    out = [f"metadata has no `{key}`" for key in REQUIRED_META if key not in cassette.metadata]
    out += _seal_problems(cassette)
    raw_items = data.get("interactions") if isinstance(data, Mapping) else None
    for index, raw in enumerate(raw_items or []):
        out += [f"interaction #{index}: {p}" for p in _raw_problems(raw)]
    for index, item in enumerate(cassette.interactions):
        out += [f"interaction #{index}: {p}" for p in _item_problems(item)]
    return out


def _seal_problems(cassette: Cassette) -> list[str]:
    sealed = cassette.metadata.get("integrity")
    if sealed is None:
        return []
    if not isinstance(sealed, Mapping) or not isinstance(sealed.get("sha256"), list):
        return ["metadata.integrity is malformed"]
    count = len(cassette.interactions)
    if sealed.get("interactions") != count:
        return [f"sealed with {sealed.get('interactions')} interaction(s), holds {count}: the file was cut or edited"]
    return [
        f"interaction #{i}: body does not match its sealed SHA-256 (the file was cut or edited)"
        for i, (item, want) in enumerate(zip(cassette.interactions, sealed["sha256"], strict=False))
        if digest(item) != want
    ]


def _raw_problems(raw: Any) -> list[str]:
    response = raw.get("response") if isinstance(raw, Mapping) else None
    if not isinstance(response, Mapping):
        return ["no response"]
    missing = [k for k in ("status", "headers", "body") if k not in response]
    if missing:
        return [f"response has no {', '.join(missing)} (cut?)"]
    body = response["body"]
    if not isinstance(body, Mapping) or "string" not in body:
        return ["response body has no `string`"]
    return []


def _item_problems(item: Interaction) -> list[str]:
    if item.chunks is not None and b"".join(c.data for c in item.chunks) != item.body:
        return ["chunks do not add up to the body"]
    streamed = "text/event-stream" in (item.header("content-type") or "")
    if not streamed or item.ending != "eof" or item.status != 200:
        return []
    if item.chunks is None:
        return ["a streamed response without its chunks"]
    return _unterminated(item.body)


def _unterminated(body: bytes) -> list[str]:
    kinds: list[str] = []
    for event in decode_all(body):
        if event.data.strip() == "[DONE]":
            return []
        try:
            kinds.append(str(json.loads(event.data).get("type", "")))
        except (json.JSONDecodeError, AttributeError):
            continue
    if any(k.startswith("response.") for k in kinds) and not _TERMINAL.intersection(kinds):
        return ["the stream has no terminal event and is not marked as cut (`ending: abort`)"]
    if b"chat.completion.chunk" in body:  # [DONE] would have returned above
        return ["the chat stream has no `data: [DONE]` and is not marked as cut"]
    return []
