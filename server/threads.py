"""Loaded threads: their settings, history, turns, subscribers and rollout writer.

A ThreadRuntime is plain state (dataclasses inside, dicts only at the wire). Handlers mutate it, and
the agent core through its `Conversation` view (server/agent/host.py); `wire()` renders the protocol's
Thread object.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .agent.items import message_text
from .agent.settings import Settings, new_id
from .connection import Connection
from .store import CLI_VERSION, Rollout, RolloutWriter, TurnRecord, utc_now
from .tools.exec import ExecManager

if TYPE_CHECKING:
    from .agent.mcp.manager import McpManager

__all__ = ["ActiveTurn", "Settings", "ThreadRuntime", "new_id", "preview_of", "unloaded_wire"]


@dataclass(slots=True)
class ActiveTurn:
    record: TurnRecord
    started_at: int = 0  # as persisted in turn_started; the record shows it once the turn runs
    task: asyncio.Task[None] | None = None
    kind: str = "regular"  # regular | review
    steer: list[list[dict[str, Any]]] = field(default_factory=list)  # user inputs injected mid-turn
    pending: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # open server requests


@dataclass(slots=True)
class ThreadRuntime:
    id: str
    created: dt.datetime
    settings: Settings
    originator: str
    ephemeral: bool = False
    path: Path | None = None
    name: str | None = None
    preview: str = ""
    forked_from: str | None = None
    status: dict[str, Any] = field(default_factory=lambda: {"type": "idle"})
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    turns: list[TurnRecord] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    active: ActiveTurn | None = None
    subscribers: set[Connection] = field(default_factory=set)
    session_approvals: set[str] = field(default_factory=set)
    approved_prefixes: set[tuple[str, ...]] = field(default_factory=set)  # acceptWithExecpolicyAmendment
    exec: ExecManager = field(default_factory=ExecManager)
    mcp: McpManager | None = None  # started by server/mcp_threads.py when config.toml names MCP servers
    writer: RolloutWriter | None = None
    updated_at: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def close_services(self) -> None:
        """Stop what the thread runs besides turns: exec sessions and MCP servers (no process outlives it)."""
        await self.exec.close()
        if self.mcp is not None:
            await self.mcp.close()

    # --- notifications ---

    def notify(self, method: str, params: dict[str, Any]) -> None:
        for conn in list(self.subscribers):
            conn.notify(method, params)

    def set_status(self, status: dict[str, Any]) -> None:
        self.status = status
        self.notify("thread/status/changed", {"threadId": self.id, "status": status})

    # --- persistence ---

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        active = self.active
        if kind == "item_completed" and active is not None and payload.get("turn_id") == active.record.id:
            active.record.items.append(payload["item"])  # what a client resuming mid-turn is shown
        if self.ephemeral or self.path is None:
            return
        if self.writer is None:
            self.writer = RolloutWriter(self.path)
            self.writer.append("session_meta", self.meta())
            if self.name:
                self.writer.append("thread_name", {"name": self.name})
            for turn_id, item in self.history:  # a fork starts with its source's history
                self.writer.append("response_item", {"turn_id": turn_id, "item": item})
        self.writer.append(kind, payload)
        self.updated_at = int(utc_now().timestamp())

    def record_turn_end(self, turn: TurnRecord) -> None:
        end = {
            "status": turn.status,
            "error": turn.error,
            "completed_at": turn.completed_at,
            "duration_ms": turn.duration_ms,
        }
        self.record("turn_completed", {"turn_id": turn.id, **end})

    def sync(self) -> None:
        if self.writer is not None:
            self.writer.sync()

    def meta(self) -> dict[str, Any]:
        s = self.settings
        return {
            "id": self.id,
            "session_id": self.id,
            "timestamp": self.created.isoformat(),
            "cwd": str(s.cwd),
            "originator": self.originator,
            "cli_version": CLI_VERSION,
            "source": "vscode",
            "model_provider": s.model_provider,
            "model": s.model,
            "forked_from_id": self.forked_from,
            "base_instructions": s.base_instructions,
            "developer_instructions": s.developer_instructions,
        }

    @property
    def persisted(self) -> bool:
        return self.writer is not None or (self.path is not None and self.path.exists())

    def model_history(self) -> list[dict[str, Any]]:
        return [item for _, item in self.history]

    # --- wire ---

    def wire(self, include_turns: bool = False) -> dict[str, Any]:
        s = self.settings
        created = int(self.created.timestamp())
        updated = max(self.updated_at, created)
        return {
            "id": self.id, "sessionId": self.id, "forkedFromId": self.forked_from, "parentThreadId": None,
            "preview": self.preview, "ephemeral": self.ephemeral, "section": None, "sectionEnteredAt": None,
            "projectId": None, "historyMode": "paginated", "modelProvider": s.model_provider, "model": s.model,
            "reasoningEffort": s.effort, "createdAt": created, "updatedAt": updated, "recencyAt": updated,
            "status": self.status, "path": str(self.path) if self.path else None, "cwd": str(s.cwd),
            "cliVersion": CLI_VERSION, "originator": self.originator, "source": "vscode", "threadSource": None,
            "agentNickname": None, "agentRole": None, "gitInfo": None, "name": self.name,
            "turns": [t.wire("full") for t in self.turns] + self._running() if include_turns else [],
        }  # fmt: skip

    def _running(self) -> list[dict[str, Any]]:
        """As codex, the running turn is listed too, with the items completed so far."""
        return [self.active.record.wire("full")] if self.active is not None else []

    @classmethod
    def from_rollout(cls, rollout: Rollout, settings: Settings) -> ThreadRuntime:
        meta = rollout.meta
        created = dt.datetime.fromisoformat(meta["timestamp"])
        thread = cls(meta["id"], created, settings, meta.get("originator") or "unknown", path=rollout.path,
                     name=rollout.name, forked_from=meta.get("forked_from_id"), history=list(rollout.history),
                     turns=list(rollout.turns), usage=rollout.usage, updated_at=rollout.updated_at)  # fmt: skip
        thread.preview = preview_of(rollout.turns)
        thread.writer = RolloutWriter(rollout.path)
        return thread


def preview_of(turns: list[TurnRecord]) -> str:
    for turn in turns:
        for item in turn.items:
            if item.get("type") == "userMessage":
                return message_text(item)
    return ""


def unloaded_wire(rollout: Rollout, include_turns: bool) -> dict[str, Any]:
    """A thread that is not loaded, as thread/read, thread/list and thread/unarchive show it."""
    meta = rollout.meta
    config_free = Settings(meta.get("model") or "", meta.get("model_provider") or "", Path(meta.get("cwd") or "/"))
    thread = ThreadRuntime.from_rollout(rollout, config_free)
    thread.status = {"type": "notLoaded"}
    thread.writer = None
    return thread.wire(include_turns)
