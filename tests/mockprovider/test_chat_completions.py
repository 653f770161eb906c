"""Chat Completions: the official `openai` SDK, with strict response validation, judges every step and fault."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

from mockprovider import MockProvider

MESSAGES: list[Any] = [{"role": "user", "content": "hi"}]
TOOLS: list[Any] = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
]

# step -> (finish_reason, text, [(tool name, arguments)])
STEPS: list[tuple[dict[str, Any], str, str, list[tuple[str, str]]]] = [
    ({"text": "Hello from the mock, in several deltas."}, "stop", "Hello from the mock, in several deltas.", []),
    ({"reasoning": "thinking is not carried", "text": "Hi."}, "stop", "Hi.", []),
    (
        {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}, "call_id": "call_1"}},
        "tool_calls",
        "",
        [("get_weather", '{"city": "Paris"}')],
    ),
    (
        {"output": [{"text": "two calls"}, {"function_call": {"name": "a"}}, {"function_call": {"name": "b"}}]},
        "tool_calls",
        "two calls",
        [("a", "{}"), ("b", "{}")],
    ),
    (
        {"custom_tool_call": {"name": "apply_patch", "input": "*** Begin Patch"}},
        "tool_calls",
        "",
        [("apply_patch", '{"input": "*** Begin Patch"}')],
    ),
    ({"text": "cut short", "incomplete": {"reason": "max_output_tokens"}}, "length", "cut short", []),
    ({"text": "", "incomplete": {"reason": "content_filter"}}, "content_filter", "", []),
    ({"text": "slow", "delay_ms": 1, "chunk_size": 2}, "stop", "slow", []),
]


async def drain(stream: Any, seen: list[str | None]) -> None:
    """Read a stream to its end (or its error), keeping each chunk's content delta."""
    async for chunk in stream:
        seen.append(chunk.choices[0].delta.content)


@pytest.fixture
async def sdk(mock: MockProvider) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=0, _strict_response_validation=True)
    async with client:
        yield client


@pytest.mark.parametrize(("step", "finish", "text", "calls"), STEPS)
async def test_create_stream_parses_every_chunk(mock: MockProvider, sdk: openai.AsyncOpenAI, step, finish, text, calls):
    mock.enqueue(step)
    stream = await sdk.chat.completions.create(
        model="mock-model", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].id.startswith("chatcmpl-")
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    usage = chunks[-1].usage
    assert (content, finishes, chunks[-1].choices) == (text, [finish], [])
    assert usage is not None
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])


@pytest.mark.parametrize(("step", "finish", "text", "calls"), STEPS)
async def test_stream_helper_accumulates(mock: MockProvider, sdk: openai.AsyncOpenAI, step, finish, text, calls):
    mock.enqueue(step)
    async with sdk.chat.completions.stream(model="mock-model", messages=MESSAGES, tools=TOOLS) as stream:
        deltas = [e.delta async for e in stream if e.type == "content.delta"]
        verdicts: dict[str, type[Exception]] = {
            "length": openai.LengthFinishReasonError,
            "content_filter": openai.ContentFilterFinishReasonError,
        }
        if finish in verdicts:  # the helper's own verdict on a truncated or filtered answer
            with pytest.raises(verdicts[finish]):
                await stream.get_final_completion()
            return
        final = await stream.get_final_completion()
    message = final.choices[0].message
    got = [(c.function.name, c.function.arguments) for c in message.tool_calls or []]
    assert ("".join(deltas), message.content or "", final.choices[0].finish_reason, got) == (text, text, finish, calls)
    assert all(c.id.startswith("call_") for c in message.tool_calls or [])


@pytest.mark.parametrize(("step", "finish", "text", "calls"), STEPS)
async def test_non_streamed_completion(mock: MockProvider, sdk: openai.AsyncOpenAI, step, finish, text, calls):
    mock.enqueue(step)
    done = await sdk.chat.completions.create(model="mock-model", messages=MESSAGES)
    message = done.choices[0].message
    got = [(c.function.name, c.function.arguments) for c in message.tool_calls or []]  # type: ignore[union-attr]
    assert (done.object, message.content or "", done.choices[0].finish_reason, got) == (
        "chat.completion", text, finish, calls
    )  # fmt: skip
    assert done.usage is not None
    assert done.usage.completion_tokens > 0


