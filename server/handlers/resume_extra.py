"""The fields thread/resume gained in 0.163 (collaboration mode, initial turns page, backwards cursors)."""

from __future__ import annotations

from typing import Any

from server import readstate
from server.threads import ThreadRuntime

from .cursors import rollout_cursor


def resume_fields(thread: ThreadRuntime) -> dict[str, Any]:
    """The extra fields; a thread resumed after a restart gets its read state back (see server.readstate)."""
    readstate.opened(thread)
    s = thread.settings
    items = sum(len(t.items) for t in thread.turns)
    return {
        "collaborationMode": {
            "mode": "default",
            "settings": {"model": s.model, "reasoning_effort": s.effort, "developer_instructions": None},
        },
        "initialTurnsPage": None,  # only when the client asks for a first page of turns
        "turnsBackwardsCursor": rollout_cursor(thread.id, len(thread.turns), True, "turns") if thread.turns else None,
        "itemsBackwardsCursor": rollout_cursor(thread.id, items, True, "itemsByCreatedAtOrdinal") if items else None,
    }
