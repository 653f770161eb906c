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
    """Every finished turn changes the revision; the first unread turn stays where it was (seen on codex 0.163:
    three turns in a row each send `thread/readState/changed`, all naming the first)."""
    current = _STATES.get(thread.id)
    first = current["firstUnread"] if current else None
    _set(thread, first or {"type": "turn", "turnId": turn_id})


def opened(thread: ThreadRuntime) -> None:
    """A resumed thread the server has no read state for (e.g. after a restart) takes it from its history:
    codex keeps it in its state database, so its first unread turn survives a restart (said nothing about)."""
    if thread.id in _STATES:
        return
    ended = [t for t in thread.turns if t.status in ("completed", "failed")]
    if ended:
        _STATES[thread.id] = {"firstUnread": {"type": "turn", "turnId": ended[0].id}, "revision": str(uuid.uuid4())}


def cleared(thread: ThreadRuntime) -> None:
    if thread.id in _STATES:
        _set(thread, None)


def forget(thread_id: str) -> None:
    _STATES.pop(thread_id, None)
