"""The official `openai` SDK, with strict response validation, is the judge of our SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
)

from mockprovider import MockProvider

PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch\n"

# step -> (final status, output item types, output text)
COMPLETED_STEPS: list[tuple[dict[str, Any], list[str], str]] = [
    ({"text": "Hello from the mock, in several deltas."}, ["message"], "Hello from the mock, in several deltas."),
    ({"reasoning": "**Plan**\n\nGreet.", "text": "Hi there."}, ["reasoning", "message"], "Hi there."),
    (
        {"function_call": {"name": "exec_command", "arguments": {"cmd": "echo hi"}, "call_id": "c1"}},
        ["function_call"],
        "",
    ),
    ({"function_call": {"name": "exec_command", "arguments": '{"cmd": "ls"}'}}, ["function_call"], ""),
    ({"custom_tool_call": {"name": "apply_patch", "input": PATCH, "call_id": "c2"}}, ["custom_tool_call"], ""),
    (
        {
            "output": [
                {"reasoning": "r"},
                {"text": "calling two"},
                {"function_call": {"name": "a"}},
                {"function_call": {"name": "b"}},
            ]
        },
        ["reasoning", "message", "function_call", "function_call"],
        "calling two",
    ),
    ({"text": "json please", "delay_ms": 1, "chunk_size": 3}, ["message"], "json please"),
]


@pytest.fixture
async def sdk(mock: MockProvider) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=0, _strict_response_validation=True)
    async with client:
        yield client


@pytest.mark.parametrize(("step", "types", "text"), COMPLETED_STEPS)
async def test_create_stream_parses_every_event_strictly(
    mock: MockProvider, sdk: openai.AsyncOpenAI, step, types, text
) -> None:
    mock.enqueue(step)
    stream = await sdk.responses.create(model="mock-model", input="hi", stream=True)
    events = [e async for e in stream]
    seqs = [e.sequence_number for e in events]
    final = events[-1]
    assert isinstance(final, ResponseCompletedEvent)
    assert (final.type, seqs, [o.type for o in final.response.output], final.response.output_text) == (
        "response.completed",
        list(range(len(events))),
        types,
        text,
    )


@pytest.mark.parametrize(("step", "types", "text"), COMPLETED_STEPS)
async def test_stream_helper_accumulates_the_final_response(
    mock: MockProvider, sdk: openai.AsyncOpenAI, step, types, text
) -> None:
    mock.enqueue(step)
    async with sdk.responses.stream(model="mock-model", input="hi") as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert ("".join(deltas), final.output_text, [o.type for o in final.output]) == (text, text, types)


async def test_function_call_arguments_and_ids_are_realistic(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    mock.enqueue({"function_call": {"name": "exec_command", "arguments": {"cmd": "echo hi"}, "call_id": "call_x"}})
    async with sdk.responses.stream(model="mock-model", input="hi") as stream:
        final = await stream.get_final_response()
    call = final.output[0]
    assert call.type == "function_call"
    assert (call.name, call.arguments, call.call_id) == ("exec_command", '{"cmd": "echo hi"}', "call_x")
    assert call.id is not None
    assert call.id.startswith("fc_")
    assert final.id.startswith("resp_")
    assert final.usage is not None
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens


async def test_raw_events_pass_through(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    resp = {"id": "resp_raw", "object": "response", "created_at": 1, "model": "m", "output": [],
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}  # fmt: skip
    mock.enqueue(
        {"events": [{"type": "response.created", "response": resp}, {"type": "response.completed", "response": resp}]}
    )
    stream = await sdk.responses.create(model="m", input="hi", stream=True)
    events = [e async for e in stream]
    lifecycle = [e for e in events if isinstance(e, ResponseCreatedEvent | ResponseCompletedEvent)]
    assert lifecycle == events
    assert [(e.type, e.sequence_number, e.response.id) for e in lifecycle] == [
        ("response.created", 0, "resp_raw"),
        ("response.completed", 1, "resp_raw"),
    ]


@pytest.mark.parametrize(
    ("step", "terminal", "detail"),
    [
        ({"failed": {"code": "server_error", "message": "boom"}}, "response.failed", "boom"),
        (
            {"failed": {"code": "rate_limit_exceeded", "message": "try again in 1s"}},
            "response.failed",
            "try again in 1s",
        ),
        (
            {"text": "partial", "incomplete": {"reason": "max_output_tokens"}},
            "response.incomplete",
            "max_output_tokens",
        ),
    ],
)
async def test_failed_and_incomplete_parse_strictly(
    mock: MockProvider, sdk: openai.AsyncOpenAI, step, terminal, detail
) -> None:
    mock.enqueue(step)
    stream = await sdk.responses.create(model="m", input="hi", stream=True)
    final = [e async for e in stream][-1]
    assert isinstance(final, ResponseFailedEvent | ResponseIncompleteEvent)
    reason: str | None
    if final.response.error:
        reason = final.response.error.message
    else:
        assert final.response.incomplete_details is not None
        reason = final.response.incomplete_details.reason
    assert (final.type, reason) == (terminal, detail)


async def test_stream_helper_iterates_a_failed_stream_but_has_no_final_response(
    mock: MockProvider, sdk: openai.AsyncOpenAI
) -> None:
    mock.enqueue({"failed": {"code": "server_error", "message": "boom"}})
    async with sdk.responses.stream(model="m", input="hi") as stream:
        types = [e.type async for e in stream]
        with pytest.raises(RuntimeError, match=r"response\.completed"):
            await stream.get_final_response()
    assert types == ["response.created", "response.in_progress", "response.failed"]


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, openai.BadRequestError), (401, openai.AuthenticationError), (429, openai.RateLimitError),
     (500, openai.InternalServerError), (503, openai.InternalServerError)],
)  # fmt: skip
async def test_http_errors_raise_the_sdk_error_class(
    mock: MockProvider, sdk: openai.AsyncOpenAI, status: int, error: type[openai.APIStatusError]
) -> None:
    mock.enqueue({"http_error": {"status": status, "headers": {"retry-after": "1"}}})
    with pytest.raises(error) as info:
        await sdk.responses.create(model="m", input="hi", stream=True)
    assert info.value.status_code == status
    assert info.value.response.headers["retry-after"] == "1"


@pytest.mark.parametrize("fault", [{"disconnect_after": 3}, {"cut_mid_event": 4}])
async def test_dropped_streams_surface_as_errors_not_hangs(
    mock: MockProvider, sdk: openai.AsyncOpenAI, fault: dict[str, int]
) -> None:
    mock.enqueue({"text": "this stream will not finish", **fault})
    stream = await sdk.responses.create(model="m", input="hi", stream=True)
    seen: list[str] = []

    async def drain() -> None:
        async for event in stream:
            seen.append(event.type)

    with pytest.raises(openai.APIConnectionError):
        await drain()
    assert seen[:2] == ["response.created", "response.in_progress"]
    assert "response.completed" not in seen


async def test_non_streaming_create_returns_the_final_response(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    mock.enqueue({"reasoning": "hmm", "text": "plain JSON answer"})
    response = await sdk.responses.create(model="m", input="hi")
    assert (response.status, response.output_text, [o.type for o in response.output]) == (
        "completed",
        "plain JSON answer",
        ["reasoning", "message"],
    )


async def test_models_listing_parses(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    models = await sdk.models.list()
    assert [m.id async for m in models] == ["mock-model"]


async def test_ev_builders_parse_strictly(mock: MockProvider, sdk: openai.AsyncOpenAI) -> None:
    from mockprovider import events as ev

    raw = [
        ev.ev_response_created("resp_b"),
        ev.ev_reasoning_item("rs_1", "why", output_index=0),
        ev.ev_assistant_message("msg_1", "built", output_index=1),
        ev.ev_function_call("call_1", "exec_command", '{"cmd":"ls"}', output_index=2),
        ev.ev_completed("resp_b"),
    ]
    mock.enqueue({"events": ev.number_events(raw)})
    stream = await sdk.responses.create(model="m", input="hi", stream=True)
    events = [e async for e in stream]
    assert [e.type for e in events] == [e["type"] for e in raw]
    assert [e.item.type for e in events if e.type == "response.output_item.done"] == [
        "reasoning",
        "message",
        "function_call",
    ]
