"""Anthropic Messages (`POST /v1/messages`): script steps rendered as Anthropic's events and objects.

A stream is `message_start`, `ping`, then per content block `content_block_start` / `_delta` / `_stop`
(text, `thinking` with its `signature_delta`, `tool_use` with `input_json_delta`), then `message_delta`
with the stop reason and output usage, and `message_stop`. Errors, in the stream or as HTTP answers, are
`{"type": "error", "error": {"type": ..., "message": ...}}`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from mockprovider.plan import Chunk, Plan
from mockprovider.render import JSON_HEADERS, RequestContext, chunk_plan
from mockprovider.script import Conversation, HttpError, Step

from .common import Part, faulted_stream, input_tokens, json_bytes, output_tokens, parts_of, split_text, stop_kind

PATHS = ("/v1/messages", "/messages")
ERROR_TYPES = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "The requested resource could not be found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
_STOP = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens", "content_filter": "refusal"}


def error_body(
    status: int, message: str | None = None, kind: str | None = None, request_id: str | None = None
) -> bytes:
    default_kind, default_message = ERROR_TYPES.get(status, ("api_error", "Internal server error"))
    body: dict[str, Any] = {
        "type": "error",
        "error": {"type": kind or default_kind, "message": message or default_message},
    }
    if request_id is not None:
        body["request_id"] = request_id
    return json_bytes(body)


def parse(raw: bytes) -> tuple[dict[str, Any], str | None]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}, "The request body is not valid JSON."
    if not isinstance(body, dict):
        return {}, "The request body must be a JSON object."
    for name in ("model", "messages", "max_tokens"):
        if name not in body:
            return body, f"{name}: Field required"
    if not isinstance(body["messages"], list):
        return body, "messages: Input should be a valid list"
    return body, None


def _blocks(msg: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = msg.get("content")
    return [b for b in content if isinstance(b, Mapping)] if isinstance(content, list) else []


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []


def problems(body: Mapping[str, Any]) -> list[str]:
    """Tool pairing in Anthropic's terms: each `tool_use` block answered by a `tool_result` (its tool_use_id)."""
    uses: list[str] = []
    answered: set[str] = set()
    out: list[str] = []
    for msg in _messages(body):
        for block in _blocks(msg):
            if block.get("type") == "tool_use" and msg.get("role") == "assistant":
                uses.append(str(block.get("id")))
            elif block.get("type") == "tool_result":
                use_id = block.get("tool_use_id")
                if use_id not in uses:
                    out.append(f"tool_result block for tool_use_id {use_id!r} answers no tool_use block")
                else:
                    answered.add(str(use_id))
    out += [f"tool_use block {u!r} has no tool_result block answering it" for u in uses if u not in answered]
    return out


def conversation(body: Mapping[str, Any]) -> Conversation:
    users, results = [], []
    for msg in _messages(body):
        if msg.get("role") != "user":
            continue
        blocks = _blocks(msg)
        results += [str(b.get("tool_use_id")) for b in blocks if b.get("type") == "tool_result"]
        if isinstance(msg.get("content"), str) or any(b.get("type") != "tool_result" for b in blocks):
            users.append(msg)
    text = ""
    if users:
        content = users[-1].get("content")
        text = (
            content
            if isinstance(content, str)
            else "\n".join(str(b.get("text", "")) for b in _blocks(users[-1]) if b.get("type") == "text")
        )
    tools = tuple(str(t.get("name")) for t in body.get("tools") or [] if isinstance(t, Mapping))
    return Conversation(text, len(users), tuple(results), tools)


def render(step: Step, ctx: RequestContext) -> Plan:
    headers = {"request-id": ctx.ids.new("req_01"), **step.headers}
    if step.reset:
        return Plan(status=0, headers={}, ending="reset")
    if step.http_error is not None:
        return _http_error(step.http_error, headers)
    if step.chunks is not None:
        return chunk_plan(step, headers)
    if step.events is not None:
        frames = [_frame(e) for e in step.events]
        ends = [i for i, e in enumerate(step.events) if e.get("type") in ("message_delta", "message_stop")]
        return faulted_stream(step, frames, ends[0] if ends else len(frames), headers)
    if not ctx.stream:
        return _non_stream(step, ctx, headers)
    return _stream(step, ctx, headers)


def _http_error(err: HttpError, headers: dict[str, str]) -> Plan:
    if err.body is None:
        data = error_body(err.status, request_id=headers["request-id"])
    else:
        data = err.body.encode() if isinstance(err.body, str) else json_bytes(err.body)
    return Plan(err.status, {**JSON_HEADERS, **headers, **err.headers}, [Chunk(data)])


