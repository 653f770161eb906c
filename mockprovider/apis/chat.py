"""Chat Completions (`POST /v1/chat/completions`): script steps rendered as `chat.completion(.chunk)` objects.

Streams are `data:` lines of `chat.completion.chunk` ending `data: [DONE]`; `n` gives that many choices;
`stream_options.include_usage` adds the usage chunk (empty `choices`) before `[DONE]`, and `usage: null`
on every other chunk, as the real service does. A `failed` step streams OpenAI's in-stream error object.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from mockprovider.plan import Chunk, Plan
from mockprovider.render import JSON_HEADERS, RequestContext, _http_error, chunk_plan
from mockprovider.script import Conversation, Step

from .common import Part, faulted_stream, input_tokens, json_bytes, output_tokens, parts_of, split_text, stop_kind

PATHS = ("/v1/chat/completions", "/chat/completions")
FINGERPRINT = "fp_5e1c2d7a3b"
DONE = b"data: [DONE]\n\n"


def parse(raw: bytes) -> tuple[dict[str, Any], str | None]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}, "We could not parse the JSON body of your request. (HINT: the body must be valid JSON.)"
    if not isinstance(body, dict):
        return {}, "The request body must be a JSON object."
    for name in ("model", "messages"):
        if name not in body:
            return body, f"Missing required parameter: '{name}'."
    if not isinstance(body["messages"], list):
        return body, "Invalid type for 'messages': expected an array."
    return body, None


def problems(body: Mapping[str, Any]) -> list[str]:
    """Tool pairing in Chat Completions terms: each assistant `tool_calls` id answered by a `tool` message."""
    calls: list[str] = []
    answered: set[str] = set()
    out: list[str] = []
    for msg in _messages(body):
        if msg.get("role") == "assistant":
            calls += [str(c.get("id")) for c in msg.get("tool_calls") or [] if isinstance(c, Mapping)]
        elif msg.get("role") == "tool":
            call_id = msg.get("tool_call_id")
            if not call_id:
                out.append("a tool message without a tool_call_id")
            elif call_id not in calls:
                out.append(f"tool message for tool_call_id {call_id!r} answers no assistant tool call")
            else:
                answered.add(str(call_id))
    out += [f"assistant tool call {c!r} has no tool message answering it" for c in calls if c not in answered]
    return out


def conversation(body: Mapping[str, Any]) -> Conversation:
    messages = _messages(body)
    users = [m for m in messages if m.get("role") == "user"]
    results = tuple(str(m.get("tool_call_id")) for m in messages if m.get("role") == "tool")
    tools = tuple(_tool_name(t) for t in body.get("tools") or [] if isinstance(t, Mapping))
    return Conversation(_text(users[-1].get("content")) if users else "", len(users), results, tools)


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []


def _tool_name(tool: Mapping[str, Any]) -> str:
    inner = tool.get(str(tool.get("type", "function")))
    return str(inner.get("name")) if isinstance(inner, Mapping) else str(tool.get("name", ""))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, Mapping))


def render(step: Step, ctx: RequestContext) -> Plan:
    headers = {"x-request-id": ctx.ids.new("req"), "openai-version": "2020-10-01", **step.headers}
    if step.reset:
        return Plan(status=0, headers={}, ending="reset")
    if step.http_error is not None:
        return _http_error(step.http_error, headers)
    if step.chunks is not None:
        return chunk_plan(step, headers)
    if step.events is not None:
        frames = [b"data: " + json_bytes(e) + b"\n\n" for e in step.events]
        return faulted_stream(step, [*frames, DONE], len(frames), headers)
    if not ctx.stream:
        return _non_stream(step, ctx, headers)
    return _stream(step, ctx, headers)


def _choices(ctx: RequestContext) -> int:
    n = ctx.body.get("n")
    return n if isinstance(n, int) and 1 <= n <= 128 else 1


def _created(ctx: RequestContext) -> int:
    return ctx.created_at if ctx.created_at is not None else int(time.time())


def _usage(step: Step, ctx: RequestContext, parts: list[Part], n: int) -> dict[str, Any]:
    if step.usage is not None:
        return step.usage
    prompt, completion = input_tokens(ctx.body_size), output_tokens(step, parts) * n
    reasoning = sum(len(p.text) for p in parts if p.kind == "reasoning") // 4
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
        },
    }  # fmt: skip


def _calls(parts: list[Part], ctx: RequestContext) -> list[tuple[Part, str]]:
    return [(p, p.call_id or ctx.ids.call_id()) for p in parts if p.kind == "call"]


def _stream(step: Step, ctx: RequestContext, headers: dict[str, str]) -> Plan:
    parts = [p for p in parts_of(step) if p.kind != "reasoning"]  # Chat Completions carries no reasoning
    size = step.chunk_size or ctx.chunk_size
    options = ctx.body.get("stream_options")
    with_usage = isinstance(options, Mapping) and options.get("include_usage") is True
    head = {"id": step.id or ctx.ids.new("chatcmpl"), "object": "chat.completion.chunk", "created": _created(ctx),
            "model": step.model or ctx.model, "service_tier": "default", "system_fingerprint": FINGERPRINT}  # fmt: skip
    if with_usage:
        head["usage"] = None

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return b"data: " + json_bytes({**head, "choices": [choice]}) + b"\n\n"

    n, frames, finishes = _choices(ctx), [], []
    for index in range(n):
        frames.append(chunk(index, {"role": "assistant", "content": "", "refusal": None}))
        for part in (p for p in parts if p.kind == "text"):
            frames += [chunk(index, {"content": d}) for d in split_text(part.text, size) if d]
        for k, (part, call_id) in enumerate(_calls(parts, ctx)):
            call = {"index": k, "id": call_id, "type": "function", "function": {"name": part.name, "arguments": ""}}
            frames.append(chunk(index, {"tool_calls": [call]}))
            frames += [chunk(index, {"tool_calls": [{"index": k, "function": {"arguments": d}}]})
                       for d in split_text(part.text, size) if d]  # fmt: skip
        finishes.append(chunk(index, {}, stop_kind(step, parts)))
    body_end = len(frames)
    if step.failed is not None:
        error = {"message": step.failed.message, "type": "server_error", "param": None, "code": step.failed.code}
        return faulted_stream(step, [*frames, b"data: " + json_bytes({"error": error}) + b"\n\n"], body_end, headers)
    tail = finishes
    if with_usage:
        tail.append(b"data: " + json_bytes({**head, "choices": [], "usage": _usage(step, ctx, parts, n)}) + b"\n\n")
    return faulted_stream(step, [*frames, *tail, DONE], body_end, headers)


def _non_stream(step: Step, ctx: RequestContext, headers: dict[str, str]) -> Plan:
    if step.failed is not None:
        error = {"message": step.failed.message, "type": "server_error", "param": None, "code": step.failed.code}
        return Plan(500, {**JSON_HEADERS, **headers}, [Chunk(json_bytes({"error": error}))])
    parts = [p for p in parts_of(step) if p.kind != "reasoning"]
    choices = []
    for index in range(_choices(ctx)):
        text = "".join(p.text for p in parts if p.kind == "text")
        message: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None, "annotations": []}
        calls = [{"id": cid, "type": "function", "function": {"name": p.name, "arguments": p.text}}
                 for p, cid in _calls(parts, ctx)]  # fmt: skip
        if calls:
            message["tool_calls"] = calls
        choices.append({"index": index, "message": message, "logprobs": None, "finish_reason": stop_kind(step, parts)})
    completion = {
        "id": step.id or ctx.ids.new("chatcmpl"), "object": "chat.completion", "created": _created(ctx),
        "model": step.model or ctx.model, "choices": choices, "usage": _usage(step, ctx, parts, len(choices)),
        "service_tier": "default", "system_fingerprint": FINGERPRINT,
    }  # fmt: skip
    return Plan(step.status, {**JSON_HEADERS, **headers}, [Chunk(json_bytes(completion))])
