"""One turn: stream model responses, surface them as items, run the tools asked for, repeat.

The loop knows nothing about JSON-RPC framing or threads: its events go to an `EventSink` (the
runner's, which forwards them to the `AgentHost`) and it talks to the model through a `ModelStream`
(raw Responses events). Each model output item becomes `item/started` -> deltas -> `item/completed`;
tool calls run after the response completes, their outputs join the history, and the next request
goes out, until a response asks for nothing more.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import items
from .errors import ModelError, TurnInterrupted
from .turndiff import TurnDiff

Event = dict[str, Any]


class EventSink(Protocol):
    """Where a turn's events go (item started/completed, deltas, usage, diffs)."""

    def notify(self, method: str, params: dict[str, Any]) -> None: ...


ModelStream = Callable[[list[dict[str, Any]]], AsyncIterator[Event]]
ToolRunner = Callable[[dict[str, Any], "TurnState"], Awaitable[dict[str, Any]]]


class History(Protocol):
    """The conversation the model sees; `add` also persists."""

    def view(self) -> list[dict[str, Any]]: ...

    def add(self, item: dict[str, Any]) -> None: ...

    def before_request(self) -> None: ...


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class Usage:
    input: int = 0
    cached: int = 0
    output: int = 0
    reasoning: int = 0

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Usage:
        raw = raw or {}
        inp, out = raw.get("input_tokens_details") or {}, raw.get("output_tokens_details") or {}
        return cls(
            raw.get("input_tokens", 0),
            inp.get("cached_tokens", 0),
            raw.get("output_tokens", 0),
            out.get("reasoning_tokens", 0),
        )

    @classmethod
    def from_wire(cls, wire: dict[str, Any] | None) -> Usage:
        """A total as reported on the wire (and persisted): where the thread's next turn counts on from."""
        wire = wire or {}
        return cls(
            wire.get("inputTokens", 0),
            wire.get("cachedInputTokens", 0),
            wire.get("outputTokens", 0),
            wire.get("reasoningOutputTokens", 0),
        )

    def add(self, other: Usage) -> None:
        self.input, self.cached = self.input + other.input, self.cached + other.cached
        self.output, self.reasoning = self.output + other.output, self.reasoning + other.reasoning

    def wire(self) -> dict[str, int]:
        return {
            "totalTokens": self.input + self.output,
            "inputTokens": self.input,
            "cachedInputTokens": self.cached,
            "cacheWriteInputTokens": 0,
            "outputTokens": self.output,
            "reasoningOutputTokens": self.reasoning,
        }


@dataclass(slots=True)
class TurnState:
    """What one turn accumulates; tools read ids and the wire from it."""

    thread_id: str
    turn_id: str
    wire: EventSink
    context_window: int | None = None
    output_token_limit: int = 10_000  # the model's truncation policy, for tool outputs
    usage_total: Usage = field(default_factory=Usage)  # the thread's, over all its turns (as codex counts)
    completed: list[items.Item] = field(default_factory=list)  # completed ThreadItems, for persistence
    last_message: items.Item | None = None
    persist: Callable[[items.Item], None] | None = None  # writes an item durably before anyone hears of it
    diff: TurnDiff | None = None  # set by the first apply_patch of the turn
    streaming: bool = False  # a model response is being read (an interrupt then cuts it short)

    def ids(self, **extra: Any) -> dict[str, Any]:
        return {"threadId": self.thread_id, "turnId": self.turn_id, **extra}

    def started(self, item: items.Item) -> None:
        self.wire.notify("item/started", {"item": item, **self.ids(), "startedAtMs": now_ms()})

    def finished(self, item: items.Item) -> None:
        if self.persist is not None:
            self.persist(item)  # on disk first: a crash after the notification loses nothing reported
        self.completed.append(item)
        if item["type"] == "agentMessage":
            self.last_message = item
        self.wire.notify("item/completed", {"item": item, **self.ids(), "completedAtMs": now_ms()})


@dataclass(slots=True)
class _Response:
    """Per-request stream state: which output indexes are open, and what came back."""

    open: dict[int, dict[str, Any]] = field(default_factory=dict)
    output: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage | None = None
    end_turn: bool | None = None
    done: bool = False


_CALL_TYPES = frozenset({"function_call", "custom_tool_call", "local_shell_call"})


