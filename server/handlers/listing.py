"""thread/list: persisted threads, filtered, sorted and paged with an opaque, exact cursor."""

from __future__ import annotations

import base64
import json
from typing import Any

from server.errors import InvalidRequest
from server.protocol.params import ThreadListParams
from server.readstate import read_state
from server.state import ServerState
from server.store import read_rollout
from server.threads import ThreadRuntime, unloaded_wire

_SORT_FIELD = {"created_at": "createdAt", "updated_at": "updatedAt", "recency_at": "recencyAt"}


def _entries(state: ServerState, archived: bool) -> list[dict[str, Any]]:
    out = []
    for path in state.store.all(archived):
        try:
            rollout = read_rollout(path)
        except (OSError, ValueError, KeyError):
            continue  # an unreadable rollout is skipped, not fatal to the listing
        if not rollout.turns:
            continue
        loaded: ThreadRuntime | None = state.threads.get(rollout.meta["id"])
        out.append(loaded.wire() if loaded and not archived else unloaded_wire(rollout, False))
    return out


def _matches(thread: dict[str, Any], params: ThreadListParams) -> bool:
    if params.model_providers and thread["modelProvider"] not in params.model_providers:
        return False
    cwds = [params.cwd] if isinstance(params.cwd, str) else params.cwd
    if cwds and thread["cwd"] not in cwds:
        return False
    if params.search_term and params.search_term not in f"{thread.get('name') or ''}\n{thread['preview']}":
        return False
    return not params.source_kinds or thread["source"] in params.source_kinds


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": position}).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        raise InvalidRequest(f"invalid cursor: {cursor}") from None


def list_page(state: ServerState, params: ThreadListParams) -> dict[str, Any]:
    threads = [t for t in _entries(state, bool(params.archived)) if _matches(t, params)]
    key = _SORT_FIELD.get(params.sort_key or "created_at", "createdAt")
    # Ties broken by id so pages never skip or repeat a thread created in the same second.
    threads.sort(key=lambda t: (t[key], t["id"]), reverse=(params.sort_direction or "desc") == "desc")
    start = _offset(params.cursor)
    limit = min(params.limit or 25, 100)
    page = threads[start : start + limit]
    next_cursor = _cursor(start + limit) if start + limit < len(threads) else None
    # Reversing the sort from the page's first thread (included again): its index in the reversed order.
    backwards = _cursor(len(threads) - 1 - start) if page else None
    states = {t["id"]: s for t in page if (s := read_state(t["id"])) is not None}
    return {"data": page, "nextCursor": next_cursor, "backwardsCursor": backwards, "readStates": states}
