"""Compile a script Step, for one request, into a Plan of SSE chunks or an HTTP answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import events as ev
from .ids import IdFactory
from .plan import Chunk, Plan
from .script import CustomToolCall, FunctionCall, HttpError, OutputItem, Step
from .sse import encode_event, encode_raw

SSE_HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
JSON_HEADERS = {"Content-Type": "application/json"}
# Request fields the real service repeats in the Response object.
_ECHOED = (
    "instructions", "max_output_tokens", "metadata", "parallel_tool_calls", "previous_response_id",
    "prompt_cache_key", "reasoning", "store", "temperature", "tool_choice", "tools", "top_p", "truncation",
)  # fmt: skip
_TERMINAL = {"response.completed", "response.failed", "response.incomplete"}
_STATUS_TEXT = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("invalid_request_error", "You are not allowed to sample from this model."),
    404: ("invalid_request_error", "The model does not exist or you do not have access to it."),
    429: ("rate_limit_exceeded", "Rate limit reached. Please try again in 1s."),
}


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What rendering needs from the request: the body (for echoes and usage) and stream mode."""

    body: dict[str, Any]
    body_size: int
    stream: bool
    chunk_size: int
    ids: IdFactory
    created_at: int | None = None  # fixed for templates; None = now
    api: str = "responses"  # which wire format renders the step (see mockprovider/apis)

    @property
    def model(self) -> str:
        return str(self.body.get("model") or "mock-model")


def render(step: Step, ctx: RequestContext) -> Plan:
    headers = {"x-request-id": ctx.ids.new("req"), "openai-version": "2020-10-01", **step.headers}
    if step.reset:
        return Plan(status=0, headers={}, ending="reset")
    if step.http_error is not None:
        return _http_error(step.http_error, headers)
    if step.chunks is not None:
        return chunk_plan(step, headers)
    events = step.events if step.events is not None else _scripted_events(step, ctx)
    events = ev.number_events(events)
    if not ctx.stream:
        return _non_stream(events, headers)
    return _stream(step, events, headers)


def chunk_plan(step: Step, headers: dict[str, str]) -> Plan:
    """Recorded or hand-written body pieces sent exactly as given (the same on every API); a stall holds
    chunk `stall_after` back by `stall_ms` at any speed."""
    chunks = [Chunk(c.data.encode(), c.offset_ms) for c in step.chunks or []]
    if step.stall_ms is not None and step.stall_after < len(chunks):
        held = chunks[step.stall_after]
        chunks[step.stall_after] = Chunk(held.data, held.at_ms, step.stall_ms)
    plan = Plan(step.status, {**SSE_HEADERS, **headers}, chunks[: step.disconnect_after], keep_splits=True)
    if step.disconnect_after is not None:
        plan.ending = "abort"
    return plan


def _http_error(err: HttpError, headers: dict[str, str]) -> Plan:
    body = err.body if err.body is not None else _default_error_body(err.status)
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Plan(err.status, {**JSON_HEADERS, **headers, **err.headers}, [Chunk(data)])


def _default_error_body(status: int) -> dict[str, Any]:
    kind, message = _STATUS_TEXT.get(status, ("server_error", "The server had an error while processing your request."))
    return {"error": {"message": message, "type": kind, "param": None, "code": kind if status == 429 else None}}


def _non_stream(events: list[ev.Event], headers: dict[str, str]) -> Plan:
    final = next((e["response"] for e in reversed(events) if e.get("type") in _TERMINAL), None)
    if final is None:
        body = {"error": {"message": "scripted stream has no terminal response event", "type": "server_error"}}
        return Plan(500, {**JSON_HEADERS, **headers}, [Chunk(json.dumps(body).encode())])
    return Plan(200, {**JSON_HEADERS, **headers}, [Chunk(json.dumps(final).encode())])


