"""Client-visible JSON-RPC transcripts: record, normalise to stable labels, and diff against goldens.

The file format is the one of the reference captures: one message per line, prefixed `C->S ` (client
to server) or `S->C `. Normalising replaces ids with ordinal labels that keep identity visible
(`<thread 1>` is the same thread wherever it appears), timestamps with `<ts>`, and known paths
with their names (`<CWD>`, `<CODEX_HOME>`), so a golden is stable across runs and machines.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reelkit_common.fsutil import atomic_write

Direction = Literal["C->S", "S->C"]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The same ids found from their tail: a pattern that starts with a literal `-` lets the regex engine skip
# ahead with a fast scan, where one that starts with a character class tries every position (10-50x slower
# on a 5 MB answer). A tail counts when the 8 characters before it are hex (see `_uuids`).
_UUID_TAIL = re.compile(r"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX8 = re.compile(r"[0-9a-f]{8}")
_TIME_KEYS = frozenset(
    {
        "createdAt",
        "updatedAt",
        "recencyAt",
        "startedAt",
        "completedAt",
        "emittedAtMs",
        "sectionEnteredAt",
        "timestamp",
        "startedAtMs",
        "completedAtMs",
    }
)
_DURATION_KEYS = frozenset({"durationMs", "wallTimeMs", "elapsedMs"})
# Values that describe the machine or the process, not the session.
_MACHINE_KEYS = {
    "userAgent": "<user-agent>", "processId": "<pid>", "serverName": "<host>", "installationId": "<installation>",
}  # fmt: skip
# Which kind of id a key holds, for readable labels.
_KIND_BY_KEY = {
    "threadId": "thread", "sessionId": "thread", "forkedFromId": "thread", "parentThreadId": "thread",
    "conversationId": "thread", "turnId": "turn", "rootTurnId": "turn", "itemId": "item", "callId": "call",
    "approvalId": "approval", "processId": "process",
}  # fmt: skip
_KIND_BY_PARENT = {"thread": "thread", "turn": "turn", "item": "item"}
_ROLLOUT_DATE = re.compile(r"\d{4}/\d{2}/\d{2}/rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Line:
    direction: Direction
    message: dict[str, Any]

    def render(self) -> str:
        return f"{self.direction} {json.dumps(self.message, sort_keys=True, ensure_ascii=False)}"


@dataclass(slots=True)
class Transcript:
    lines: list[Line] = field(default_factory=list)

    def add(self, direction: Direction, message: Mapping[str, Any]) -> None:
        self.lines.append(Line(direction, dict(message)))

    def render(self) -> str:
        return "".join(line.render() + "\n" for line in self.lines)

    def save(self, path: Path) -> None:
        atomic_write(path, self.render())

    @classmethod
    def parse(cls, text: str, where: str = "transcript") -> Transcript:
        lines = []
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            direction, _, payload = raw.partition(" ")
            if direction not in ("C->S", "S->C"):
                raise ValueError(f"{where}:{number}: expected a `C->S ` or `S->C ` prefix")
            try:
                lines.append(Line(direction, json.loads(payload)))  # type: ignore[arg-type]
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}:{number}: not JSON: {exc.msg}") from None
        return cls(lines)

    @classmethod
    def load(cls, path: Path) -> Transcript:
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    def methods(self) -> list[str]:
        """The sequence of notification and request methods the server sent (the shape of a session)."""
        return [m["method"] for d, m in ((x.direction, x.message) for x in self.lines) if d == "S->C" and "method" in m]


@dataclass(slots=True)
class Normaliser:
    """Rewrites volatile values; the same instance must see a whole transcript so labels stay consistent."""

    paths: dict[str, str] = field(default_factory=dict)  # literal path -> label, e.g. {"/tmp/x/work": "<CWD>"}
    _labels: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _longest_first: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Longest first, so a path inside another is not cut by the shorter one's label; sorted once, not per string.
        self._longest_first = sorted(self.paths.items(), key=lambda p: -len(p[0]))

    def transcript(self, transcript: Transcript) -> Transcript:
        lines = [Line(x.direction, self.value(x.message, None)) for x in transcript.lines]
        return Transcript(_merge_output_deltas(lines))

    def value(self, value: Any, key: str | None, parent: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self._field(k, v, key) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key, parent) for v in value]
        if isinstance(value, str):
            return self._text(value, key, parent)
        return value

    def _field(self, key: str, value: Any, parent: str | None) -> Any:
        if value is not None and key in _TIME_KEYS:
            return "<ts>"
        if value is not None and key in _DURATION_KEYS:
            return "<duration>"
        if value and key in _MACHINE_KEYS:
            return _MACHINE_KEYS[key]
        return self.value(value, key, parent)

    def _text(self, text: str, key: str | None, parent: str | None) -> str:
        if key == "diff":
            text = self._diff_paths(text)
        for path, label in self._longest_first:
            if path in text:
                text = text.replace(path, label)
        if "/rollout-" in text:  # a substring test is a fast scan; the date pattern starts with a class
            text = _ROLLOUT_DATE.sub("<date>/rollout-<date>", text)
        kind = _KIND_BY_KEY.get(key or "") or (_KIND_BY_PARENT.get(parent or "") if key == "id" else None)
        return self._uuids(text, kind) if "-" in text else text

    def _uuids(self, text: str, kind: str | None) -> str:
        """`_UUID.sub(label, text)`, in one fast scan for the tails. Leftmost matches never overlap, so a
        tail counts when its 8 hex characters lie after the end of the previous id."""
        parts: list[str] = []
        done = 0  # text[:done] is in parts
        for match in _UUID_TAIL.finditer(text):
            start = match.start() - 8
            if start < done or not _HEX8.fullmatch(text, start, match.start()):
                continue
            parts += (text[done:start], self._label(text[start : match.end()], kind))
            done = match.end()
        return "".join(parts) + text[done:] if parts else text

    def _diff_paths(self, text: str) -> str:
        """Turn diffs name files from the nearest `.git` up the tree (an empty /tmp/.git left by codex's
        sandbox is enough); cut the part above the session's directories so the golden stays stable."""
        for path in sorted(self.paths, key=len, reverse=True):
            parts = Path(path).parts[1:]
            for i in range(len(parts)):
                rel = "/".join(parts[i:])
                text = text.replace(f"a/{rel}/", "a/").replace(f"b/{rel}/", "b/")
        return text

    def _label(self, raw: str, kind: str | None) -> str:
        if raw not in self._labels:
            name = kind or "id"
            self._counts[name] = self._counts.get(name, 0) + 1
            self._labels[raw] = f"<{name} {self._counts[name]}>"
        return self._labels[raw]


