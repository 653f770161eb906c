"""A turn from start to end on a thread: lifecycle notifications, persistence, and how it ended.

Order on the wire (as the real server): `thread/status/changed{active}`, `turn/started`, the user
message item, the model's items and tool items, `thread/tokenUsage/updated` per response, then
`thread/status/changed{idle}` + `turn/completed` — or, on failure, `{systemError}`, `error`,
`turn/completed{failed}`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from server.config import Config, ConfigError
from server.readstate import turn_ended
from server.state import ServerState
from server.store import TurnRecord
from server.threads import ActiveTurn, ThreadRuntime, new_id, preview_of
from server.tools.specs import ToolChoice, tools_for

from . import items
from .approvals import Asker
from .errors import BlockingRequestError, ModelError, TurnInterrupted, turn_error
from .request import RequestInputs, build_body, build_headers, initial_context
from .toolcalls import run_call
from .turn import Turn, TurnState, Usage

log = logging.getLogger("server.turn")
BLOCKING_MESSAGE = "exec/run encountered a blocking approval or input request"


@dataclass(slots=True)
class TurnOptions:
    output_schema: dict[str, Any] | None = None
    originator: str = "reelkit"
    user_agent: str = "reelkit/0.163.0"
    blocking_forbidden: bool = False  # exec/run: any approval or input request fails the turn


def user_content(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """UserInput (wire) to Responses content parts."""
    parts: list[dict[str, Any]] = []
    for item in inputs:
        kind = item.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": item.get("text") or ""})
        elif kind == "image" and item.get("url"):
            parts.append({"type": "input_image", "image_url": item["url"]})
        elif kind == "localImage" and item.get("path"):
            parts.append({"type": "input_text", "text": f"<image path={item['path']!r} />"})
        elif kind in ("skill", "mention"):
            parts.append(
                {"type": "input_text", "text": f"<{kind} name={item.get('name')!r} path={item.get('path')!r} />"}
            )
    return parts


class _ThreadHistory:
    """The thread's model history for this turn: appends persist, steered input joins before requests."""

    def __init__(self, thread: ThreadRuntime, turn_id: str, state: TurnState):
        self.thread, self.turn_id, self.state = thread, turn_id, state

    def view(self) -> list[dict[str, Any]]:
        return self.thread.model_history()

    def add(self, item: dict[str, Any]) -> None:
        self.thread.history.append((self.turn_id, item))
        self.thread.record("response_item", {"turn_id": self.turn_id, "item": item})

    def before_request(self) -> None:
        active = self.thread.active
        while active is not None and active.steer:
            add_user_message(self.thread, self.state, active.steer.pop(0), self)


def add_user_message(
    thread: ThreadRuntime, state: TurnState, inputs: list[dict[str, Any]], history: _ThreadHistory
) -> None:
    item = items.user_message(new_id(), inputs)
    state.started(item)
    state.finished(item)
    history.add({"type": "message", "role": "user", "content": user_content(inputs)})
    if not thread.preview:
        thread.preview = preview_of([TurnRecord(state.turn_id, [item])])


async def run_turn(server: ServerState, thread: ThreadRuntime, inputs: list[dict[str, Any]], opts: TurnOptions) -> None:
    assert thread.active is not None  # the handler installs the active turn before starting us
    record = thread.active.record
    state = TurnState(thread.id, record.id, _Wire(thread))
    state.persist = lambda item: thread.record("item_completed", {"turn_id": record.id, "item": item})
    started = time.monotonic()
    thread.set_status({"type": "active", "activeFlags": []})
    record.started_at = thread.active.started_at  # the time persisted when the turn began
    thread.notify("turn/started", {"threadId": thread.id, "turn": record.wire("notLoaded")})
    try:
        await _drive(server, thread, state, inputs, opts)
        _finish(thread, record, state, "completed", None, started)
    except (TurnInterrupted, asyncio.CancelledError):
        _finish(thread, record, state, "interrupted", None, started)
    except BlockingRequestError:
        _fail(thread, record, state, turn_error(BLOCKING_MESSAGE, None), started)
    except ModelError as exc:
        _report_failed_usage(thread, state)
        _fail(thread, record, state, exc.turn_error(), started)
    except ConfigError as exc:
        _fail(thread, record, state, turn_error(str(exc)), started)
    except Exception as exc:
        log.exception("turn %s failed", record.id)
        _fail(thread, record, state, turn_error(f"internal error: {exc}"), started)


async def _drive(
    server: ServerState, thread: ThreadRuntime, state: TurnState, inputs: list[dict[str, Any]], opts: TurnOptions
) -> None:
    config = server.config(thread.settings.config_overrides or None)
    info = config.model_info(thread.settings.model)
    state.context_window = info.context_window if info else None
    state.output_token_limit = info.output_token_limit if info else state.output_token_limit
    history = _ThreadHistory(thread, state.turn_id, state)
    if not thread.history:
        s = thread.settings
        for item in initial_context(s.cwd, s.sandbox, str(s.approval_policy), s.developer_instructions):
            history.add(item)
    if inputs:
        add_user_message(thread, state, inputs, history)
    model = _model_stream(server, config, thread, state, opts, info)
    asker = Asker(thread, opts.blocking_forbidden)

    async def tool(call: dict[str, Any], st: TurnState) -> dict[str, Any]:
        return await run_call(call, st, thread, asker)

    await Turn(state, model, tool, history).run()


