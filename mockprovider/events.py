"""Builders for Responses-API stream events, shaped as the real service sends them.

Every builder returns one JSON-ready dict. `sequence_number` is left out here and stamped by
`number_events`, so that builders compose freely. The shapes are the ones the official `openai` SDK
accepts under `_strict_response_validation=True` and that codex 0.163 acts on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .sse import encode_event

Event = dict[str, Any]
Item = dict[str, Any]


def response_object(
    resp_id: str,
    *,
    model: str,
    status: str = "in_progress",
    output: list[Item] | None = None,
    usage: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    incomplete_details: dict[str, Any] | None = None,
    created_at: int | None = None,
    echo: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a full Response object (the real service repeats it in created/in_progress/completed)."""
    obj: dict[str, Any] = {
        "id": resp_id,
        "object": "response",
        "created_at": created_at if created_at is not None else int(time.time()),
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": incomplete_details,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output if output is not None else [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": {},
    }
    if echo:
        obj.update(echo)
    return obj


def usage_object(
    input_tokens: int, output_tokens: int, *, cached_tokens: int = 0, reasoning_tokens: int = 0
) -> dict[str, Any]:
    """Build a usage block with the token details codex and the SDK read."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached_tokens, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
    }


def ev_lifecycle(kind: str, response: dict[str, Any]) -> Event:
    """`response.created` / `in_progress` / `completed` / `failed` / `incomplete`."""
    return {"type": f"response.{kind}", "response": response}


def ev_item_added(output_index: int, item: Item) -> Event:
    return {"type": "response.output_item.added", "output_index": output_index, "item": item}


def ev_item_done(output_index: int, item: Item) -> Event:
    return {"type": "response.output_item.done", "output_index": output_index, "item": item}


def _part_event(kind: str, item_id: str, output_index: int, **fields: Any) -> Event:
    return {"type": kind, "item_id": item_id, "output_index": output_index, **fields}


def message_item(msg_id: str, text: str, *, status: str = "completed") -> Item:
    content = [{"type": "output_text", "text": text, "annotations": []}] if status != "in_progress" else []
    return {"id": msg_id, "type": "message", "status": status, "role": "assistant", "content": content}


def reasoning_item(rs_id: str, summary: str | None, encrypted_content: str | None) -> Item:
    parts = [{"type": "summary_text", "text": summary}] if summary is not None else []
    return {"id": rs_id, "type": "reasoning", "summary": parts, "encrypted_content": encrypted_content}


def function_call_item(
    fc_id: str, call_id: str, name: str, arguments: str, *, status: str, namespace: str | None = None
) -> Item:
    item: Item = {"id": fc_id, "type": "function_call", "status": status, "call_id": call_id}
    if namespace is not None:  # only namespaced calls carry the key, as the real API sends them
        item["namespace"] = namespace
    return {**item, "name": name, "arguments": arguments}


def custom_tool_call_item(ctc_id: str, call_id: str, name: str, input_text: str, *, status: str) -> Item:
    return {
        "id": ctc_id,
        "type": "custom_tool_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "input": input_text,
    }


def message_events(output_index: int, msg_id: str, deltas: list[str]) -> list[Event]:
    """An assistant message streamed as output_text deltas, bracketed by its part and item events."""
    text = "".join(deltas)
    empty = {"type": "output_text", "text": "", "annotations": []}
    full = {"type": "output_text", "text": text, "annotations": []}
    ids = {"item_id": msg_id, "output_index": output_index, "content_index": 0}
    return [
        ev_item_added(output_index, message_item(msg_id, "", status="in_progress")),
        {"type": "response.content_part.added", **ids, "part": empty},
        *({"type": "response.output_text.delta", **ids, "delta": d, "logprobs": []} for d in deltas),
        {"type": "response.output_text.done", **ids, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **ids, "part": full},
        ev_item_done(output_index, message_item(msg_id, text)),
    ]


def reasoning_events(output_index: int, rs_id: str, deltas: list[str], encrypted_content: str | None) -> list[Event]:
    """A reasoning item whose summary streams as reasoning_summary_text deltas."""
    text = "".join(deltas)
    ids = {"item_id": rs_id, "output_index": output_index, "summary_index": 0}
    return [
        ev_item_added(output_index, reasoning_item(rs_id, None, None)),
        {
            "type": "response.reasoning_summary_part.added",
            **ids,
            "part": {"type": "summary_text", "text": ""},
        },
        *({"type": "response.reasoning_summary_text.delta", **ids, "delta": d} for d in deltas),
        {"type": "response.reasoning_summary_text.done", **ids, "text": text},
        {
            "type": "response.reasoning_summary_part.done",
            **ids,
            "part": {"type": "summary_text", "text": text},
        },
        ev_item_done(output_index, reasoning_item(rs_id, text, encrypted_content)),
    ]


def function_call_events(
    output_index: int, fc_id: str, call_id: str, name: str, deltas: list[str], namespace: str | None = None
) -> list[Event]:
    """A function call whose JSON arguments stream as function_call_arguments deltas (`namespace`: the
    namespace tool it belongs to, e.g. an MCP server's `mcp__probe`)."""
    args = "".join(deltas)
    added = function_call_item(fc_id, call_id, name, "", status="in_progress", namespace=namespace)
    done = function_call_item(fc_id, call_id, name, args, status="completed", namespace=namespace)
    return [
        ev_item_added(output_index, added),
        *(_part_event("response.function_call_arguments.delta", fc_id, output_index, delta=d) for d in deltas),
        _part_event("response.function_call_arguments.done", fc_id, output_index, arguments=args),
        ev_item_done(output_index, done),
    ]


def custom_tool_call_events(output_index: int, ctc_id: str, call_id: str, name: str, deltas: list[str]) -> list[Event]:
    """A freeform (custom) tool call, e.g. apply_patch, whose raw input streams as deltas."""
    raw = "".join(deltas)
    added = custom_tool_call_item(ctc_id, call_id, name, "", status="in_progress")
    done = custom_tool_call_item(ctc_id, call_id, name, raw, status="completed")
    return [
        ev_item_added(output_index, added),
        *(_part_event("response.custom_tool_call_input.delta", ctc_id, output_index, delta=d) for d in deltas),
        _part_event("response.custom_tool_call_input.done", ctc_id, output_index, input=raw),
        ev_item_done(output_index, done),
    ]


def ev_error(message: str, code: str | None = None, param: str | None = None) -> Event:
    """A bare `error` event (the SDK raises on it; codex ignores it and waits for completion)."""
    return {"type": "error", "code": code, "message": message, "param": param}


def number_events(events: Iterable[Event], start: int = 0) -> list[Event]:
    """Stamp strictly increasing `sequence_number`s, keeping any a caller set explicitly."""
    out = []
    for seq, event in enumerate(events, start):
        out.append(event if "sequence_number" in event else {**event, "sequence_number": seq})
    return out


def split_text(text: str, size: int) -> list[str]:
    """Split into deltas of at most `size` characters (at least one delta, possibly empty)."""
    if size <= 0:
        return [text]
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


# --- codex-test-kit style shorthands: one call, one event (sequence numbers stamped by `sse`). ---


def _resp(resp_id: str, status: str, **fields: Any) -> dict[str, Any]:
    return response_object(resp_id, model=fields.pop("model", "mock-model"), status=status, **fields)


def ev_response_created(resp_id: str = "resp_1", model: str = "mock-model") -> Event:
    return ev_lifecycle("created", _resp(resp_id, "in_progress", model=model))


def ev_completed(
    resp_id: str = "resp_1", *, usage: dict[str, Any] | None = None, end_turn: bool | None = None
) -> Event:
    response = _resp(resp_id, "completed", usage=usage or usage_object(0, 0))
    if end_turn is not None:
        response["end_turn"] = end_turn
    return ev_lifecycle("completed", response)


def ev_failed(resp_id: str, code: str, message: str) -> Event:
    return ev_lifecycle("failed", _resp(resp_id, "failed", error={"code": code, "message": message}))


def ev_incomplete(resp_id: str, reason: str = "max_output_tokens") -> Event:
    return ev_lifecycle("incomplete", _resp(resp_id, "incomplete", incomplete_details={"reason": reason}))


def ev_assistant_message(msg_id: str, text: str, output_index: int = 0) -> Event:
    return ev_item_done(output_index, message_item(msg_id, text))


def ev_output_text_delta(delta: str, item_id: str = "msg_1", output_index: int = 0) -> Event:
    return _part_event("response.output_text.delta", item_id, output_index, content_index=0, delta=delta, logprobs=[])


def ev_reasoning_item(rs_id: str, summary: str, encrypted_content: str = "gAAAAB", output_index: int = 0) -> Event:
    return ev_item_done(output_index, reasoning_item(rs_id, summary, encrypted_content))


def ev_function_call(call_id: str, name: str, arguments: str, output_index: int = 0) -> Event:
    item = function_call_item(f"fc_{call_id}", call_id, name, arguments, status="completed")
    return ev_item_done(output_index, item)


def ev_custom_tool_call(call_id: str, name: str, input_text: str, output_index: int = 0) -> Event:
    return ev_item_done(
        output_index, custom_tool_call_item(f"ctc_{call_id}", call_id, name, input_text, status="completed")
    )


def ev_apply_patch_call(call_id: str, patch: str, output_index: int = 0) -> Event:
    return ev_custom_tool_call(call_id, "apply_patch", patch, output_index)


def sse(events: Iterable[Event]) -> bytes:
    """Number and frame events into one SSE body (for `{"chunks": ...}` steps or direct use)."""
    return b"".join(encode_event(e) for e in number_events(events))
