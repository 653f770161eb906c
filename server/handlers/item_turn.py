"""Turns the server runs itself with a single item and no model call (compaction, a user's shell command):
the same start and end as a model turn's lifecycle, written once for both."""

from __future__ import annotations

import time
from typing import Any

from server.store import TurnRecord
from server.threads import ThreadRuntime


def open_turn(thread: ThreadRuntime, record: TurnRecord, item: dict[str, Any], ids: dict[str, Any]) -> None:
    """`turn/started` (on disk first) and the item's `item/started`."""
    thread.set_status({"type": "active", "activeFlags": []})
    thread.record("turn_started", {"turn_id": record.id, "started_at": record.started_at})
    thread.notify("turn/started", {"threadId": thread.id, "turn": record.wire("notLoaded")})
    thread.notify("item/started", {"item": dict(item), **ids, "startedAtMs": int(time.time() * 1000)})


def close_turn(
    thread: ThreadRuntime, record: TurnRecord, item: dict[str, Any], ids: dict[str, Any], began: float,
    view: str, **overrides: Any,
) -> None:  # fmt: skip
    """The item's `item/completed`, the turn persisted, then `turn/completed` with the turn in `view`
    (codex's view differs by kind of turn) and any fields overridden."""
    thread.record("item_completed", {"turn_id": record.id, "item": item})
    thread.notify("item/completed", {"item": item, **ids, "completedAtMs": int(time.time() * 1000)})
    record.items, record.status = [item], "completed"
    record.completed_at, record.duration_ms = int(time.time()), int((time.monotonic() - began) * 1000)
    thread.record_turn_end(record)
    thread.sync()
    thread.turns.append(record)
    thread.set_status({"type": "idle"})
    thread.notify("turn/completed", {"threadId": thread.id, "turn": record.wire(view) | overrides})
