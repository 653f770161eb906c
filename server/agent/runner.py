"""The agent core's entry point: one turn's work, from the user's input to how it ended.

`run_turn` adds the input to the conversation, streams model responses, runs the tools they ask for
(asking the host for approvals) and returns a `TurnOutcome`; a failed, interrupted or blocked turn is an
outcome, not an exception. Everything goes through `AgentHost`/`Conversation`/`Services` (see host.py):
the turn's lifecycle around this (turn records, `turn/started`, `turn/completed`, status, the rollout's
turn lines) is the server's, in server/wire_host.py.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from server.config import Config, ConfigError
from server.tools.specs import ToolChoice, tools_for

from . import items, ratelimits
from .approvals import Asker
from .errors import BlockingRequestError, ModelError, TurnInterrupted, turn_error
from .host import AgentHost, Conversation, Services
from .items import Item
from .request import RequestInputs, build_body, build_headers, initial_context
from .settings import new_id
from .toolcalls import run_call
from .turn import Turn, TurnState, Usage

log = logging.getLogger("server.turn")
BLOCKING_MESSAGE = "exec/run encountered a blocking approval or input request"
EFFECTIVE_WINDOW_PERCENT = 95  # codex reports 95% of the catalog's window (room kept for its own prompts)
Steer = list[list[dict[str, Any]]]


@dataclass(slots=True)
class TurnOptions:
    output_schema: dict[str, Any] | None = None
    originator: str = "reelkit"
    user_agent: str = "reelkit/0.163.0"


@dataclass(slots=True)
class TurnOutcome:
    """How a turn ended: `completed`, `interrupted` or `failed` (with a wire TurnError), and its items."""

    status: str
    error: dict[str, Any] | None = None
    items: list[Item] = field(default_factory=list)
    last_message: Item | None = None


def effective_window(window: int | None) -> int | None:
    return window * EFFECTIVE_WINDOW_PERCENT // 100 if window is not None else None


def user_content(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """UserInput (wire) to Responses content parts."""
    parts: list[dict[str, Any]] = []
    for item in inputs:
        kind = item.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": item.get("text") or ""})
        elif kind == "image" and item.get("url"):
            parts.append({"type": "input_image", "image_url": item["url"], "detail": "high"})  # as codex sends it
        elif kind == "localImage" and item.get("path"):
            parts.append({"type": "input_text", "text": f"<image path={item['path']!r} />"})
        elif kind in ("skill", "mention"):
            parts.append(
                {"type": "input_text", "text": f"<{kind} name={item.get('name')!r} path={item.get('path')!r} />"}
            )
    return parts


class _History:
    """The conversation's model history for this turn: appends persist, steered input joins before requests."""

    def __init__(self, conv: Conversation, state: TurnState, steer: Steer):
        self.conv, self.state, self.steer = conv, state, steer

    def view(self) -> list[dict[str, Any]]:
        return [item for _, item in self.conv.history]

    def add(self, item: dict[str, Any]) -> None:
        self.conv.history.append((self.state.turn_id, item))
        self.conv.record("response_item", {"turn_id": self.state.turn_id, "item": item})

    def before_request(self) -> None:
        while self.steer:
            add_user_message(self.conv, self.state, self.steer.pop(0), self)


def add_user_message(conv: Conversation, state: TurnState, inputs: list[dict[str, Any]], history: _History) -> None:
    item = items.user_message(new_id(), inputs)
    state.started(item)
    state.finished(item)
    history.add({"type": "message", "role": "user", "content": user_content(inputs)})
    if not conv.preview:
        conv.preview = items.message_text(item)


class _Events:
    """The turn's events go to the host; the conversation keeps the latest token usage (resume replays it)."""

    def __init__(self, conv: Conversation, host: AgentHost):
        self.conv, self.host = conv, host

    def notify(self, method: str, params: dict[str, Any]) -> None:
        if method == "thread/tokenUsage/updated":
            self.conv.usage = {k: v for k, v in params.items() if k != "threadId"}
        self.host.emit(method, params)
        if method == "thread/tokenUsage/updated":
            ratelimits.report(self.host)


