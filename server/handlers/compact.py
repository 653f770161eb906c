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

from .item_turn import close_turn, open_turn


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
    open_turn(thread, record, item, ids)
    close_turn(thread, record, item, ids, began, "summary", items=[])
