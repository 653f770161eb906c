"""thread/compact/start: a compaction turn that runs to `turn/completed` as codex 0.163's does (turn/started,
a `contextCompaction` item started and completed, idle, turn/completed). The history is kept as it is: no
summary is requested from the model yet, so the model sees the same context afterwards (a known gap)."""

from __future__ import annotations

import time
from typing import Any

from server.errors import InvalidRequest
from server.protocol.params import ThreadIdParams
from server.state import Ctx
from server.store import TurnRecord
from server.threads import ThreadRuntime, new_id


async def start(ctx: Ctx, params: ThreadIdParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    if thread.active is not None:
        raise InvalidRequest("a turn is already running on this thread")
    ctx.after(lambda: _run(thread))
    return {}


def _run(thread: ThreadRuntime) -> None:
    began, now = time.monotonic(), int(time.time())
    record = TurnRecord(new_id(), started_at=now)
    ids = {"threadId": thread.id, "turnId": record.id}
    item = {"type": "contextCompaction", "id": new_id()}
    thread.set_status({"type": "active", "activeFlags": []})
    thread.record("turn_started", {"turn_id": record.id, "started_at": now})
    thread.notify("turn/started", {"threadId": thread.id, "turn": record.wire("notLoaded")})
    thread.notify("item/started", {"item": item, **ids, "startedAtMs": int(time.time() * 1000)})
    thread.record("item_completed", {"turn_id": record.id, "item": item})
    thread.notify("item/completed", {"item": item, **ids, "completedAtMs": int(time.time() * 1000)})
    record.items, record.status = [item], "completed"
    record.completed_at, record.duration_ms = int(time.time()), int((time.monotonic() - began) * 1000)
    thread.record_turn_end(record)
    thread.sync()
    thread.turns.append(record)
    thread.set_status({"type": "idle"})
    thread.notify("turn/completed", {"threadId": thread.id, "turn": record.wire("summary") | {"items": []}})
