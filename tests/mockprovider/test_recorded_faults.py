"""Record each API through `harness proxy`, replay the cassette chunk-exact, and lay a fault at a chosen
recorded chunk: the official SDK sees exactly the events of the chunks before it, then the fault."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import anthropic
import openai
import pytest

from harness.proxy import create_proxy_app
from harness.redact import Redactor
from mockprovider import MockProvider, decode_all
from mockprovider.cassette import Cassette
from mockprovider.faults import FaultError, apply_faults, parse_fault
from mockprovider.render import chunk_plan
from mockprovider.script import Step, TimedChunk
from mockprovider.serving import start_site

from .test_cli import start

STEP = {"text": "abcdefghijklmnop", "chunk_size": 2}
Describe = Callable[[Any], Any]


async def responses_events(origin: str) -> AsyncIterator[Any]:
    async with openai.AsyncOpenAI(base_url=f"{origin}/v1", api_key="sk-t", max_retries=0) as client:
        async for event in await client.responses.create(model="m", input="hi", stream=True):
            yield event.type


async def chat_events(origin: str) -> AsyncIterator[Any]:
    async with openai.AsyncOpenAI(base_url=f"{origin}/v1", api_key="sk-t", max_retries=0) as client:
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for chunk in stream:
            yield (chunk.choices[0].delta.content, chunk.choices[0].finish_reason)


async def anthropic_events(origin: str) -> AsyncIterator[Any]:
    async with anthropic.AsyncAnthropic(base_url=origin, api_key="k", max_retries=0) as client:
        stream = await client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for event in stream:
            yield event.type


def _chat_wire(data: dict[str, Any]) -> Any:
    return (data["choices"][0]["delta"].get("content"), data["choices"][0]["finish_reason"])


# api -> (client, what the client sees of one recorded SSE event, or None when the client skips it)
APIS: dict[str, tuple[Callable[[str], AsyncIterator[Any]], Callable[[str | None, Any], Any]]] = {
    "responses": (responses_events, lambda event, data: data["type"]),
    "chat": (chat_events, lambda event, data: None if data == "[DONE]" else _chat_wire(data)),
    "anthropic": (anthropic_events, lambda event, data: None if event == "ping" else data["type"]),
}


def expected(chunks: list[bytes], api: str) -> list[Any]:
    """What the client should see of these recorded chunks (each a whole SSE event)."""
    out = []
    for sse in decode_all(b"".join(chunks)):
        data = sse.data if sse.data == "[DONE]" else json.loads(sse.data)
        seen = APIS[api][1](sse.event, data)
        if seen is not None:
            out.append(seen)
    return out


async def collect(events: AsyncIterator[Any], seen: list[Any], arrivals: list[float] | None = None) -> None:
    async for event in events:
        seen.append(event)
        if arrivals is not None:
            arrivals.append(time.monotonic())


@pytest.fixture(params=list(APIS))
async def recorded(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, list[Any]]:
    """A cassette of one streamed answer on the API, recorded through the proxy from a timed mock."""
    api, cassette = request.param, tmp_path / "rec.yaml"
    async with MockProvider([STEP], speed=1) as upstream:
        runner, port = await start_site(create_proxy_app(upstream.url, cassette, Redactor()), "127.0.0.1", 0)
        try:
            full: list[Any] = []
            await collect(APIS[api][0](f"http://127.0.0.1:{port}"), full)
        finally:
            await runner.cleanup()
    return api, cassette, full


async def test_recording_replays_chunk_exact(recorded: tuple[str, Path, list[Any]]) -> None:
    api, path, full = recorded
    chunks = [c.data for c in Cassette.load(path).interactions[0].chunks or []]
    async with MockProvider(cassette=path, speed=0) as mock:
        replayed: list[Any] = []
        await collect(APIS[api][0](mock.origin), replayed)
    # one recorded chunk per SSE event, and the replay is the recording, event for event
    assert all(c.endswith(b"\n\n") and c.count(b"\n\n") == 1 for c in chunks)
    assert replayed == full == expected(chunks, api)


@pytest.mark.parametrize("at", [3, 6])
async def test_cut_at_a_recorded_chunk_is_seen_exactly_there(recorded: tuple[str, Path, list[Any]], at: int) -> None:
    api, path, _ = recorded
    chunks = [c.data for c in Cassette.load(path).interactions[0].chunks or []]
    async with MockProvider(cassette=path, speed=0, faults=[f"interaction=0,cut_at_chunk={at}"]) as mock:
        seen: list[Any] = []
        with pytest.raises(Exception) as caught:  # noqa: PT011 - checked below: each SDK names a cut its own way
            await collect(APIS[api][0](mock.origin), seen)
    assert isinstance(caught.value, openai.APIError) or type(caught.value).__name__ == "RemoteProtocolError"
    assert seen == expected(chunks[:at], api)
    assert mock.requests[0].label == "rec.yaml#0"


async def test_corrupt_and_stall_at_a_recorded_chunk(recorded: tuple[str, Path, list[Any]]) -> None:
    api, path, _ = recorded
    chunks = [c.data for c in Cassette.load(path).interactions[0].chunks or []]
    faults: list[Any] = [{"interaction": 0, "stall_at_chunk": 4, "stall_ms": 150}, "corrupt_at_chunk=7"]
    async with MockProvider(cassette=path, speed=0, faults=faults) as mock:
        seen: list[Any] = []
        arrivals: list[float] = []
        started = time.monotonic()
        with pytest.raises(json.JSONDecodeError):
            await collect(APIS[api][0](mock.origin), seen, arrivals)
    assert seen == expected(chunks[:7], api)
    # The server holds chunk 4 back 150 ms after sending chunks 0-3: the first event it carries cannot
    # arrive sooner after the request (a lower bound only, so the check holds on a loaded machine).
    before = len(expected(chunks[:4], api))
    assert arrivals[before] - started >= 0.15


def test_the_stall_is_laid_on_the_chosen_chunk() -> None:
    """Where the hold goes, checked on the plan itself (exact, where wall-clock gaps are not)."""
    chunks = [TimedChunk(data=f"data: {i}\n\n") for i in range(6)]
    step = apply_faults(Step(chunks=chunks), 2, [parse_fault("interaction=2,stall_at_chunk=4,stall_ms=150")])
    untouched = apply_faults(Step(chunks=chunks), 1, [parse_fault("interaction=2,stall_at_chunk=4")])
    holds = [c.hold_ms for c in chunk_plan(step, {}).chunks]
    assert (holds, [c.hold_ms for c in chunk_plan(untouched, {}).chunks]) == ([0, 0, 0, 0, 150, 0], [0] * 6)


async def test_faults_are_checked_against_the_cassette(recorded: tuple[str, Path, list[Any]]) -> None:
    _, path, _ = recorded
    with pytest.raises(FaultError, match=r"interaction 0 has \d+ chunk"):
        MockProvider(cassette=path, faults=["interaction=0,cut_at_chunk=999"])
    with pytest.raises(FaultError, match="unknown key"):
        MockProvider(cassette=path, faults=["interaction=0,cut_at=2"])
    with pytest.raises(FaultError, match="the cassette has 1"):
        MockProvider(cassette=path, faults=["interaction=3,cut_at_chunk=2"])


async def read_into(resp: aiohttp.ClientResponse, got: list[bytes]) -> None:
    async for data in resp.content.iter_any():
        got.append(data)


async def test_serve_cli_lays_the_fault(tmp_path: Path) -> None:
    """`mockprovider serve --cassette F --fault ...`: the command line reaches the same faults."""
    cassette = tmp_path / "c.yaml"
    frames = [f'data: {{"n": {i}}}\n\n' for i in range(4)]
    chunks = [{"offset_ms": 0, "data": f} for f in frames]
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    uri = "http://x/v1/chat/completions"
    interaction = {"request": {"method": "POST", "uri": uri, "body": json.dumps(request), "headers": {}},
                   "response": {"status": {"code": 200, "message": "OK"}, "headers": {},
                                "body": {"string": "".join(frames)}, "chunks": chunks}}  # fmt: skip
    cassette.write_text(json.dumps({"version": 1, "interactions": [interaction]}))
    argv = [sys.executable, "-m", "mockprovider", "serve", "--cassette", str(cassette), "--speed", "0"]
    pipes = {"stdout": asyncio.subprocess.PIPE, "stderr": asyncio.subprocess.PIPE}
    bad = await asyncio.create_subprocess_exec(*argv, "--fault", "interaction=0,cut_at_chunk=9", **pipes)  # type: ignore[arg-type]
    bad_out, bad_err = await asyncio.wait_for(bad.communicate(), 60)
    proc, origin = await start(*argv[4:], "--fault", "interaction=0,cut_at_chunk=2")
    try:
        got: list[bytes] = []
        async with aiohttp.ClientSession() as http, http.post(f"{origin}/v1/chat/completions", json=request) as resp:
            assert resp.status == 200
            with pytest.raises(aiohttp.ClientPayloadError):
                await read_into(resp, got)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.communicate(), 20)
    assert (bad.returncode, bad_out) == (1, b"")
    assert bad_err.startswith(b"Error: c.yaml: interaction 0 has 4 chunk(s) (0-3); no chunk 9")
    assert b"".join(got) == frames[0].encode() + frames[1].encode() + frames[2].encode()[: len(frames[2]) // 2]
