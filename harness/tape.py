"""A cassette in use by one test (or one recorder run): what to replay, what to record, when to save.

The record modes mean what they mean in vcrpy: `none` replays only; `once` records only when the cassette
does not exist yet; `new_episodes` replays what the cassette holds and records the rest; `all` records
every request (earlier interactions stay in the file but are never played); `rewrite` starts the file over.
Under `CI=true` nothing is ever recorded, whatever the mode.

Nothing is written while the test runs: `commit()` replaces the file in one atomic step, and only when the
caller says the run succeeded, so an interrupted or failed recording leaves the old cassette as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockprovider.cassette import FORMAT_VERSION, Cassette, Interaction
from mockprovider.matching import CassetteResponder, MatchConfig

from .integrity import seal
from .modes import RECORD_MODES, in_ci
from .redact import Redactor
from .vault import commit_files, recover

RECORDER = "reelkit/0.1.0"


class TapeError(Exception):
    """A request the cassette cannot answer and may not record; the message names the cassette."""


@dataclass
class Tape:
    path: Path
    mode: str = "none"
    redactor: Redactor = field(default_factory=Redactor.from_env)
    match: MatchConfig = field(default_factory=MatchConfig)
    ci: bool = field(default_factory=in_ci)
    speed: float = 0.0  # replay timing: 0 = as fast as possible, 1 = as recorded
    upstream: str | None = None  # record against this base URL instead of the one the client asked for
    loaded: Cassette | None = None
    recorded: list[Interaction] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    _responder: CassetteResponder | None = None

    def __post_init__(self) -> None:
        if self.mode not in RECORD_MODES:
            raise TapeError(f"unknown record mode {self.mode!r}; use one of {', '.join(RECORD_MODES)}")
        recover(self.path)  # finish (or undo) a commit an earlier run was killed in
        if self.path.exists() and self.mode != "rewrite":
            self.loaded = Cassette.load(self.path)
        if self.loaded is not None and self.mode in ("none", "once", "new_episodes"):
            self._responder = CassetteResponder(self.loaded, self.match)
        if self.loaded is None and not self.may_record:
            why = "CI=true never records" if self.ci else f"record it with --record-mode=once (mode is {self.mode})"
            raise TapeError(f"no cassette at {self.path}: {why}")

    @property
    def may_record(self) -> bool:
        if self.ci:
            return False
        return self.mode in ("new_episodes", "all", "rewrite") or (self.mode == "once" and self.loaded is None)

    @property
    def name(self) -> str:
        return str(self.path)

    def lookup(self, method: str, url: str, body: bytes | None) -> Interaction | None:
        """The recorded answer to this request, or None if it is to be recorded; raises TapeError on a miss."""
        text = body.decode("utf-8", errors="replace") if body else None
        if self._responder is not None:
            picked = self._responder.pick(method, url, text)
            if not isinstance(picked, str):
                return self._responder.cassette.interactions[picked[0]]
            if not self.may_record:
                message = f"{picked}\n(cassette {self.path}, record mode {self.mode}{', CI=true' if self.ci else ''})"
                self.misses.append(message)
                raise TapeError(message)
        if not self.may_record:
            message = f"cassette {self.path}: {method} {url} is not recorded and record mode {self.mode} may not add it"
            self.misses.append(message)
            raise TapeError(message)
        return None

    def add(self, item: Interaction) -> None:
        self.recorded.append(item)

    @property
    def played(self) -> list[int]:
        return list(self._responder.played) if self._responder is not None else []

    def cassette(self) -> Cassette:
        kept = (
            list(self.loaded.interactions) if self.loaded is not None and self.mode in ("new_episodes", "all") else []
        )
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        meta: dict[str, Any] = dict(self.loaded.metadata) if kept and self.loaded is not None else {}
        meta.setdefault("format", FORMAT_VERSION)
        meta.setdefault("recorded_at", now)
        if kept:
            meta["extended_at"] = now
        meta["recorder"] = RECORDER
        meta.setdefault("synthetic", False)
        _note_model(meta, self.recorded)
        return Cassette([*kept, *self.recorded], meta, self.path)

    def commit(self, extra: dict[Path, str] | None = None) -> bool:
        """Save what was recorded (and `extra` files, e.g. a golden) in one atomic step; False if nothing new."""
        if not self.recorded:
            return False
        clean = seal(self.redactor.cassette(self.cassette()))
        text = clean.dumps()
        self.redactor.check(text, str(self.path))
        commit_files({self.path: text, **(extra or {})})
        return True


def _note_model(meta: dict[str, Any], items: list[Interaction]) -> None:
    for item in items:
        if "model" in meta or not item.request_body:
            return
        try:
            model = json.loads(item.request_body).get("model")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(model, str):
            meta["model"] = model