def _merge_output_deltas(lines: list[Line]) -> list[Line]:
    """Consecutive output deltas of one command become one: how a process's output is chunked is not behaviour."""
    out: list[Line] = []
    for line in lines:
        prev = out[-1].message if out else {}
        method = line.message.get("method")
        if method == "item/commandExecution/outputDelta" and prev.get("method") == method and \
                prev["params"].get("itemId") == line.message["params"].get("itemId"):  # fmt: skip
            merged = {**prev["params"], "delta": prev["params"]["delta"] + line.message["params"]["delta"]}
            out[-1] = Line(line.direction, {**prev, "params": merged})
            continue
        out.append(line)
    return out


def normalise(transcript: Transcript, paths: Mapping[str, str] | None = None) -> Transcript:
    return Normaliser(dict(paths or {})).transcript(transcript)


def diff(expected: Transcript, actual: Transcript, names: tuple[str, str] = ("golden", "actual")) -> list[str]:
    """A unified diff of two transcripts, one message per line; empty when they are equal."""
    rendered = expected.render(), actual.render()
    if rendered[0] == rendered[1]:  # the usual case: one comparison instead of hashing every line for difflib
        return []
    a, b = rendered[0].splitlines(), rendered[1].splitlines()
    return list(difflib.unified_diff(a, b, names[0], names[1], n=1, lineterm=""))


def methods_diff(expected: Iterable[str], actual: Iterable[str]) -> list[str]:
    return list(difflib.unified_diff(list(expected), list(actual), "expected", "actual", n=2, lineterm=""))
