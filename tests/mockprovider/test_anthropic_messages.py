"""Anthropic Messages: the official `anthropic` SDK, with strict response validation, judges every step and fault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest

from mockprovider import MockProvider

MESSAGES: list[Any] = [{"role": "user", "content": "hi"}]
TOOLS: list[Any] = [{"name": "get_weather", "input_schema": {"type": "object", "properties": {}}}]

# step -> (stop_reason, content block types, text, [(tool name, input)])
STEPS: list[tuple[dict[str, Any], str, list[str], str, list[tuple[str, Any]]]] = [
    ({"text": "Hello from the mock, in deltas."}, "end_turn", ["text"], "Hello from the mock, in deltas.", []),
    ({"reasoning": "Let me think about this.", "encrypted_content": "c2lnbmF0dXJl", "text": "Hi."}, "end_turn",
     ["thinking", "text"], "Hi.", []),
    ({"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, "tool_use", ["tool_use"], "",
     [("get_weather", {"city": "Paris"})]),
    ({"output": [{"text": "two calls"}, {"function_call": {"name": "a"}}, {"function_call": {"name": "b"}}]},
     "tool_use", ["text", "tool_use", "tool_use"], "two calls", [("a", {}), ("b", {})]),
    ({"custom_tool_call": {"name": "apply_patch", "input": "*** Begin Patch"}}, "tool_use", ["tool_use"], "",
     [("apply_patch", {"input": "*** Begin Patch"})]),
    ({"text": "cut short", "incomplete": {"reason": "max_output_tokens"}}, "max_tokens", ["text"], "cut short", []),
    ({"text": "no", "incomplete": {"reason": "content_filter"}}, "refusal", ["text"], "no", []),
    ({"text": "slow", "delay_ms": 1, "chunk_size": 2}, "end_turn", ["text"], "slow", []),
]  # fmt: skip


@pytest.fixture
async def sdk(mock: MockProvider) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(
        base_url=mock.origin, api_key="sk-ant-test", max_retries=0, _strict_response_validation=True
    )
    async with client:
        yield client


def _summary(message: Any) -> tuple[str | None, list[str], str, list[tuple[str, Any]]]:
    text = "".join(b.text for b in message.content if b.type == "text")
    calls = [(b.name, b.input) for b in message.content if b.type == "tool_use"]
    return message.stop_reason, [b.type for b in message.content], text, calls


async def drain(stream: Any, seen: list[str]) -> None:
    async for event in stream:
        seen.append(event.type)


@pytest.mark.parametrize(("step", "stop", "types", "text", "calls"), STEPS)
async def test_create_stream_parses_every_event(mock: MockProvider, sdk: anthropic.AsyncAnthropic, step, stop, types,
                                                text, calls):  # fmt: skip
    mock.enqueue(step)
    stream = await sdk.messages.create(model="claude-mock", max_tokens=100, messages=MESSAGES, stream=True)
    events = [e async for e in stream]
    kinds = [e.type for e in events]
    assert (kinds[0], kinds[-2:]) == ("message_start", ["message_delta", "message_stop"])
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == len(types)
    start = events[0].message  # type: ignore[union-attr]
    assert start.id.startswith("msg_01")
    assert events[-2].delta.stop_reason == stop  # type: ignore[union-attr]
    assert events[-2].usage.output_tokens > 0  # type: ignore[union-attr]


@pytest.mark.parametrize(("step", "stop", "types", "text", "calls"), STEPS)
async def test_stream_helper_accumulates_the_final_message(
    mock: MockProvider, sdk: anthropic.AsyncAnthropic, step, stop, types, text, calls
) -> None:
    mock.enqueue(step)
    async with sdk.messages.stream(model="claude-mock", max_tokens=100, messages=MESSAGES, tools=TOOLS) as stream:
        deltas = [t async for t in stream.text_stream]
        final = await stream.get_final_message()
    assert ("".join(deltas), *_summary(final)) == (text, stop, types, text, calls)
    assert all(b.id.startswith("toolu_01") for b in final.content if b.type == "tool_use")
    thinking = [b for b in final.content if b.type == "thinking"]
    assert [(b.thinking, b.signature) for b in thinking] == (
        [("Let me think about this.", "c2lnbmF0dXJl")] if "thinking" in types else []
    )


@pytest.mark.parametrize(("step", "stop", "types", "text", "calls"), STEPS)
async def test_non_streamed_message(mock: MockProvider, sdk: anthropic.AsyncAnthropic, step, stop, types, text, calls):
    mock.enqueue(step)
    message = await sdk.messages.create(model="claude-mock", max_tokens=100, messages=MESSAGES)
    assert _summary(message) == (stop, types, text, calls)
    assert (message.type, message.role, message.model) == ("message", "assistant", "claude-mock")
    assert message.usage.input_tokens > 0


async def test_failed_step_is_an_in_stream_error_event(mock: MockProvider, sdk: anthropic.AsyncAnthropic) -> None:
    mock.enqueue({"text": "partial", "failed": {"code": "overloaded_error", "message": "Overloaded"}})
    stream = await sdk.messages.create(model="claude-mock", max_tokens=100, messages=MESSAGES, stream=True)
    seen: list[str] = []
    with pytest.raises(anthropic.APIStatusError, match="overloaded_error"):
        await drain(stream, seen)
    assert seen == ["message_start", "content_block_start", "content_block_delta", "content_block_stop"]


@pytest.mark.parametrize(
    ("fault", "seen"),
    [
        ({"disconnect_after": 4}, ["message_start", "content_block_start", "content_block_delta"]),
        ({"cut_mid_event": 3}, ["message_start", "content_block_start"]),
        ({"malformed_at": 3}, ["message_start", "content_block_start"]),
    ],
)
async def test_stream_faults_surface_at_the_event(mock: MockProvider, sdk: anthropic.AsyncAnthropic, fault, seen):
    mock.enqueue({"text": "abcdef", "chunk_size": 2, **fault})
    stream = await sdk.messages.create(model="claude-mock", max_tokens=100, messages=MESSAGES, stream=True)
    got: list[str] = []
    with pytest.raises(Exception) as caught:  # noqa: PT011 - which exception is the SDK's business; where is ours
        await drain(stream, got)
    assert got == seen, caught.value


async def test_drop_completed_and_stall(mock: MockProvider, sdk: anthropic.AsyncAnthropic) -> None:
    mock.enqueue({"text": "abcd", "chunk_size": 2, "drop_completed": True, "stall_ms": 5, "stall_after": 2})
    stream = await sdk.messages.create(model="claude-mock", max_tokens=100, messages=MESSAGES, stream=True)
    seen: list[str] = []
    await drain(stream, seen)
    assert seen == ["message_start", "content_block_start", "content_block_delta", "content_block_delta",
                    "content_block_stop"]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, anthropic.RateLimitError), (500, anthropic.InternalServerError), (529, anthropic.InternalServerError)],
)
async def test_error_statuses_raise_the_sdk_types_after_its_retries(mock: MockProvider, status, error) -> None:
    step = {"http_error": {"status": status, "headers": {"retry-after-ms": "1"}}}
    mock.enqueue(step, step, step)
    client = anthropic.AsyncAnthropic(
        base_url=mock.origin, api_key="k", max_retries=2, _strict_response_validation=True
    )
    async with client:
        with pytest.raises(error) as caught:
            await client.messages.create(model="claude-mock", max_tokens=10, messages=MESSAGES)
    assert caught.value.status_code == status
    assert caught.value.body["type"] == "error"
    retries = [r.header("x-stainless-retry-count") for r in mock.requests]
    assert ([r.status for r in mock.requests], retries) == ([status] * 3, ["0", "1", "2"])


async def test_529_then_success_after_a_retry(mock: MockProvider) -> None:
    mock.enqueue({"http_error": {"status": 529, "headers": {"retry-after-ms": "1"}}}, {"text": "back"})
    client = anthropic.AsyncAnthropic(
        base_url=mock.origin, api_key="k", max_retries=1, _strict_response_validation=True
    )
    async with client:
        message = await client.messages.create(model="claude-mock", max_tokens=10, messages=MESSAGES)
    assert (message.content[0].text, [r.status for r in mock.requests]) == ("back", [529, 200])  # type: ignore[union-attr]


async def test_requests_need_anthropic_version_and_max_tokens(mock: MockProvider, http: Any) -> None:
    url = f"{mock.origin}/v1/messages"
    async with http.post(url, json={"model": "m", "messages": MESSAGES, "max_tokens": 5}) as resp:
        no_version = (resp.status, await resp.json())
    async with http.post(
        url, json={"model": "m", "messages": MESSAGES}, headers={"anthropic-version": "2023-06-01"}
    ) as resp:
        no_max = (resp.status, await resp.json())
    missing = {"type": "invalid_request_error", "message": "anthropic-version: header is required"}
    assert no_version == (400, {"type": "error", "error": missing})
    assert no_max == (
        400,
        {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"}},
    )


async def test_strict_pairs_tool_use_with_tool_result() -> None:
    use: Any = {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01a", "name": "f", "input": {}}]}
    answer: Any = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01a", "content": "ok"}]}
    stray: Any = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01zz", "content": "x"}]}
    async with MockProvider([{"text": "fine"}], speed=0, strict=True) as mock:
        client = anthropic.AsyncAnthropic(base_url=mock.origin, api_key="k", max_retries=0)
        async with client:
            for bad, words in (([*MESSAGES, use], "has no tool_result"), ([*MESSAGES, stray], "answers no tool_use")):
                with pytest.raises(anthropic.BadRequestError, match=words):
                    await client.messages.create(model="m", max_tokens=5, messages=bad)
            done = await client.messages.create(model="m", max_tokens=5, messages=[*MESSAGES, use, answer])
    assert done.content[0].text == "fine"  # type: ignore[union-attr]


async def test_models_list_in_anthropic_shape(sdk: anthropic.AsyncAnthropic) -> None:
    page = await sdk.models.list()
    assert [(m.id, m.type) for m in page.data] == [("mock-model", "model")]


async def test_ids_are_shaped_and_seeded() -> None:
    ids = []
    for _ in range(2):
        async with MockProvider([{"function_call": {"name": "f"}}], speed=0, seed=3) as mock:
            client = anthropic.AsyncAnthropic(base_url=mock.origin, api_key="k", max_retries=0)
            async with client:
                raw = await client.messages.with_raw_response.create(model="m", max_tokens=5, messages=MESSAGES)
                message = await raw.parse()
        ids.append((message.id, message.content[0].id, raw.headers["request-id"]))  # type: ignore[union-attr]
    assert ids[0] == ids[1]
    assert [i[:n] for i, n in zip(ids[0], (6, 8, 6), strict=True)] == ["msg_01", "toolu_01", "req_01"]
