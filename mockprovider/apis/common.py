"""What the Chat Completions and Anthropic renderers share: a step's content as a flat list of parts,
token estimates, and the stream faults laid over a list of SSE frames."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mockprovider.plan import Chunk, Plan
from mockprovider.render import SSE_HEADERS
from mockprovider.script import Step


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a scripted answer: reasoning, text, or a tool call (`arguments` is JSON text)."""

    kind: str  # "reasoning" | "text" | "call"
    text: str = ""
    name: str = ""
    call_id: str | None = None
    signature: str | None = None  # reasoning: Anthropic's thinking signature (the step's encrypted_content)


def parts_of(step: Step) -> list[Part]:
    """The step's content in Responses order: reasoning, text, calls, then `output` items."""
    parts: list[Part] = []
    if step.reasoning is not None:
        parts.append(Part("reasoning", step.reasoning, signature=step.encrypted_content))
    if step.text is not None:
        parts.append(Part("text", step.text))
    if step.function_call is not None:
        parts.append(
            Part("call", step.function_call.arguments_text(), step.function_call.name, step.function_call.call_id)
        )
    if step.custom_tool_call is not None:
        parts.append(_custom(step.custom_tool_call.name, step.custom_tool_call.input, step.custom_tool_call.call_id))
    for item in step.output or []:
        if item.reasoning is not None:
            parts.append(Part("reasoning", item.reasoning, signature=item.encrypted_content))
        elif item.text is not None:
            parts.append(Part("text", item.text))
        elif item.function_call is not None:
            call = item.function_call
            parts.append(Part("call", call.arguments_text(), call.name, call.call_id))
        elif item.custom_tool_call is not None:
            parts.append(
                _custom(item.custom_tool_call.name, item.custom_tool_call.input, item.custom_tool_call.call_id)
            )
    return parts


def _custom(name: str, text: str, call_id: str | None) -> Part:
    # Neither API streams freeform tool input: it travels as a JSON object with one `input` string.
    return Part("call", json.dumps({"input": text}), name, call_id)


def split_text(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] if size > 0 and text else [text]


def output_tokens(step: Step, parts: list[Part]) -> int:
    # The same four-characters-a-token estimate as the Responses renderer.
    return max(1, sum(len(p.text) for p in parts) // 4)


def input_tokens(body_size: int) -> int:
    return max(1, body_size // 4)


def stop_kind(step: Step, parts: list[Part]) -> str:
    """The API-neutral reason the answer ended: tool_calls, length, content_filter or stop."""
    if step.incomplete is not None:
        return "content_filter" if "filter" in step.incomplete.reason else "length"
    return "tool_calls" if any(p.kind == "call" for p in parts) else "stop"


def faulted_stream(step: Step, frames: list[bytes], body_end: int, headers: dict[str, str]) -> Plan:
    """Lay the step's stream faults over encoded frames; `frames[body_end:]` is the terminal part that
    `drop_completed` leaves out. Indices count frames (SSE events) from 0, as on the Responses API."""
    if step.drop_completed:
        frames = frames[:body_end]
    if step.malformed_at is not None and step.malformed_at < len(frames):
        frames[step.malformed_at] = corrupt_frame(frames[step.malformed_at])
    ending = "eof"
    if step.cut_mid_event is not None and step.cut_mid_event < len(frames):
        cut = frames[step.cut_mid_event]
        frames, ending = [*frames[: step.cut_mid_event], cut[: len(cut) // 2]], "abort"
    if step.disconnect_after is not None and step.disconnect_after < len(frames):
        frames, ending = frames[: step.disconnect_after], "abort"
    chunks = [Chunk(f, i * step.delay_ms) for i, f in enumerate(frames)]
    if step.stall_ms is not None and step.stall_after < len(chunks):
        stalled = chunks[step.stall_after]
        chunks[step.stall_after] = Chunk(stalled.data, stalled.at_ms, step.stall_ms)
    return Plan(step.status, {**SSE_HEADERS, **headers}, chunks, ending)  # type: ignore[arg-type]


def corrupt_frame(frame: bytes) -> bytes:
    """The frame with its (first) `data:` JSON cut in half, framing kept: a client's JSON parse fails there."""
    lines = frame.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"data:"):
            payload = line[5:]
            lines[i] = b"data:" + payload[: max(2, len(payload) // 2)]
            return b"\n".join(lines)
    return b'data: {"truncated\n\n'


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
