"""Rollouts: one JSONL file per thread under CODEX_HOME/sessions/YYYY/MM/DD/.

Each line is `{"timestamp", "type", "payload"}` written with a single write() straight to the OS, so
a killed server loses nothing it already reported and never leaves half a line that matters: the
reader skips a torn last line. Files are fsynced at turn boundaries. Archive moves the file to
CODEX_HOME/archived_sessions/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .version import CLI_VERSION as CLI_VERSION


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def rollout_name(thread_id: str, created: dt.datetime) -> str:
    return f"rollout-{created.strftime('%Y-%m-%dT%H-%M-%S')}-{thread_id}.jsonl"


@dataclass(slots=True)
class RolloutWriter:
    """Appends lines to a rollout; the file is created on the first append (a thread with no turn has none)."""

    path: Path
    _fd: int | None = None

    def append(self, kind: str, payload: dict[str, Any]) -> None:
        line = json.dumps({"timestamp": utc_now().isoformat(timespec="milliseconds"), "type": kind, "payload": payload})
        data = (line + "\n").encode()
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        written = os.write(self._fd, data)
        if written != len(data):  # a short write on a regular file means the disk is full
            raise OSError(f"short write to {self.path}")

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(slots=True)
class TurnRecord:
    id: str
    items: list[dict[str, Any]] = field(default_factory=list)
    status: str = "inProgress"
    error: dict[str, Any] | None = None
    started_at: int | None = None
    completed_at: int | None = None
    duration_ms: int | None = None

    def wire(self, view: str = "full") -> dict[str, Any]:
        return {"id": self.id, "rootTurnId": self.id, "items": list(self.items) if view != "notLoaded" else [],
                "itemsView": view, "status": self.status, "error": self.error, "startedAt": self.started_at,
                "completedAt": self.completed_at, "durationMs": self.duration_ms}  # fmt: skip


@dataclass(slots=True)
class Rollout:
    """A rollout read back: the thread's metadata, its turns and the model-visible history."""

    path: Path
    meta: dict[str, Any]
    turns: list[TurnRecord] = field(default_factory=list)
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (turn id, Responses item)
    name: str | None = None
    usage: dict[str, Any] | None = None
    updated_at: int = 0


def read_rollout(path: Path) -> Rollout:
    rollout: Rollout | None = None
    for kind, payload in _lines(path):
        if rollout is None:
            if kind != "session_meta":
                raise ValueError(f"{path}: the first line is not session_meta")
            rollout = Rollout(path, payload)
            continue
        _APPLY.get(kind, _ignore)(rollout, payload)
    if rollout is None:
        raise ValueError(f"{path}: empty rollout")
    for turn in rollout.turns:
        if turn.status == "inProgress":
            turn.status = "interrupted"  # the server stopped mid-turn
    rollout.updated_at = int(path.stat().st_mtime)
    return rollout


def _lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from a killed writer
            if isinstance(record, dict) and isinstance(record.get("payload"), dict):
                yield str(record.get("type")), record["payload"]


def _turn(rollout: Rollout, turn_id: str) -> TurnRecord:
    for turn in reversed(rollout.turns):
        if turn.id == turn_id:
            return turn
    turn = TurnRecord(turn_id)
    rollout.turns.append(turn)
    return turn


def _turn_started(r: Rollout, p: dict[str, Any]) -> None:
    r.turns.append(TurnRecord(p["turn_id"], started_at=p.get("started_at")))


def _item(r: Rollout, p: dict[str, Any]) -> None:
    _turn(r, p["turn_id"]).items.append(p["item"])


def _turn_completed(r: Rollout, p: dict[str, Any]) -> None:
    turn = _turn(r, p["turn_id"])
    turn.status, turn.error = p.get("status", "completed"), p.get("error")
    turn.completed_at, turn.duration_ms = p.get("completed_at"), p.get("duration_ms")


def _response_item(r: Rollout, p: dict[str, Any]) -> None:
    r.history.append((str(p.get("turn_id", "")), p["item"]))


def _name(r: Rollout, p: dict[str, Any]) -> None:
    r.name = p.get("name")


def _usage(r: Rollout, p: dict[str, Any]) -> None:
    r.usage = p


def _rollback(r: Rollout, p: dict[str, Any]) -> None:
    r.turns = r.turns[: max(0, len(r.turns) - int(p["num_turns"]))]
    kept = {t.id for t in r.turns}
    r.history = [(turn, item) for turn, item in r.history if turn in kept]


def _ignore(r: Rollout, p: dict[str, Any]) -> None:
    return None


_APPLY = {
    "turn_started": _turn_started,
    "item_completed": _item,
    "turn_completed": _turn_completed,
    "response_item": _response_item,
    "thread_name": _name,
    "token_usage": _usage,
    "rollback": _rollback,
}


@dataclass(frozen=True, slots=True)
class Store:
    home: Path

    @property
    def sessions(self) -> Path:
        return self.home / "sessions"

    @property
    def archived(self) -> Path:
        return self.home / "archived_sessions"

    def new_path(self, thread_id: str, created: dt.datetime) -> Path:
        return self.sessions / created.strftime("%Y/%m/%d") / rollout_name(thread_id, created)

    def find(self, thread_id: str, archived: bool = False) -> Path | None:
        root = self.archived if archived else self.sessions
        pattern = f"rollout-*-{thread_id}.jsonl"
        found = next(iter(root.glob(pattern) if archived else root.glob(f"*/*/*/{pattern}")), None)
        return found

    def all(self, archived: bool = False) -> list[Path]:
        if archived:
            return sorted(self.archived.glob("rollout-*.jsonl"))
        return sorted(self.sessions.glob("*/*/*/rollout-*.jsonl"))

    def archive(self, path: Path) -> Path:
        self.archived.mkdir(parents=True, exist_ok=True)
        target = self.archived / path.name
        os.replace(path, target)
        return target

    def unarchive(self, path: Path, created: dt.datetime) -> Path:
        target = self.sessions / created.strftime("%Y/%m/%d") / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return target