def _stream(step: Step, events: list[ev.Event], headers: dict[str, str]) -> Plan:
    if step.drop_completed:
        events = [e for e in events if e.get("type") not in _TERMINAL]
    frames = [encode_event(e) for e in events]
    if step.malformed_at is not None and step.malformed_at < len(frames):
        bad = events[step.malformed_at]
        frames[step.malformed_at] = encode_raw(bad.get("type"), json.dumps(bad)[: max(8, len(json.dumps(bad)) // 2)])
    ending = "eof"
    if step.cut_mid_event is not None and step.cut_mid_event < len(frames):
        cut = frames[step.cut_mid_event]
        frames = [*frames[: step.cut_mid_event], cut[: len(cut) // 2]]
        ending = "abort"
    if step.disconnect_after is not None and step.disconnect_after < len(frames):
        frames, ending = frames[: step.disconnect_after], "abort"
    chunks = [Chunk(f, i * step.delay_ms) for i, f in enumerate(frames)]
    if step.stall_ms is not None and step.stall_after < len(chunks):
        stalled = chunks[step.stall_after]
        chunks[step.stall_after] = Chunk(stalled.data, stalled.at_ms, step.stall_ms)
    return Plan(step.status, {**SSE_HEADERS, **headers}, chunks, ending)  # type: ignore[arg-type]


def _scripted_events(step: Step, ctx: RequestContext) -> list[ev.Event]:
    resp_id = step.id or ctx.ids.new("resp")
    echo = {k: ctx.body[k] for k in _ECHOED if k in ctx.body}
    echo["model"] = step.model or ctx.model
    if isinstance(ctx.body.get("text"), dict):
        echo["text"] = {"format": {"type": "text"}, **ctx.body["text"]}
    start = ev.response_object(resp_id, model=echo["model"], echo=echo, created_at=ctx.created_at)
    body, done_items, out_text = _output_events(step, ctx)
    out: list[ev.Event] = [ev.ev_lifecycle("created", start), ev.ev_lifecycle("in_progress", start)]
    out.extend(body)
    out.append(_terminal(step, start, done_items, _usage(step, ctx, out_text)))
    return out


def _terminal(step: Step, start: dict[str, Any], items: list[ev.Item], usage: dict[str, Any]) -> ev.Event:
    final = {**start, "output": items, "usage": usage}
    if step.failed is not None:
        final.update(status="failed", usage=None, error={"code": step.failed.code, "message": step.failed.message})
        return ev.ev_lifecycle("failed", final)
    if step.incomplete is not None:
        final.update(status="incomplete", incomplete_details={"reason": step.incomplete.reason})
        return ev.ev_lifecycle("incomplete", final)
    final["status"] = "completed"
    if step.end_turn is not None:
        final["end_turn"] = step.end_turn
    return ev.ev_lifecycle("completed", final)


def _items_of(step: Step) -> list[OutputItem]:
    items: list[OutputItem] = []
    if step.reasoning is not None:
        items.append(OutputItem(reasoning=step.reasoning, encrypted_content=step.encrypted_content))
    if step.text is not None:
        items.append(OutputItem(text=step.text))
    if step.function_call is not None:
        items.append(OutputItem(function_call=step.function_call))
    if step.custom_tool_call is not None:
        items.append(OutputItem(custom_tool_call=step.custom_tool_call))
    return items + list(step.output or [])


def _output_events(step: Step, ctx: RequestContext) -> tuple[list[ev.Event], list[ev.Item], str]:
    size = step.chunk_size or ctx.chunk_size
    events: list[ev.Event] = []
    for index, item in enumerate(_items_of(step)):
        events.extend(_item_events(index, item, size, ctx.ids))
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    return events, done, "".join(e.get("delta", "") for e in events)


def _item_events(index: int, item: OutputItem, size: int, ids: IdFactory) -> list[ev.Event]:
    if item.text is not None:
        return ev.message_events(index, item.id or ids.new("msg"), ev.split_text(item.text, size))
    if item.reasoning is not None:
        rs_id = item.id or ids.new("rs")
        blob = item.encrypted_content if item.encrypted_content is not None else f"gAAAAB{rs_id}"
        return ev.reasoning_events(index, rs_id, ev.split_text(item.reasoning, size), blob)
    if item.function_call is not None:
        return _function_call(index, item.function_call, size, ids)
    assert item.custom_tool_call is not None  # guaranteed by OutputItem's validator
    return _custom_call(index, item.custom_tool_call, size, ids)


def _function_call(index: int, call: FunctionCall, size: int, ids: IdFactory) -> list[ev.Event]:
    deltas = ev.split_text(call.arguments_text(), size)
    fc_id, call_id = call.id or ids.new("fc"), call.call_id or ids.call_id()
    return ev.function_call_events(index, fc_id, call_id, call.name, deltas, namespace=call.namespace)


def _custom_call(index: int, call: CustomToolCall, size: int, ids: IdFactory) -> list[ev.Event]:
    deltas = ev.split_text(call.input, size)
    return ev.custom_tool_call_events(
        index, call.id or ids.new("ctc"), call.call_id or ids.call_id(), call.name, deltas
    )


def _usage(step: Step, ctx: RequestContext, output_text: str) -> dict[str, Any]:
    if step.usage is not None:
        return step.usage
    # A rough four-characters-a-token estimate keeps totals non-zero and proportional to the traffic.
    reasoning = len(step.reasoning or "") // 4
    return ev.usage_object(
        max(1, ctx.body_size // 4), max(1, len(output_text) // 4) + reasoning, reasoning_tokens=reasoning
    )
