"""The model client against the mock provider: codex 0.163's retry and error outcomes (RESPONSES_API §5.2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from mockprovider import MockProvider
from server.agent.errors import ModelError
from server.agent.model import HIGH_DEMAND, ModelClient
from server.agent.provider import ProviderInfo

BODY = {"model": "mock-model", "input": [], "stream": True}


@pytest.fixture
async def mock() -> AsyncIterator[MockProvider]:
    async with MockProvider(speed=1) as provider:
        yield provider


async def run(
    mock: MockProvider, rmr: int = 0, smr: int = 0, idle_ms: int = 5000
) -> tuple[list[Any], list[float], list[str]]:
    slept: list[float] = []
    retries: list[str] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))

    provider = ProviderInfo("mock", mock.url, api_key="sk-test", request_max_retries=rmr, stream_max_retries=smr,
                            stream_idle_timeout_ms=idle_ms)  # fmt: skip
    async with aiohttp.ClientSession() as session:
        client = ModelClient(session, provider, sleep)
        events = []
        try:
            async for event in client.stream(
                BODY, {"originator": "reelkit"}, lambda i, n, e: retries.append(f"{i}/{n}: {e.message}")
            ):
                events.append(event["type"])
        except ModelError as exc:
            events.append(exc)
    return events, slept, retries


async def test_success_yields_events_until_completed(mock: MockProvider) -> None:
    mock.enqueue({"text": "hi"})
    events, slept, _ = await run(mock)
    assert (events[0], events[-1], slept) == ("response.created", "response.completed", [])
    assert mock.requests[0].header("authorization") == "Bearer <redacted>"
    assert mock.requests[0].header("originator") == "reelkit"


async def test_500_retried_per_request_and_stream_limits_then_high_demand(mock: MockProvider) -> None:
    mock.enqueue(*[{"http_error": {"status": 500}}] * 9)
    events, slept, retries = await run(mock, rmr=2, smr=2)
    error = events[-1]
    assert (len(mock.requests), error.message, error.info) == (9, HIGH_DEMAND, "internalServerError")
    assert len(retries) == 2
    assert len(slept) == 8  # 2 request-level backoffs per attempt x3, plus 2 stream-level


async def test_retry_after_is_honoured(mock: MockProvider) -> None:
    mock.enqueue({"http_error": {"status": 500, "headers": {"retry-after": "0.25"}}}, {"text": "ok"})
    events, slept, _ = await run(mock, rmr=1)
    assert (events[-1], slept) == ("response.completed", [0.25])


DROPPED = "other"  # what codex reports once stream retries run out
TOO_MANY = {"responseTooManyFailedAttempts": {"httpStatusCode": 429}}
CLOSED = "stream disconnected before completion: stream closed before response.completed"
BROKEN = "stream disconnected before completion: Transport error: network error: error decoding response body"
NO_ROOM = (
    "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying."
)
LIMIT = "exceeded retry limit, last status: 429 Too Many Requests, request id: "
OUTCOMES: list[tuple[dict[str, Any], int, str, Any]] = [
    ({"http_error": {"status": 429, "headers": {"retry-after": "1", "x-request-id": "r9"}}}, 3, LIMIT + "r9", TOO_MANY),
    ({"http_error": {"status": 429, "headers": {"x-request-id": "r1"}}}, 1, LIMIT + "r1", TOO_MANY),
    (
        {"http_error": {"status": 400, "body": {"error": {"message": "bad"}}}},
        1,
        '{"error": {"message": "bad"}}',
        "other",
    ),
    ({"failed": {"code": "context_length_exceeded", "message": "x"}}, 1, NO_ROOM, "contextWindowExceeded"),
    ({"failed": {"code": "invalid_prompt", "message": "nope"}}, 1, "nope", "badRequest"),
    (
        {"failed": {"code": "server_error", "message": "oops"}},
        3,
        "stream disconnected before completion: oops",
        DROPPED,
    ),
    (
        {"text": "p", "incomplete": {"reason": "max_output_tokens"}},
        1,
        "Incomplete response returned, reason: max_output_tokens",
        "other",
    ),
    ({"text": "cut", "disconnect_after": 3}, 3, BROKEN, DROPPED),
    ({"text": "cut", "drop_completed": True}, 3, CLOSED, DROPPED),
]


@pytest.mark.parametrize(("step", "posts", "message", "info"), OUTCOMES)
async def test_failure_outcomes(mock: MockProvider, step: dict[str, Any], posts: int, message: str, info: Any) -> None:
    mock.enqueue(*[step] * 3)
    events, _, _ = await run(mock, rmr=0, smr=2)
    error = events[-1]
    assert (len(mock.requests), error.message, error.info) == (posts, message, info)


async def test_rate_limited_failure_waits_the_advertised_delay(mock: MockProvider) -> None:
    mock.enqueue({"failed": {"code": "rate_limit_exceeded", "message": "Please try again in 1.5s."}}, {"text": "ok"})
    events, slept, retries = await run(mock, smr=1)
    assert (events[-1], slept, retries) == (
        "response.completed",
        [1.5],
        ["1/1: rate limit exceeded: Please try again in 1.5s."],
    )


async def test_idle_timeout_is_retried(mock: MockProvider) -> None:
    mock.enqueue({"text": "slow", "stall_ms": 3000, "stall_after": 1}, {"text": "fast"})
    events, _, retries = await run(mock, smr=1, idle_ms=200)
    assert events[-1] == "response.completed"
    assert retries == ["1/1: stream disconnected before completion: idle timeout waiting for SSE"]


async def test_malformed_events_are_skipped(mock: MockProvider) -> None:
    mock.enqueue({"text": "abc", "malformed_at": 4})
    events, _, _ = await run(mock)
    assert events[-1] == "response.completed"
    assert len(events) == len([e for e in events if isinstance(e, str)])


async def test_connection_refused_is_a_connection_failure() -> None:
    provider = ProviderInfo("dead", "http://127.0.0.1:9/v1", request_max_retries=0, stream_max_retries=0)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ModelError) as info:
            async for _ in ModelClient(session, provider).stream(BODY, {}):
                pass
    assert info.value.message == "stream disconnected before completion: error sending request"
    assert info.value.info == "other"