async def run_turn(
    conv: Conversation,
    host: AgentHost,
    services: Services,
    turn_id: str,
    inputs: list[dict[str, Any]],
    opts: TurnOptions,
    steer: Steer | None = None,
) -> TurnOutcome:
    """Run one turn; `steer` is drained before each model request, cancelling the task interrupts."""
    state = TurnState(conv.id, turn_id, _Events(conv, host))
    # As codex, `total` runs over all the thread's responses, across turns (and restarts: it is persisted).
    state.usage_total = Usage.from_wire((conv.usage or {}).get("tokenUsage", {}).get("total"))
    state.persist = lambda item: conv.record("item_completed", {"turn_id": turn_id, "item": item})
    try:
        await _drive(conv, host, services, state, inputs, opts, steer if steer is not None else [])
        return _outcome(state, "completed")
    except (TurnInterrupted, asyncio.CancelledError):
        if state.streaming:  # as codex: a response cut short reports the (unknown) limits
            ratelimits.report(host)
        return _outcome(state, "interrupted")
    except BlockingRequestError:
        return _outcome(state, "failed", turn_error(BLOCKING_MESSAGE, None))
    except ModelError as exc:
        _report_failed_usage(host, state)
        return _outcome(state, "failed", exc.turn_error())
    except ConfigError as exc:
        return _outcome(state, "failed", turn_error(str(exc)))
    except Exception as exc:
        log.exception("turn %s failed", turn_id)
        return _outcome(state, "failed", turn_error(f"internal error: {exc}"))


def _outcome(state: TurnState, status: str, error: dict[str, Any] | None = None) -> TurnOutcome:
    return TurnOutcome(status, error, list(state.completed), state.last_message)


async def _drive(
    conv: Conversation,
    host: AgentHost,
    services: Services,
    state: TurnState,
    inputs: list[dict[str, Any]],
    opts: TurnOptions,
    steer: Steer,
) -> None:
    config = services.config(conv.settings.config_overrides or None)
    info = config.model_info(conv.settings.model)
    state.context_window = effective_window(info.context_window) if info else None
    state.output_token_limit = info.output_token_limit if info else state.output_token_limit
    history = _History(conv, state, steer)
    if not conv.history:
        s = conv.settings
        for item in initial_context(s.cwd, s.sandbox, str(s.approval_policy), s.developer_instructions):
            history.add(item)
    mcp_tools: list[dict[str, Any]] = []
    if conv.mcp is not None:
        await conv.mcp.ready()  # as codex, the turn waits for servers still starting before it takes the input
        mcp_tools = conv.mcp.tool_specs()
    if inputs:
        add_user_message(conv, state, inputs, history)
    model = _model_stream(services, config, conv, host, state, opts, info, mcp_tools)
    asker = Asker(host)

    async def tool(call: dict[str, Any], st: TurnState) -> dict[str, Any]:
        return await run_call(call, st, conv, host, asker)

    await Turn(state, model, tool, history).run()


def _model_stream(
    services: Services,
    config: Config,
    conv: Conversation,
    host: AgentHost,
    state: TurnState,
    opts: TurnOptions,
    info: Any,
    mcp_tools: list[dict[str, Any]],
) -> Any:
    s = conv.settings
    from .model import ModelClient  # brings in aiohttp; see ServerState.http

    provider = config.provider(s.model_provider).resolve()
    client = ModelClient(services.http(), provider)
    tools = tools_for(ToolChoice.for_model(info))
    # codex's order: the MCP resource tools follow the shell tools, the servers' namespaces come last
    at = next((i for i, t in enumerate(tools) if t["name"] == "request_user_input"), 0)
    resources = [t for t in mcp_tools if t["type"] != "namespace"]
    tools = tools[:at] + resources + tools[at:] + [t for t in mcp_tools if t["type"] == "namespace"]
    tools += [_dynamic_spec(t) for t in s.dynamic_tools]

    def on_retry(attempt: int, limit: int, error: ModelError) -> None:
        err = turn_error(f"Reconnecting... {attempt}/{limit}", error.retry_info, error.message)
        host.emit("error", {"error": err, "willRetry": True, "threadId": conv.id, "turnId": state.turn_id})

    def stream(history: list[dict[str, Any]]) -> Any:
        inp = RequestInputs(conv.id, state.turn_id, s.model, info, history, tools, s.base_instructions, s.effort,
                            s.summary, opts.output_schema, opts.originator, opts.user_agent)  # fmt: skip
        return client.stream(build_body(inp), build_headers(inp), on_retry)

    return stream


def _dynamic_spec(tool: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "name": tool.get("name"), "description": tool.get("description", ""),
            "strict": False, "parameters": tool.get("inputSchema") or {"type": "object", "properties": {}}}  # fmt: skip


def _report_failed_usage(host: AgentHost, state: TurnState) -> None:
    """As codex, a failed model call still reports usage (nothing new in `last`)."""
    usage = {"total": state.usage_total.wire(), "last": Usage().wire(), "modelContextWindow": state.context_window}
    ratelimits.report(host)  # the early end's report, then the usage's own
    host.emit("thread/tokenUsage/updated", state.ids(tokenUsage=usage))
    ratelimits.report(host)
