"""Any API replays: Chat Completions SSE, a JSON POST and a GET, recorded through the plugin's interception
from a small real upstream, replay chunk for chunk in-process and from `MockProvider(cassette=...)`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import openai
import pytest
from aiohttp import web

from harness.intercept import intercept
from harness.tape import Tape
from mockprovider import MockProvider
from mockprovider.cassette import Cassette
from mockprovider.serving import start_site

PIECES = ["Hel", "lo ", "from ", "chat"]


def _chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice]}
    return f"data: {json.dumps(body)}\n\n".encode()


async def _chat(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    for piece in PIECES:
        await resp.write(_chunk({"content": piece}))
        await asyncio.sleep(0.005)  # the upstream's pacing: each piece is its own chunk on the wire
    await resp.write(_chunk({}, "stop") + b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


async def _embeddings(request: web.Request) -> web.Response:
    body = await request.json()
    return web.json_response({"object": "list", "data": [{"index": 0, "embedding": [0.5, len(body["input"])]}]})


async def _status(request: web.Request) -> web.Response:
    return web.Response(text="ok\n", content_type="text/plain")


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _chat)
    app.router.add_post("/v1/embeddings", _embeddings)
    app.router.add_get("/v1/status", _status)
    runner, port = await start_site(app, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


async def _calls(base: str) -> tuple[list[str], list[float], str]:
    async with openai.AsyncOpenAI(base_url=base, api_key="sk-x", max_retries=0) as client:
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = [c.choices[0].delta.content or "" async for c in stream]
        vector = (await client.embeddings.create(model="e", input="four")).data[0].embedding
    async with aiohttp.ClientSession() as session, session.get(f"{base}/status") as resp:
        status = await resp.text()
    return text, vector, status


async def _raw_chat(base: str) -> list[bytes]:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with aiohttp.ClientSession() as session, session.post(f"{base}/chat/completions", json=body) as resp:
        assert resp.status == 200, await resp.text()
        return [data async for data, _ in resp.content.iter_chunks()]


async def test_chat_json_and_get_replay_in_process_and_from_the_mock(tmp_path: Path, upstream: str) -> None:
    path = tmp_path / "any.yaml"
    tape = Tape(path, "once", ci=False)
    with intercept(tape):
        recorded = await _calls(upstream)
        raw_recorded = await _raw_chat(upstream)
    assert tape.commit()
    assert "".join(recorded[0]) == "Hello from chat"
    cassette = Cassette.load(path)
    assert [i.method + " " + i.uri.split("/v1")[1] for i in cassette.interactions] == [
        "POST /chat/completions", "POST /embeddings", "GET /status", "POST /chat/completions",
    ]  # fmt: skip
    assert [c.data for c in cassette.interactions[3].chunks or []] == raw_recorded
    assert len(raw_recorded) == len(PIECES) + 1

    with intercept(Tape(path, "none")):
        assert await _calls("http://127.0.0.1:9/v1") == recorded
        assert await _raw_chat("http://127.0.0.1:9/v1") == raw_recorded

    async with MockProvider(cassette=path, speed=0) as mock:
        assert await _calls(mock.url) == recorded
        assert await _raw_chat(mock.url) == raw_recorded  # the recorded HTTP chunks, one for one
        assert mock.unplayed() == []