def _model_stream(
    server: ServerState, config: Config, thread: ThreadRuntime, state: TurnState, opts: TurnOptions, info: Any
) -> Any:
    s = thread.settings
    from .model import ModelClient  # brings in aiohttp; see ServerState.http

    provider = config.provider(s.model_provider).resolve()
    client = ModelClient(server.http(), provider)
    choice = ToolChoice(shell_type=info.shell_type if info else "unified_exec",
                        apply_patch=info.apply_patch_tool_type if info else "freeform")  # fmt: skip
    tools = tools_for(choice) + [_dynamic_spec(t) for t in s.dynamic_tools]

    def on_retry(attempt: int, limit: int, error: ModelError) -> None:
        err = turn_error(f"Reconnecting... {attempt}/{limit}", error.retry_info, error.message)
        thread.notify("error", {"error": err, "willRetry": True, "threadId": thread.id, "turnId": state.turn_id})

    def stream(history: list[dict[str, Any]]) -> Any:
        inp = RequestInputs(thread.id, state.turn_id, s.model, info, history, tools, s.base_instructions, s.effort,
                            s.summary, opts.output_schema, opts.originator, opts.user_agent)  # fmt: skip
        return client.stream(build_body(inp), build_headers(inp), on_retry)

    return stream


def _dynamic_spec(tool: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "name": tool.get("name"), "description": tool.get("description", ""),
            "strict": False, "parameters": tool.get("inputSchema") or {"type": "object", "properties": {}}}  # fmt: skip


def _finish(
    thread: ThreadRuntime, record: TurnRecord, state: TurnState, status: str, error: Any, started: float
) -> None:
    record.status, record.error = status, error
    record.completed_at, record.duration_ms = int(time.time()), int((time.monotonic() - started) * 1000)
    record.items = list(state.completed)
    _persist_end(thread, record)
    thread.active = None
    if status == "completed":  # an interrupted turn leaves the read state alone, as in codex
        turn_ended(thread, record.id)
    thread.set_status({"type": "idle"})
    view = "summary" if status == "completed" else "notLoaded"
    wire = record.wire(view)
    if status == "completed":
        wire["items"] = [state.last_message] if state.last_message else []
    thread.notify("turn/completed", {"threadId": thread.id, "turn": wire})


def _report_failed_usage(thread: ThreadRuntime, state: TurnState) -> None:
    """As codex, a failed model call still reports usage (nothing new in `last`)."""
    usage = {"total": state.usage_total.wire(), "last": Usage().wire(), "modelContextWindow": state.context_window}
    thread.notify("thread/tokenUsage/updated", state.ids(tokenUsage=usage))


def _fail(thread: ThreadRuntime, record: TurnRecord, state: TurnState, error: dict[str, Any], started: float) -> None:
    record.status, record.error = "failed", error
    record.completed_at, record.duration_ms = int(time.time()), int((time.monotonic() - started) * 1000)
    record.items = list(state.completed)
    _persist_end(thread, record)
    thread.active = None
    thread.set_status({"type": "systemError"})
    thread.notify("error", {"error": error, "willRetry": False, "threadId": thread.id, "turnId": record.id})
    turn_ended(thread, record.id)
    thread.notify("turn/completed", {"threadId": thread.id, "turn": record.wire("notLoaded")})


def _persist_end(thread: ThreadRuntime, record: TurnRecord) -> None:
    thread.record_turn_end(record)  # items were recorded as they completed
    if thread.usage is not None:
        thread.record("token_usage", thread.usage)
    thread.sync()
    thread.turns.append(record)


class _Wire:
    """The turn's view of the connection: notifications fan out to the thread's subscribers."""

    def __init__(self, thread: ThreadRuntime):
        self.thread = thread

    def notify(self, method: str, params: dict[str, Any]) -> None:
        if method == "thread/tokenUsage/updated":
            self.thread.usage = {k: v for k, v in params.items() if k != "threadId"}
        self.thread.notify(method, params)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        raise NotImplementedError("tools ask through approvals.Asker")


def begin(thread: ThreadRuntime) -> ActiveTurn:
    """Install a new active turn, on disk before the client hears its id (turn/start answers with it)."""
    record = TurnRecord(new_id())  # startedAt stays null in the turn/start answer, as codex sends it
    started_at = int(time.time())
    thread.record("turn_started", {"turn_id": record.id, "started_at": started_at})
    thread.active = ActiveTurn(record, started_at)
    return thread.active
