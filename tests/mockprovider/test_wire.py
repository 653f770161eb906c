"""The bytes on the wire: framing, ordering, faults, timing, and request validation."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from multidict import CIMultiDict

from mockprovider import MockProvider, decode_all

from .conftest import body


async def post(http: aiohttp.ClientSession, mock: MockProvider, payload: object) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.post(f"{mock.url}/responses", json=payload) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.read()


async def test_stream_framing_matches_the_real_service(mock: MockProvider, http: aiohttp.ClientSession) -> None:
    mock.enqueue({"text": "x" * 45})
    status, headers, raw = await post(http, mock, body())
    events = [e.json() for e in decode_all(raw)]
    assert status == 200
    assert headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["x-request-id"].startswith("req_")
    assert all(e.event == e.json()["type"] for e in decode_all(raw))
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["type"] for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ]  # fmt: skip
    assert [len(e["delta"]) for e in events if "delta" in e] == [20, 20, 5]


async def test_request_fields_are_echoed_in_the_response_object(mock: MockProvider, http) -> None:
    mock.enqueue({"text": "ok"})
    text = {"verbosity": "low", "format": {"type": "json_schema", "name": "s", "schema": {}, "strict": True}}
    _, _, raw = await post(http, mock, body(model="gpt-x", prompt_cache_key="k1", text=text, store=False))
    created = decode_all(raw)[0].json()["response"]
    assert (created["model"], created["prompt_cache_key"], created["text"], created["store"]) == (
        "gpt-x",
        "k1",
        text,
        False,
    )


@pytest.mark.parametrize(
    ("fault", "kept", "complete_tail"),
    [
        ({"disconnect_after": 3}, 3, False),
        ({"drop_completed": True}, 8, True),  # clean end of body, terminal event missing
    ],
)
async def test_streams_that_end_early(mock: MockProvider, http, fault, kept, complete_tail) -> None:
    mock.enqueue({"text": "abc", **fault})
    async with http.post(f"{mock.url}/responses", json=body()) as resp:
        raw = b""
        try:
            async for chunk in resp.content.iter_any():
                raw += chunk
            ended_cleanly = True
        except aiohttp.ClientPayloadError:
            ended_cleanly = False
    types = [e.json()["type"] for e in decode_all(raw)]
    assert (len(types), ended_cleanly, "response.completed" in types) == (kept, complete_tail, False)


async def test_cut_mid_event_leaves_half_an_event_then_drops(mock: MockProvider, http) -> None:
    mock.enqueue({"text": "abc", "cut_mid_event": 2})
    raw = bytearray()

    async def drain() -> None:
        async with http.post(f"{mock.url}/responses", json=body()) as resp:
            async for chunk in resp.content.iter_any():
                raw.extend(chunk)

    with pytest.raises(aiohttp.ClientPayloadError):
        await drain()
    assert len(decode_all(bytes(raw))) == 2
    assert not raw.endswith(b"\n\n")
    assert b"response.output_item.added" in raw


async def test_malformed_event_has_invalid_json(mock: MockProvider, http) -> None:
    mock.enqueue({"text": "abc", "malformed_at": 4})
    _, _, raw = await post(http, mock, body())
    events = decode_all(raw)
    with pytest.raises(json.JSONDecodeError):
        events[4].json()
    assert events[-1].json()["type"] == "response.completed"


async def test_reset_drops_the_connection_before_headers(mock: MockProvider, http) -> None:
    mock.enqueue({"reset": True}, {"text": "after the reset"})
    with pytest.raises(aiohttp.ClientConnectionError):
        await post(http, mock, body())
    _, _, raw = await post(http, mock, body())
    assert decode_all(raw)[-1].json()["response"]["output"][0]["content"][0]["text"] == "after the reset"
    assert [r.step for r in mock.requests] == [0, 1]


async def test_stall_holds_the_stream_even_at_speed_zero(mock: MockProvider, http) -> None:
    mock.enqueue({"text": "abc", "stall_ms": 2000, "stall_after": 2})
    timeout = aiohttp.ClientTimeout(sock_read=0.3)
    async with http.post(f"{mock.url}/responses", json=body(), timeout=timeout) as resp:
        first = await resp.content.readuntil(b"\n\n")
        second = await resp.content.readuntil(b"\n\n")
        with pytest.raises(asyncio.TimeoutError):
            await resp.content.readuntil(b"\n\n")
    assert b"response.created" in first
    assert b"response.in_progress" in second


async def test_http_error_step_sends_status_headers_and_body(mock: MockProvider, http) -> None:
    err = {
        "status": 429,
        "headers": {"retry-after": "2"},
        "body": {"error": {"message": "slow down", "code": "rate_limit_exceeded"}},
    }
    mock.enqueue(
        {"http_error": err}, {"http_error": {"status": 502, "body": "upstream gone"}}, {"http_error": {"status": 500}}
    )
    first, second, third = [await post(http, mock, body()) for _ in range(3)]
    assert (first[0], first[1]["retry-after"], json.loads(first[2])) == (429, "2", err["body"])
    assert (second[0], second[2]) == (502, b"upstream gone")
    assert (third[0], json.loads(third[2])["error"]["type"]) == (500, "server_error")


async def test_delay_ms_spaces_events_in_timed_mode(http) -> None:
    async with MockProvider([{"text": "abcdef", "chunk_size": 2, "delay_ms": 30}], speed=1) as mock:
        loop = asyncio.get_running_loop()
        arrivals = []
        async with http.post(f"{mock.url}/responses", json=body()) as resp:
            start = loop.time()
            while line := await resp.content.readline():
                if line.startswith(b"data:"):
                    arrivals.append((loop.time() - start) * 1000)
    assert len(arrivals) == 11
    # The last event is scheduled 10 delays after the first; timing is absolute, so it must not drift.
    assert 270 <= arrivals[-1] - arrivals[0] <= 400


async def test_no_step_left_is_a_journaled_500(mock: MockProvider, http) -> None:
    status, _, raw = await post(http, mock, body())
    assert status == 500
    assert "no scripted response left" in json.loads(raw)["error"]["message"]
    assert (mock.requests[0].status, mock.requests[0].step) == (500, None)


@pytest.mark.parametrize(
    ("payload", "message", "param"),
    [
        (b"{not json", "could not parse the JSON body", None),
        (b"[1, 2]", "must be a JSON object", None),
        (b'{"input": "hi"}', "Missing required parameter: 'model'.", "model"),
        (b'{"model": "m"}', "Missing required parameter: 'input'.", "input"),
    ],
)
async def test_bad_bodies_get_openai_style_400s(mock: MockProvider, http, payload, message, param) -> None:
    mock.enqueue({"text": "not consumed"})
    async with http.post(f"{mock.url}/responses", data=payload) as resp:
        status, err = resp.status, (await resp.json())["error"]
    assert (status, err["type"], err["param"], message in err["message"]) == (400, "invalid_request_error", param, True)
    assert mock.state.script.remaining == 1
    assert mock.requests[-1].status == 400


async def test_strict_mode_rejects_unpaired_tool_calls(http) -> None:
    orphan = {"type": "function_call_output", "call_id": "nope", "output": "x"}
    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    async with MockProvider([{"text": "ok"}], speed=0, strict=True) as mock:
        bad1 = await post(http, mock, body(input=[orphan]))
        bad2 = await post(http, mock, body(input=[call]))
        good = await post(http, mock, body(input=[call, {**orphan, "call_id": "c1"}]))
    assert [bad1[0], bad2[0], good[0]] == [400, 400, 200]
    assert "no matching call" in json.loads(bad1[2])["error"]["message"]
    assert "has no output" in json.loads(bad2[2])["error"]["message"]


async def test_client_leaving_mid_stream_does_not_disturb_the_server(http) -> None:
    async with MockProvider([{"text": "x" * 200, "chunk_size": 1, "delay_ms": 5}, {"text": "next"}], speed=1) as mock:
        async with http.post(f"{mock.url}/responses", json=body()) as resp:
            await resp.content.readuntil(b"\n\n")
            resp.close()  # walk away mid-stream
        _, _, raw = await post(http, mock, body())
    assert decode_all(raw)[-1].json()["type"] == "response.completed"
