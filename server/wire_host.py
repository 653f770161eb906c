"""The app-server side of the agent core: its host interface on the wire, and a turn's lifecycle.

`WireHost` turns the core's events into notifications to the thread's subscribers and its requests into
server-to-client requests (request ids, pending requests a resuming client is asked again,
`serverRequest/resolved`). `FailFastHost` is exec/run's: every request fails the turn at once — the one
place that rule lives. `run_turn` wraps the core's turn in what the protocol and the rollout show around
it: `active` + `turn/started`, then `idle` + `turn/completed`, or `systemError` + `error` +
`turn/completed{failed}`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from server.agent import runner
from server.agent.errors import BlockingRequestError
from server.agent.host import AgentHost, RequestFailed
from server.agent.runner import TurnOptions, TurnOutcome

from .connection import ClientRequestError
from .readstate import turn_ended
from .state import ServerState
from .store import TurnRecord
from .threads import ActiveTurn, ThreadRuntime, new_id


class WireHost:
    """A thread's subscribers as the agent's host: the first subscriber answers requests."""

    interactive = True

    def __init__(self, thread: ThreadRuntime):
        self.thread = thread

    @property
    def status(self) -> dict[str, Any]:
        return self.thread.status

    def emit(self, method: str, params: dict[str, Any]) -> None:
        self.thread.notify(method, params)

    def set_status(self, status: dict[str, Any]) -> None:
        self.thread.set_status(status)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        thread = self.thread
        conn = next(iter(thread.subscribers), None)
        if conn is None:
            raise RequestFailed("no client is subscribed to this thread")
        active, request_id = thread.active, conn.next_request_id()
        entry = (request_id, method, params)
        if active is not None:
            active.pending.append(entry)  # asked again of a client that resumes the thread meanwhile
        try:
            return await conn.request(method, params, thread.id)
        except ClientRequestError as exc:
            raise RequestFailed(str(exc)) from exc
        finally:
            if active is not None and entry in active.pending:
                active.pending.remove(entry)
            thread.notify("serverRequest/resolved", {"threadId": thread.id, "requestId": request_id})


class FailFastHost(WireHost):
    """exec/run: nobody can answer, so any approval or input request fails the turn."""

    interactive = False

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        raise BlockingRequestError(method)


def begin(thread: ThreadRuntime) -> ActiveTurn:
    """Install a new active turn, on disk before the client hears its id (turn/start answers with it)."""
    record = TurnRecord(new_id())  # startedAt stays null in the turn/start answer, as codex sends it
    started_at = int(time.time())
    thread.record("turn_started", {"turn_id": record.id, "started_at": started_at})
    thread.active = ActiveTurn(record, started_at)
    return thread.active


def launch(
    state: ServerState, thread: ThreadRuntime, inputs: list[dict[str, Any]], opts: TurnOptions
) -> asyncio.Task[None]:
    """Run the thread's active turn in the background (turn/interrupt cancels this task)."""
    assert thread.active is not None
    task = asyncio.get_running_loop().create_task(run_turn(state, thread, inputs, opts))
    thread.active.task = task
    return task


async def run_turn(
    state: ServerState,
    thread: ThreadRuntime,
    inputs: list[dict[str, Any]],
    opts: TurnOptions,
    host: AgentHost | None = None,
) -> None:
    """The active turn from `turn/started` to `turn/completed`, the core's work in between."""
    assert thread.active is not None  # the handler installs the active turn before starting us
    active = thread.active
    record = active.record
    started = time.monotonic()
    thread.set_status({"type": "active", "activeFlags": []})
    record.started_at = active.started_at  # the time persisted when the turn began
    thread.notify("turn/started", {"threadId": thread.id, "turn": record.wire("notLoaded")})
    outcome = await runner.run_turn(thread, host or WireHost(thread), state, record.id, inputs, opts, active.steer)
    _end(thread, record, outcome, started)


def _end(thread: ThreadRuntime, record: TurnRecord, outcome: TurnOutcome, started: float) -> None:
    record.status, record.error = outcome.status, outcome.error
    record.completed_at, record.duration_ms = int(time.time()), int((time.monotonic() - started) * 1000)
    record.items = list(outcome.items)
    thread.record_turn_end(record)  # items were recorded as they completed
    if thread.usage is not None:
        thread.record("token_usage", thread.usage)
    thread.sync()
    thread.turns.append(record)
    thread.active = None
    if outcome.status == "failed":
        thread.set_status({"type": "systemError"})
        params = {"error": outcome.error, "willRetry": False, "threadId": thread.id, "turnId": record.id}
        thread.notify("error", params)
        turn_ended(thread, record.id)
        thread.notify("turn/completed", {"threadId": thread.id, "turn": record.wire("notLoaded")})
        return
    if outcome.status == "completed":  # an interrupted turn leaves the read state alone, as in codex
        turn_ended(thread, record.id)
    thread.set_status({"type": "idle"})
    wire = record.wire("summary" if outcome.status == "completed" else "notLoaded")
    if outcome.status == "completed":
        wire["items"] = [outcome.last_message] if outcome.last_message else []
    thread.notify("turn/completed", {"threadId": thread.id, "turn": wire})
