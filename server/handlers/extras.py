"""Process-wide state for the methods of issue 13 that `ServerState` does not carry (kept here so the
core state stays small): watches, sections, attachments, goals, import histories, login state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.state import ServerState


@dataclass(slots=True)
class Extras:
    skill_roots: list[str] = field(default_factory=list)
    enablement: dict[str, bool] = field(default_factory=dict)
    import_histories: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    thread_sections: dict[str, str | None] = field(default_factory=dict)
    attachments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    goals: dict[str, dict[str, Any]] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    watches: dict[str, Any] = field(default_factory=dict)
    fuzzy_sessions: dict[str, Any] = field(default_factory=dict)


_BY_STATE: dict[int, Extras] = {}


def extras(state: ServerState) -> Extras:
    """One `Extras` per server state (one per process in practice)."""
    return _BY_STATE.setdefault(id(state), Extras())