class Turn:
    """Drive one turn to completion; raises TurnInterrupted or ModelError for the handler to report."""

    def __init__(self, state: TurnState, model: ModelStream, run_tool: ToolRunner, history: History):
        self.state, self.model, self.run_tool, self.history = state, model, run_tool, history

    async def run(self) -> None:
        while True:
            self.history.before_request()
            response = await self._one_response()
            for item in response.output:
                self.history.add(item)
            try:
                for call in response.calls:
                    self.history.add(await self.run_tool(call, self.state))
            finally:
                self._report_usage(response)  # codex reports a response's usage once its tool calls have run
            if not response.calls and response.end_turn is not False:
                return

    async def _one_response(self) -> _Response:
        response = _Response()
        self.state.streaming = True
        async for event in self.model(self.history.view()):
            handler = _HANDLERS.get(event.get("type", ""))
            if handler is not None:
                handler(self, response, event)
            if response.done:
                break
        self.state.streaming = False
        return response

    # --- event handlers (one per Responses event type; see _HANDLERS) ---

    def _added(self, resp: _Response, event: Event) -> None:
        item, index = event.get("item") or {}, event.get("output_index", len(resp.open))
        if item.get("type") == "message":
            resp.open[index] = {"kind": "message", "id": item.get("id") or f"msg_{index}", "text": []}
            self.state.started(items.agent_message(resp.open[index]["id"], ""))
        elif item.get("type") == "reasoning":
            resp.open[index] = {"kind": "reasoning", "id": item.get("id") or f"rs_{index}"}
            self.state.started(items.reasoning(resp.open[index]["id"], [], []))

    def _text_delta(self, resp: _Response, event: Event) -> None:
        active = resp.open.get(event.get("output_index", -1)) or _last_of(resp, "message")
        if active is None:
            return  # codex drops a delta with no active message too
        active["text"].append(event.get("delta", ""))
        self._notify("item/agentMessage/delta", itemId=active["id"], delta=event.get("delta", ""))

    def _summary_part(self, resp: _Response, event: Event) -> None:
        active = resp.open.get(event.get("output_index", -1)) or _last_of(resp, "reasoning")
        if active is not None:
            self._notify(
                "item/reasoning/summaryPartAdded", itemId=active["id"], summaryIndex=event.get("summary_index", 0)
            )

    def _summary_delta(self, resp: _Response, event: Event) -> None:
        active = resp.open.get(event.get("output_index", -1)) or _last_of(resp, "reasoning")
        if active is not None:
            self._notify("item/reasoning/summaryTextDelta", itemId=active["id"], delta=event.get("delta", ""),
                         summaryIndex=event.get("summary_index", 0))  # fmt: skip

    def _reasoning_delta(self, resp: _Response, event: Event) -> None:
        active = resp.open.get(event.get("output_index", -1)) or _last_of(resp, "reasoning")
        if active is not None:
            self._notify("item/reasoning/textDelta", itemId=active["id"], delta=event.get("delta", ""),
                         contentIndex=event.get("content_index", 0))  # fmt: skip

    def _done(self, resp: _Response, event: Event) -> None:
        item = event.get("item") or {}
        kind = item.get("type")
        resp.output.append(item)
        resp.open.pop(event.get("output_index", -1), None)
        if kind == "message":
            self._finish_message(item)
        elif kind == "reasoning":
            summary = [p.get("text", "") for p in item.get("summary") or []]
            content = [p.get("text", "") for p in item.get("content") or []]
            self.state.finished(items.reasoning(item.get("id", ""), summary, content))
        elif kind in _CALL_TYPES:
            resp.calls.append(item)

    def _finish_message(self, item: dict[str, Any]) -> None:
        if item.get("role", "assistant") != "assistant":
            return
        text = "".join(p.get("text", "") for p in item.get("content") or [] if p.get("type") == "output_text")
        msg_id = item.get("id") or f"msg_{len(self.state.completed)}"
        if not any(i.get("id") == msg_id for i in self.state.completed):
            self.state.finished(items.agent_message(msg_id, text))

    def _completed(self, resp: _Response, event: Event) -> None:
        response = event.get("response") or {}  # its id was checked where the stream is read
        resp.usage, resp.end_turn, resp.done = Usage.of(response.get("usage")), response.get("end_turn"), True

    def _report_usage(self, resp: _Response) -> None:
        if resp.usage is None:
            return
        self.state.usage_total.add(resp.usage)
        usage = {
            "total": self.state.usage_total.wire(),
            "last": resp.usage.wire(),
            "modelContextWindow": self.state.context_window,
        }
        self._notify("thread/tokenUsage/updated", tokenUsage=usage)
        if self.state.diff is not None and (diff := self.state.diff.render()):
            self._notify("turn/diff/updated", diff=diff)  # codex repeats the turn's diff after each response

    def _notify(self, method: str, **params: Any) -> None:
        self.state.wire.notify(method, self.state.ids(**params))


def _last_of(resp: _Response, kind: str) -> dict[str, Any] | None:
    return next((v for v in reversed(resp.open.values()) if v["kind"] == kind), None)


_HANDLERS: dict[str, Callable[[Turn, _Response, Event], None]] = {
    "response.output_item.added": Turn._added,
    "response.output_text.delta": Turn._text_delta,
    "response.reasoning_summary_part.added": Turn._summary_part,
    "response.reasoning_summary_text.delta": Turn._summary_delta,
    "response.reasoning_text.delta": Turn._reasoning_delta,
    "response.output_item.done": Turn._done,
    "response.completed": Turn._completed,
}

__all__ = ["EventSink", "ModelError", "ModelStream", "Turn", "TurnInterrupted", "TurnState", "Usage"]
