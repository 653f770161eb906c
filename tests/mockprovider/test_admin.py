"""The admin API, the journal, other routes, and the in-process Python API."""

from __future__ import annotations

import asyncio
import json
import sys
import threading

import aiohttp
import openai
import pytest
from yarl import URL

from mockprovider import MockProvider, ThreadedMockProvider, decode_all
from mockprovider.journal import UNPARSED, Capture, Journal

from .conftest import body


async def test_admin_replace_append_requests_reset(mock: MockProvider, http: aiohttp.ClientSession) -> None:
    admin = mock.origin + "/__admin"
    async with http.post(f"{admin}/script", json={"responses": [{"text": "one"}]}) as resp:
        assert await resp.json() == {"steps": 1, "remaining": 1}
    async with http.post(f"{admin}/script", json={"responses": [{"text": "two"}], "mode": "append"}) as resp:
        assert await resp.json() == {"steps": 2, "remaining": 2}
    headers = {"Authorization": "Bearer sk-secret-123", "OpenAI-Organization": "org-x", "X-Custom": "kept"}
    for _ in range(2):
        async with http.post(f"{mock.url}/responses", json=body(), headers=headers) as resp:
            await resp.read()
    async with http.get(f"{admin}/requests") as resp:
        journal = (await resp.json())["requests"]
    assert [(r["method"], r["path"], r["step"], r["status"]) for r in journal] == [
        ("POST", "/v1/responses", 0, 200),
        ("POST", "/v1/responses", 1, 200),
    ]
    assert journal[0]["body"] == body()
    seen = journal[0]["headers"]
    assert (seen["authorization"], seen["openai-organization"], seen["x-custom"]) == (
        "Bearer <redacted>",
        "<redacted>",
        "kept",
    )
    assert "sk-secret-123" not in str(journal)
    async with http.post(f"{admin}/reset") as resp:
        assert await resp.json() == {"steps": 2, "remaining": 2}
    assert mock.requests == []


async def test_admin_rejects_bad_scripts_with_the_reason(mock: MockProvider, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{mock.origin}/__admin/script", json={"responses": [{"txt": "typo"}]}) as resp:
        status, err = resp.status, (await resp.json())["error"]["message"]
    async with http.post(f"{mock.origin}/__admin/script", data=b"nope") as resp:
        status2 = resp.status
    assert (status, "responses[0]: txt" in err, status2) == (400, True, 400)


async def test_routes_without_v1_and_unknown_paths(mock: MockProvider, http: aiohttp.ClientSession) -> None:
    mock.enqueue({"text": "no prefix"})
    async with http.post(f"{mock.origin}/responses", json=body()) as resp:
        assert decode_all(await resp.read())[-1].json()["type"] == "response.completed"
    async with http.get(f"{mock.url}/chat/completions") as resp:
        assert (resp.status, (await resp.json())["error"]["message"]) == (404, "Invalid URL (GET /v1/chat/completions)")
    async with http.get(f"{mock.url}/responses", headers={"Upgrade": "websocket", "Connection": "Upgrade"}) as resp:
        assert resp.status == 404  # codex's built-in provider falls back to HTTP on a fast refusal
    async with http.get(f"{mock.url}/models") as resp:
        listing = await resp.json()
    assert ([m["id"] for m in listing["data"]], listing["models"]) == (["mock-model"], [])


async def test_assert_all_consumed_names_the_missing_steps(mock: MockProvider, http: aiohttp.ClientSession) -> None:
    mock.enqueue({"text": "used"}, {"text": "unused", "label": "the-follow-up"})
    async with http.post(f"{mock.url}/responses", json=body()) as resp:
        await resp.read()
    with pytest.raises(AssertionError, match=r"1 scripted response\(s\) never requested: the-follow-up"):
        mock.assert_all_consumed()


async def test_wait_for_requests_is_bounded(mock: MockProvider, http: aiohttp.ClientSession) -> None:
    mock.enqueue({"text": "a"})

    async def client() -> None:
        async with http.post(f"{mock.url}/responses", json=body()) as resp:
            await resp.read()

    task = asyncio.create_task(client())
    [request] = await mock.wait_for_requests(1, timeout=5)
    await task
    assert request.body == body()
    with pytest.raises(TimeoutError):
        await mock.wait_for_requests(2, timeout=0.05)


async def test_loop_script_starts_over(http: aiohttp.ClientSession) -> None:
    async with MockProvider([{"text": "a"}, {"text": "b"}], speed=0, loop_script=True) as mock:
        texts = []
        for _ in range(5):
            async with http.post(f"{mock.url}/responses", json=body()) as resp:
                texts.append(decode_all(await resp.read())[-1].json()["response"]["output"][0]["content"][0]["text"])
    assert texts == ["a", "b", "a", "b", "a"]


def test_threaded_provider_serves_the_sync_sdk() -> None:
    with ThreadedMockProvider([{"text": "from a thread"}], speed=0) as mock:
        client = openai.OpenAI(base_url=mock.url, api_key="sk-x", _strict_response_validation=True)
        with client, client.responses.stream(model="m", input="hi") as stream:
            final = stream.get_final_response()
        mock.enqueue({"text": "again"})
        assert mock.provider.state.script.remaining == 1
        mock_requests = mock.response_requests
    assert (final.output_text, len(mock_requests), mock_requests[0].header("authorization")) == (
        "from a thread",
        1,
        "Bearer <redacted>",
    )


def test_journal_reads_from_another_thread_while_requests_arrive() -> None:
    # ThreadedMockProvider's tests read the journal on their own thread while the server's thread appends.
    journal = Journal(max_entries=7)
    sent = 30_000

    def capture(n: int) -> Capture:
        raw = json.dumps(body(input=f"n{n}")).encode()
        return (n, "POST", "/v1/responses", URL("/v1/responses"), {}, UNPARSED, raw, 200, 0, 0.0, None, None)

    def append() -> None:
        for n in range(sent):
            journal.add(capture(n))

    writer = threading.Thread(target=append)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so reads land between appends
    try:
        writer.start()
        snapshots = []
        while writer.is_alive():
            snapshots.append(list(journal.entries))
        writer.join()
    finally:
        sys.setswitchinterval(interval)
    snapshots.append(list(journal.entries))
    assert len(snapshots) > 10
    for entries in snapshots:
        indices = [e.index for e in entries]
        assert indices == list(range(indices[0], indices[0] + len(indices)) if indices else [])
        assert all(e.body["input"] == f"n{e.index}" for e in entries)
        assert len(entries) <= 7
    assert [e.index for e in snapshots[-1]] == list(range(sent - 7, sent))