async def test_n_gives_that_many_choices(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    mock.enqueue({"text": "same answer"}, {"text": "same answer"})
    stream = await sdk.chat.completions.create(model="mock-model", messages=MESSAGES, stream=True, n=3)
    texts = {0: "", 1: "", 2: ""}
    async for chunk in stream:
        assert chunk.usage is None  # not asked for: no usage chunk and no usage key
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    done = await sdk.chat.completions.create(model="mock-model", messages=MESSAGES, n=2)
    assert (texts, [c.message.content for c in done.choices]) == (
        dict.fromkeys(range(3), "same answer"),
        ["same answer"] * 2,
    )


async def test_failed_step_raises_the_sdk_api_error_mid_stream(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    mock.enqueue({"text": "partial", "failed": {"code": "server_error", "message": "boom"}})
    stream = await sdk.chat.completions.create(model="mock-model", messages=MESSAGES, stream=True)
    seen: list[str | None] = []
    with pytest.raises(openai.APIError, match="boom"):
        await drain(stream, seen)
    assert seen == ["", "partial"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"disconnect_after": 3}, openai.APIConnectionError),
        ({"cut_mid_event": 3}, openai.APIConnectionError),
        ({"malformed_at": 2}, json.JSONDecodeError),
    ],
)
async def test_stream_faults_surface_at_the_chunk(mock: MockProvider, sdk: openai.AsyncOpenAI, fault, error) -> None:
    mock.enqueue({"text": "abcdefghij", "chunk_size": 2, **fault})
    stream = await sdk.chat.completions.create(model="mock-model", messages=MESSAGES, stream=True)
    seen: list[str | None] = []
    with pytest.raises((error, openai.APIError)):  # httpx's RemoteProtocolError comes wrapped by the SDK
        await drain(stream, seen)
    index = next(iter(fault.values()))
    assert seen == ["", "ab", "cd", "ef"][:index]


async def test_drop_completed_ends_without_finish_or_done(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    mock.enqueue({"text": "abcd", "chunk_size": 2, "drop_completed": True, "stall_ms": 5, "stall_after": 1})
    stream = await sdk.chat.completions.create(model="mock-model", messages=MESSAGES, stream=True)
    chunks = [c async for c in stream]
    assert [c.choices[0].finish_reason for c in chunks] == [None, None, None]


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_error_statuses_raise_the_sdk_types_after_its_retries(mock: MockProvider, status: int) -> None:
    error = {"http_error": {"status": status, "headers": {"retry-after-ms": "1"}}}
    mock.enqueue(error, error, error)
    client = openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=2, _strict_response_validation=True)
    kind = openai.RateLimitError if status == 429 else openai.InternalServerError
    async with client:
        with pytest.raises(kind):
            await client.chat.completions.create(model="mock-model", messages=MESSAGES)
    retries = [r.header("x-stainless-retry-count") for r in mock.requests]
    assert ([r.status for r in mock.requests], retries) == ([status] * 3, ["0", "1", "2"])


async def test_retry_then_success(mock: MockProvider) -> None:
    mock.enqueue({"http_error": {"status": 429, "headers": {"retry-after-ms": "1"}}}, {"text": "after retry"})
    client = openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=2, _strict_response_validation=True)
    async with client:
        done = await client.chat.completions.create(model="mock-model", messages=MESSAGES)
    assert (done.choices[0].message.content, [r.status for r in mock.requests]) == ("after retry", [429, 200])


async def test_strict_pairs_tool_calls_with_tool_messages() -> None:
    call = {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    unanswered = [*MESSAGES, {"role": "assistant", "tool_calls": [call]}]
    stray = [*MESSAGES, {"role": "tool", "tool_call_id": "call_zz", "content": "x"}]
    paired = [*unanswered, {"role": "tool", "tool_call_id": "call_a", "content": "ok"}]
    async with MockProvider([{"text": "fine"}], speed=0, strict=True) as mock:
        client = openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=0)
        async with client:
            for bad, words in ((unanswered, "call_a' has no tool message"), (stray, "answers no assistant tool call")):
                with pytest.raises(openai.BadRequestError, match=words):
                    await client.chat.completions.create(model="mock-model", messages=bad)
            done = await client.chat.completions.create(model="mock-model", messages=paired)
    assert done.choices[0].message.content == "fine"


async def test_models_list_and_seeded_ids(sdk: openai.AsyncOpenAI) -> None:
    models = [m.id async for m in sdk.models.list()]
    ids = []
    for _ in range(2):
        async with MockProvider([{"function_call": {"name": "f"}}], speed=0, seed=3) as mock:
            client = openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=0)
            async with client:
                done = await client.chat.completions.create(model="m", messages=MESSAGES)
        ids.append((done.id, done.choices[0].message.tool_calls[0].id))  # type: ignore[index]
    assert models == ["mock-model"]
    assert ids[0] == ids[1]
    assert ids[0][0].startswith("chatcmpl-")
    assert ids[0][1].startswith("call_")
