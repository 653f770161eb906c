"""The recording proxy against an upstream that leaks on purpose, over real loopback sockets (issue 11)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

from harness.proxy import create_proxy_app
from harness.redact import Redactor
from mockprovider.cassette import Cassette
from mockprovider.serving import start_site
from reelkit_common.sse import decode_all, encode_event

KEY = "sk-proj-0123456789abcdefABCDEF"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def chunked(parts: list[bytes], reason: str = "OK") -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(reason=reason, headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        for part in parts:
            await resp.write(part)  # one HTTP chunk each
        await resp.write_eof()
        return resp

    return handle


@asynccontextmanager
async def proxied(handler: Handler, cassette: Path, creds: str = "") -> AsyncIterator[str]:
    upstream = web.Application()
    upstream.router.add_route("*", "/{tail:.*}", handler)
    up_runner, up_port = await start_site(upstream, "127.0.0.1", 0)
    app = create_proxy_app(f"http://{creds}127.0.0.1:{up_port}/v1", cassette, Redactor(secrets=("rk_live_0011223344",)))
    runner, port = await start_site(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()
        await up_runner.cleanup()


async def post(base: str, text: str = "hi", headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/responses", json={"input": text}, headers=headers) as r,
    ):
        return r.status, await r.read()


def delta_events(text: str, size: int) -> list[bytes]:
    return [
        encode_event({"type": "response.output_text.delta", "item_id": "m", "delta": text[i : i + size]})
        for i in range(0, len(text), size)
    ]


async def test_a_key_streamed_in_six_character_deltas_is_not_saved_in_pieces(tmp_path: Path) -> None:
    parts = delta_events("your key: rk_live_0011223344 (keep it safe)", 6)
    async with proxied(chunked(parts), tmp_path / "c.yaml") as base:
        status, body = await post(base)
    item = Cassette.load(tmp_path / "c.yaml").interactions[0]
    text = "".join(json.loads(e.data)["delta"] for e in decode_all(b"".join(c.data for c in item.chunks or [])))
    assert (status, body) == (200, b"".join(parts))  # the live client saw the upstream's bytes
    assert text == "your key: REDACTED (keep it safe)"
    assert len(item.chunks or []) == len(parts)
    assert "rk_liv" not in (tmp_path / "c.yaml").read_text()


async def test_a_key_split_across_two_http_chunks_is_removed_from_both(tmp_path: Path) -> None:
    parts = [b'data: {"text":"the key is sk-proj-0123', b'456789abcdefABCDEF ok"}\n\n']
    async with proxied(chunked(parts), tmp_path / "c.yaml") as base:
        await post(base)
    item = Cassette.load(tmp_path / "c.yaml").interactions[0]
    assert [c.data for c in item.chunks or []] == [b'data: {"text":"the key is REDACTED', b' ok"}\n\n']
    assert "0123" not in (tmp_path / "c.yaml").read_text()


async def test_a_key_in_the_reason_phrase_refuses_that_interaction_alone(tmp_path: Path, caplog) -> None:
    calls = 0

    async def handle(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        return await chunked([b"data: {}\n\n"], reason=f"Bad {KEY}" if calls == 2 else "OK")(request)

    with caplog.at_level(logging.ERROR, logger="harness.proxy"):
        async with proxied(handle, tmp_path / "c.yaml") as base:
            statuses = [(await post(base, f"q{i}"))[0] for i in range(3)]
    saved = Cassette.load(tmp_path / "c.yaml")
    assert statuses == [200, 200, 200]
    assert [json.loads(i.request_body or "")["input"] for i in saved.interactions] == ["q0", "q2"]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "interaction #1 (POST /v1/responses -> 200)" in errors[0]
    assert "an sk- API key" in errors[0]
    assert KEY not in errors[0]
    assert KEY not in (tmp_path / "c.yaml").read_text()


async def test_a_character_split_across_chunks_is_recorded_as_it_came(tmp_path: Path) -> None:
    whole = encode_event({"type": "response.output_text.delta", "delta": "héllo €"})
    cut = whole.index("€".encode()) + 1
    parts = [whole[:cut], whole[cut:]]
    async with proxied(chunked(parts), tmp_path / "c.yaml") as base:
        await post(base)
    item = Cassette.load(tmp_path / "c.yaml").interactions[0]
    assert [c.data for c in item.chunks or []] == parts


async def test_credentials_in_the_upstream_url_become_an_authorization_header_and_are_never_written(
    tmp_path: Path,
) -> None:
    seen: list[str | None] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("Authorization"))
        return await chunked([f"data: {request.headers.get('Authorization')}\n\n".encode()])(request)

    async with proxied(handle, tmp_path / "c.yaml", creds="alice:hunter2pw@") as base:
        status, _ = await post(base, headers={"Authorization": f"Bearer {KEY}"})
    expected = "Basic " + base64.b64encode(b"alice:hunter2pw").decode()
    text = (tmp_path / "c.yaml").read_text()
    assert (status, seen) == (200, [expected])
    for leaked in ("hunter2pw", expected.split()[1], KEY, "alice:"):
        assert leaked not in text
