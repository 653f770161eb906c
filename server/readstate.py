"""Read state, as codex 0.163 keeps it: a thread's first unread turn (set when a turn ends while nothing is
unread, cleared by a revert) and a revision that changes with it; `thread/readState/changed` says so.
Kept for the server's lifetime (codex keeps it in its state database)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .threads import ThreadRuntime

_STATES: dict[str, dict[str, Any]] = {}


def read_state(thread_id: str) -> dict[str, Any] | None:
    return _STATES.get(thread_id)


def _set(thread: ThreadRuntime, first_unread: dict[str, Any] | None) -> None:
    state = {"firstUnread": first_unread, "revision": str(uuid.uuid4())}
    _STATES[thread.id] = state
    thread.notify("thread/readState/changed", {"threadId": thread.id, "readState": state})


def turn_ended(thread: ThreadRuntime, turn_id: str) -> None:
    """A finished turn is unread unless an earlier one already is (the first unread stays put); the revision
    changes, and clients hear of it, at every turn's end, as in codex."""
    current = _STATES.get(thread.id)
    first_unread = current["firstUnread"] if current is not None else None
    _set(thread, first_unread or {"type": "turn", "turnId": turn_id})


def opened(thread_id: str) -> None:
    """A client resumed the thread: it has seen it, so nothing is unread (codex says nothing about it)."""
    if thread_id in _STATES:
        _STATES[thread_id] = {"firstUnread": None, "revision": str(uuid.uuid4())}


def cleared(thread: ThreadRuntime) -> None:
    if thread.id in _STATES:
        _set(thread, None)


def forget(thread_id: str) -> None:
    _STATES.pop(thread_id, None)