def _frame(event: Mapping[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (str(event.get("type", "message")).encode(), json_bytes(event))


def _signature(part: Part, ctx: RequestContext) -> str:
    if part.signature is not None:
        return part.signature
    return base64.b64encode(f"reelkit-thinking:{len(part.text)}".encode()).decode()


def _blocks_of(step: Step, ctx: RequestContext) -> list[tuple[Part, dict[str, Any]]]:
    """Each part with its finished content block (tool_use ids minted here, once per request)."""
    out: list[tuple[Part, dict[str, Any]]] = []
    for part in parts_of(step):
        if part.kind == "reasoning":
            out.append((part, {"type": "thinking", "thinking": part.text, "signature": _signature(part, ctx)}))
        elif part.kind == "text":
            out.append((part, {"type": "text", "text": part.text}))
        else:
            tool_id = part.call_id or ctx.ids.new("toolu_01")
            out.append((part, {"type": "tool_use", "id": tool_id, "name": part.name, "input": _input(part.text)}))
    return out


def _input(arguments: str) -> dict[str, Any]:
    # Anthropic's tool input is always a JSON object; other scripted arguments travel as {"input": text}.
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return {"input": arguments}
    return value if isinstance(value, dict) else {"input": arguments}


def _usage(step: Step, ctx: RequestContext, parts: list[Part], output: int | None = None) -> dict[str, Any]:
    if step.usage is not None:
        return step.usage
    return {
        "input_tokens": input_tokens(ctx.body_size),
        "output_tokens": output if output is not None else output_tokens(step, parts),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "service_tier": "standard",
    }


def _message(step: Step, ctx: RequestContext, msg_id: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": msg_id, "type": "message", "role": "assistant", "model": step.model or ctx.model,
            "content": content, "stop_reason": None, "stop_sequence": None}  # fmt: skip


def _stream(step: Step, ctx: RequestContext, headers: dict[str, str]) -> Plan:
    size = step.chunk_size or ctx.chunk_size
    blocks = _blocks_of(step, ctx)
    parts = [p for p, _ in blocks]
    start = {**_message(step, ctx, step.id or ctx.ids.new("msg_01"), []), "usage": _usage(step, ctx, parts, 1)}
    frames = [_frame({"type": "message_start", "message": start}), _frame({"type": "ping"})]
    for index, (part, block) in enumerate(blocks):
        frames += _block_frames(index, part, block, size)
    body_end = len(frames)
    if step.failed is not None:
        kind = step.failed.code if step.failed.code.endswith("_error") else "api_error"
        frames.append(b"event: error\ndata: %s\n\n" % error_body(500, step.failed.message, kind))
        return faulted_stream(step, frames, body_end, headers)
    usage = {"output_tokens": output_tokens(step, parts)} if step.usage is None else step.usage
    delta = {"stop_reason": _STOP[stop_kind(step, parts)], "stop_sequence": None}
    frames += [_frame({"type": "message_delta", "delta": delta, "usage": usage}), _frame({"type": "message_stop"})]
    return faulted_stream(step, frames, body_end, headers)


def _block_frames(index: int, part: Part, block: dict[str, Any], size: int) -> list[bytes]:
    def delta(d: dict[str, Any]) -> bytes:
        return _frame({"type": "content_block_delta", "index": index, "delta": d})

    pieces = [d for d in split_text(part.text, size) if d]
    if block["type"] == "thinking":
        empty = {**block, "thinking": "", "signature": ""}
        body = [delta({"type": "thinking_delta", "thinking": d}) for d in pieces]
        body.append(delta({"type": "signature_delta", "signature": block["signature"]}))
    elif block["type"] == "text":
        empty = {"type": "text", "text": ""}
        body = [delta({"type": "text_delta", "text": d}) for d in pieces]
    else:
        empty = {**block, "input": {}}
        pieces = [d for d in split_text(json.dumps(block["input"]), size) if d]
        body = [delta({"type": "input_json_delta", "partial_json": d}) for d in ["", *pieces]]
    start = _frame({"type": "content_block_start", "index": index, "content_block": empty})
    return [start, *body, _frame({"type": "content_block_stop", "index": index})]


def _non_stream(step: Step, ctx: RequestContext, headers: dict[str, str]) -> Plan:
    if step.failed is not None:
        kind = step.failed.code if step.failed.code.endswith("_error") else "api_error"
        return Plan(500, {**JSON_HEADERS, **headers}, [Chunk(error_body(500, step.failed.message, kind))])
    blocks = _blocks_of(step, ctx)
    parts = [p for p, _ in blocks]
    message = _message(step, ctx, step.id or ctx.ids.new("msg_01"), [b for _, b in blocks])
    message.update(stop_reason=_STOP[stop_kind(step, parts)], usage=_usage(step, ctx, parts))
    return Plan(step.status, {**JSON_HEADERS, **headers}, [Chunk(json_bytes(message))])


def models_page(models: tuple[str, ...]) -> dict[str, Any]:
    """`GET /v1/models` in Anthropic's shape (a page of ModelInfo)."""
    data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z", "lifecycle": "active",
             "deprecated_at": None, "retires_at": None} for m in models]  # fmt: skip
    return {"data": data, "has_more": False, "first_id": models[0] if models else None,
            "last_id": models[-1] if models else None}  # fmt: skip
