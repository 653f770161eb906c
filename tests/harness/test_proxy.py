"""Recording proxy -> cassette -> replay, over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import vcr.serialize
from vcr.serializers import yamlserializer

from harness import session
from harness.proxy import create_proxy_app
from harness.redact import Redactor
from harness.scenario import Scenario
from mockprovider import MockProvider, decode_all
from mockprovider.cassette import Cassette
from mockprovider.serving import start_site

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-planted0123456789abcdefXYZ"
BODY = {"model": "mock-model", "input": f"my key is {SECRET}", "stream": True}


@pytest.fixture
async def upstream() -> AsyncIterator[MockProvider]:
    steps: list[dict[str, Any]] = [
        {"text": "recorded answer", "chunk_size": 4, "delay_ms": 2},
        {"http_error": {"status": 429, "headers": {"retry-after": "1"}}},
    ]
    async with MockProvider(steps, speed=1) as mock:
        yield mock


async def run_proxy(upstream_url: str, cassette: Path) -> tuple[aiohttp.web.AppRunner, str]:
    app = create_proxy_app(upstream_url, cassette, Redactor(secrets=("super-secret-org-value",)))
    runner, port = await start_site(app, "127.0.0.1", 0)
    return runner, f"http://127.0.0.1:{port}/v1"


async def read_http_chunks(resp: aiohttp.ClientResponse) -> list[bytes]:
    chunks, pending = [], b""
    async for data, end in resp.content.iter_chunks():
        pending += data
        if end:
            chunks.append(pending)
            pending = b""
    return [*chunks, pending] if pending else chunks


async def record(upstream: MockProvider, path: Path) -> list[list[bytes]]:
    runner, base = await run_proxy(upstream.url, path)
    headers = {"Authorization": f"Bearer {SECRET}", "OpenAI-Organization": "super-secret-org-value"}
    seen = []
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(2):
                async with http.post(f"{base}/responses?api-key=qp-secret", json=BODY, headers=headers) as resp:
                    seen.append(await read_http_chunks(resp))
    finally:
        await runner.cleanup()
    return seen


async def test_recording_tees_scrubs_and_keeps_chunk_boundaries(upstream: MockProvider, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    seen = await record(upstream, path)
    text = path.read_text()
    cassette = Cassette.load(path)
    first, second = cassette.interactions
    assert [SECRET in text, "super-secret-org-value" in text, "qp-secret" in text] == [False, False, False]
    assert (first.status, second.status, second.header("retry-after")) == (200, 429, "1")
    assert [c.data for c in first.chunks or []] == seen[0]  # the client saw exactly the recorded split points
    assert len(seen[0]) == len(decode_all(b"".join(seen[0])))  # one HTTP chunk per SSE event upstream
    assert first.request_headers["authorization"] == ["REDACTED"]
    assert json.loads(first.request_body or "")["input"] == "my key is REDACTED"
    assert (cassette.metadata["synthetic"], cassette.metadata["model"]) == (True, "mock-model")
    offsets = [c.offset_ms for c in first.chunks or []]
    assert offsets == sorted(offsets)
    assert offsets[-1] > offsets[0]


async def test_plain_vcrpy_loads_our_cassettes(upstream: MockProvider, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    await record(upstream, path)
    requests, responses, metadata = vcr.serialize.deserialize(path.read_text(), yamlserializer)
    assert [r.method for r in requests] == ["POST", "POST"]
    assert [r["status"]["code"] for r in responses] == [200, 429]
    assert b"response.completed" in responses[0]["body"]["string"]
    assert metadata["recorder"].startswith("reelkit/")
    assert len(responses[0]["chunks"]) > 5  # our extra key survives vcrpy's loader


@pytest.mark.parametrize("speed", [0, 1])
async def test_replay_serves_the_recorded_chunks_and_matches_bodies(upstream, tmp_path: Path, speed: float) -> None:
    path = tmp_path / "session.yaml"
    seen = await record(upstream, path)
    async with MockProvider(cassette=path, speed=speed) as replay, aiohttp.ClientSession() as http:
        async with http.post(f"{replay.url}/responses", json=BODY) as resp:
            replayed = await read_http_chunks(resp)
        async with http.post(f"{replay.url}/responses", json=BODY) as resp:
            status, retry_after = resp.status, resp.headers.get("retry-after")
        replay.assert_all_consumed()
    assert replayed == seen[0]
    assert (status, retry_after) == (429, "1")


async def test_a_replay_miss_fails_fast_with_a_diff(upstream, tmp_path: Path) -> None:
    path = tmp_path / "session.yaml"
    await record(upstream, path)
    async with MockProvider(cassette=path, speed=0) as replay, aiohttp.ClientSession() as http:
        async with http.post(f"{replay.url}/responses", json={**BODY, "input": "something else"}) as resp:
            status, error = resp.status, (await resp.json())["error"]
        with pytest.raises(AssertionError, match=r"unplayed recorded interactions: session\.yaml#0, session\.yaml#1"):
            replay.assert_all_consumed()
    assert (status, error["code"]) == (400, "cassette_miss")
    assert "nearest is interaction #0" in error["message"]
    assert '-  "input": "my key is REDACTED",\n+  "input": "something else",' in error["message"]


async def test_proxy_adds_no_buffering(tmp_path: Path) -> None:
    # Upstream goes silent for 5 s after two events; the client must already hold them through the proxy.
    async with MockProvider([{"text": "x", "stall_ms": 5000, "stall_after": 2}], speed=1) as up:
        runner, base = await run_proxy(up.url, tmp_path / "c.yaml")
        try:
            async with aiohttp.ClientSession() as http, http.post(f"{base}/responses", json=BODY) as resp:
                async with asyncio.timeout(2):
                    first = await resp.content.readuntil(b"\n\n")
                    second = await resp.content.readuntil(b"\n\n")
                resp.close()
        finally:
            await runner.cleanup()
    assert b"response.created" in first
    assert b"response.in_progress" in second


async def test_unreachable_upstream_is_a_clear_502(tmp_path: Path) -> None:
    runner, base = await run_proxy("http://127.0.0.1:9/v1", tmp_path / "c.yaml")
    try:
        async with aiohttp.ClientSession() as http, http.post(f"{base}/responses", json=BODY) as resp:
            status, error = resp.status, (await resp.json())["error"]["message"]
    finally:
        await runner.cleanup()
    assert status == 502
    assert "reelkit proxy: upstream http://127.0.0.1:9/v1/responses failed" in error


async def _post(session: aiohttp.ClientSession, base: str, text: str) -> bytes:
    async with session.post(f"{base}/responses", json={"model": "mock-model", "input": text, "stream": True}) as resp:
        return await resp.read()


async def test_new_episodes_replays_what_the_cassette_holds_and_records_only_the_rest(tmp_path: Path) -> None:
    cassette = tmp_path / "episodes.yaml"
    async with MockProvider([{"text": "first answer"}], speed=0) as first_upstream:
        runner, base = await run_proxy(first_upstream.url, cassette)
        async with aiohttp.ClientSession() as session:
            original = await _post(session, base, "question one")
        await runner.cleanup()
    async with MockProvider([{"text": "second answer"}], speed=0) as second_upstream:
        app = create_proxy_app(second_upstream.url, cassette, Redactor(), new_episodes=True)
        runner, port = await start_site(app, "127.0.0.1", 0)
        async with aiohttp.ClientSession() as session:
            again = await _post(session, f"http://127.0.0.1:{port}/v1", "question one")
            new = await _post(session, f"http://127.0.0.1:{port}/v1", "question two")
        await runner.cleanup()
        reached = [r.body["input"] for r in second_upstream.response_requests]
    assert again == original  # replayed byte for byte, not asked again
    assert reached == ["question two"]
    assert b"second answer" in new
    saved = Cassette.load(cassette)
    assert [json.loads(i.request_body or "{}")["input"] for i in saved.interactions] == ["question one", "question two"]
    assert "extended_at" in saved.metadata


async def test_new_episodes_with_a_scripted_upstream_records_the_right_answers(tmp_path: Path) -> None:
    scenario = Scenario.load(REPO / "cassettes/scenarios/approvals/exec_accepted.yaml")
    cassette = tmp_path / "exec_accepted.yaml"
    first = await session.record(scenario, cassette)
    held = Cassette.load(cassette)
    held.interactions = held.interactions[:1]  # as if the session now makes one more model call
    held.save(cassette)
    again = await session.record(scenario, cassette, new_episodes=True)

    def ids_masked(text: str) -> str:  # the scripted upstream mints fresh item ids on every run
        return re.sub(r"msg_[0-9a-f]{48}", "msg_ID", text)

    assert ids_masked(again.render()) == ids_masked(first.render())
    assert len(Cassette.load(cassette).interactions) == 2


async def test_a_client_that_hangs_up_after_the_last_event_loses_no_interaction(tmp_path: Path) -> None:
    """The server reads to `response.completed` and closes; the upstream's end of body comes later (here held
    back 1 s). The exchange is still recorded, whole: never a cassette that lacks a turn the client saw."""
    events = (b'data: {"type":"response.created","response":{"id":"r1"}}\n\n'
              b'data: {"type":"response.completed","response":{"id":"r1","output":[]}}\n\n')  # fmt: skip
    step = {"chunks": [{"data": events.decode()}, {"data": "\n"}], "stall_ms": 1000, "stall_after": 1}
    async with MockProvider([step], speed=1) as mock:
        path = tmp_path / "hangup.yaml"
        runner, base = await run_proxy(mock.url, path)
        try:
            async with aiohttp.ClientSession() as http:
                resp = await http.post(f"{base}/responses", json=BODY)
                async for line in resp.content:
                    if b"response.completed" in line:
                        break
                resp.close()  # hang up with the upstream's last chunk still held back
        finally:
            await runner.cleanup()  # stopping lets a stream still being read end and be recorded
    (interaction,) = Cassette.load(path).interactions
    assert [c.data for c in interaction.chunks or []] == [events, b"\n"]
