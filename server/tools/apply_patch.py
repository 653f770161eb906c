"""The `apply_patch` format: parse a patch, plan its file changes, and apply them atomically.

Stdlib only: run as a script (`python -S apply_patch.py`, planned changes as JSON on stdin) it is the
writer that runs inside the sandbox launcher, so patches are confined by the kernel like commands.

Grammar (as codex's freeform tool declares it): `*** Begin Patch`, hunks, `*** End Patch`; a hunk is
`*** Add File: P` + `+lines`, `*** Delete File: P`, or `*** Update File: P` [+ `*** Move to: Q`] with
`@@ [context]` sections of ` `/`-`/`+` lines, optionally ending `*** End of File`.
Planning is pure (it reads files but writes nothing), so approvals and `fileChange` items can show
the exact changes before anything touches the disk.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BEGIN, END = "*** Begin Patch", "*** End Patch"
ADD, DELETE, UPDATE, MOVE, EOF_MARK = (
    "*** Add File: ",
    "*** Delete File: ",
    "*** Update File: ",
    "*** Move to: ",
    "*** End of File",
)


class PatchError(ValueError):
    """A patch that does not parse or does not apply; the message is what the model is told."""


@dataclass(slots=True)
class Chunk:
    context: str | None  # the text after `@@`, used to find the section
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    at_eof: bool = False


@dataclass(slots=True)
class Hunk:
    kind: Literal["add", "delete", "update"]
    path: str
    content: str = ""  # add
    move_to: str | None = None  # update
    chunks: list[Chunk] = field(default_factory=list)  # update


@dataclass(frozen=True, slots=True)
class FileChange:
    """One planned change: what the `fileChange` item shows and what `apply` writes."""

    path: Path
    kind: Literal["add", "delete", "update"]
    diff: str
    new_text: str | None  # None for a deletion
    move_to: Path | None = None
    name: str = ""  # the path as the patch wrote it, for the summary the model reads

    def move_or_path(self) -> Path:
        return self.move_to or self.path

    def to_json(self) -> dict[str, str | None]:
        move = str(self.move_to) if self.move_to else None
        return {
            "path": str(self.path),
            "kind": self.kind,
            "new_text": self.new_text,
            "move_to": move,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, raw: dict[str, str | None]) -> FileChange:
        move = Path(str(raw["move_to"])) if raw.get("move_to") else None
        kind: Literal["add", "delete", "update"] = raw["kind"]  # type: ignore[assignment]
        return cls(Path(str(raw["path"])), kind, "", raw.get("new_text"), move, str(raw.get("name") or raw["path"]))


def parse(text: str) -> list[Hunk]:
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != BEGIN:
        raise PatchError(f"Invalid patch: the first line must be '{BEGIN}'")
    if lines[-1].strip() != END:
        raise PatchError(f"Invalid patch: the last line must be '{END}'")
    hunks: list[Hunk] = []
    i = 1
    while i < len(lines) - 1:
        hunk, i = _hunk(lines, i)
        hunks.append(hunk)
    if not hunks:
        raise PatchError("Invalid patch: no file operations between the begin and end markers")
    return hunks


def _hunk(lines: list[str], i: int) -> tuple[Hunk, int]:
    line = lines[i]
    if line.startswith(ADD):
        body, i = _take(lines, i + 1, lambda s: s.startswith("+"))
        return Hunk("add", line[len(ADD) :].strip(), "".join(s[1:] + "\n" for s in body)), i
    if line.startswith(DELETE):
        return Hunk("delete", line[len(DELETE) :].strip()), i + 1
    if line.startswith(UPDATE):
        hunk = Hunk("update", line[len(UPDATE) :].strip())
        i += 1
        if i < len(lines) and lines[i].startswith(MOVE):
            hunk.move_to, i = lines[i][len(MOVE) :].strip(), i + 1
        hunk.chunks, i = _chunks(lines, i, hunk.path)
        return hunk, i
    raise PatchError(f"Invalid patch: line {i + 1} is not a file operation: {line!r}")


def _take(lines: list[str], i: int, keep: Callable[[str], bool]) -> tuple[list[str], int]:
    out = []
    while i < len(lines) - 1 and keep(lines[i]):
        out.append(lines[i])
        i += 1
    return out, i


def _chunks(lines: list[str], i: int, path: str) -> tuple[list[Chunk], int]:
    chunks: list[Chunk] = []
    while i < len(lines) - 1 and (not lines[i].startswith("*** ") or lines[i] == EOF_MARK):
        line = lines[i]
        if line == EOF_MARK:
            if chunks:
                chunks[-1].at_eof = True
        elif line.startswith("@@"):
            chunks.append(Chunk(line[2:].strip() or None))
        else:
            if not chunks:
                chunks.append(Chunk(None))
            _change_line(chunks[-1], line, path)
        i += 1
    if not chunks or not any(c.old or c.new for c in chunks):
        raise PatchError(f"Invalid patch: update of {path} has no changes")
    return chunks, i


def _change_line(chunk: Chunk, line: str, path: str) -> None:
    mark, rest = (line[:1], line[1:]) if line else (" ", "")
    if mark == " ":
        chunk.old.append(rest)
        chunk.new.append(rest)
    elif mark == "-":
        chunk.old.append(rest)
    elif mark == "+":
        chunk.new.append(rest)
    else:
        raise PatchError(f"Invalid patch: unexpected line in update of {path}: {line!r}")


def plan(hunks: list[Hunk], cwd: Path) -> list[FileChange]:
    """Compute every change (reading current files) without writing anything."""
    return [_plan_one(h, cwd) for h in hunks]


def _plan_one(hunk: Hunk, cwd: Path) -> FileChange:
    path = (cwd / hunk.path).resolve()
    if hunk.kind == "add":
        return FileChange(path, "add", hunk.content, hunk.content, name=hunk.path)
    current = _read(path)
    if hunk.kind == "delete":
        return FileChange(path, "delete", current, None, name=hunk.path)
    new_text = _apply_chunks(current, hunk.chunks, path)
    move = (cwd / hunk.move_to).resolve() if hunk.move_to else None
    return FileChange(path, "update", unified(current, new_text), new_text, move, hunk.move_to or hunk.path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PatchError(f"Failed to read {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PatchError(f"Failed to read {path}: {exc}") from None


def _apply_chunks(text: str, chunks: list[Chunk], path: Path) -> str:
    lines = text.split("\n")
    trailing_newline = text.endswith("\n")
    if trailing_newline:
        lines = lines[:-1]
    cursor = 0
    for chunk in chunks:
        if chunk.context is not None:
            found = _find(lines, [chunk.context], cursor, False)
            cursor = found + 1 if found is not None else cursor
        at = _find(lines, chunk.old, cursor, chunk.at_eof) if chunk.old else len(lines)
        if at is None:
            raise PatchError(f"Failed to find expected lines in {path}:\n" + "\n".join(chunk.old))
        lines[at : at + len(chunk.old)] = chunk.new
        cursor = at + len(chunk.new)
    return "\n".join(lines) + ("\n" if trailing_newline or not text else "")


def _find(lines: list[str], wanted: list[str], start: int, at_eof: bool) -> int | None:
    """First index at or after `start` where `wanted` matches: exactly, then ignoring trailing, then all spacing."""
    for norm in (lambda s: s, str.rstrip, str.strip):
        target = [norm(w) for w in wanted]
        candidates = [len(lines) - len(wanted)] if at_eof else range(start, len(lines) - len(wanted) + 1)
        for i in candidates:
            if i >= 0 and [norm(s) for s in lines[i : i + len(wanted)]] == target:
                return i
    return None


def unified(old: str, new: str) -> str:
    """A unified diff starting at the first `@@` (the item carries the path separately)."""
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), n=3))
    return "".join(lines[2:])


def apply(changes: list[FileChange]) -> str:
    """Write the planned changes (each file atomically) and return codex's summary text."""
    summary = []
    for change in changes:
        if change.kind == "delete":
            change.path.unlink()
            summary.append(f"D {change.name or change.path}")
            continue
        target = change.move_to or change.path
        assert change.new_text is not None  # only deletions lack new text
        write_atomic(target, change.new_text)
        if change.move_to is not None and change.move_to != change.path:
            change.path.unlink()
        summary.append(f"{'A' if change.kind == 'add' else 'M'} {change.name or target}")
    return "Success. Updated the following files:\n" + "".join(line + "\n" for line in summary)


def rejected_text(mode: str) -> str:
    """codex's words when a patch needs approval the policy `never` cannot give (SANDBOX.md §10).

    A protected name under a writable root (`.git`, `.codex`, ...) counts as outside, so it gets the same text."""
    if mode == "read-only":
        return "patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings"
    return "patch rejected: writing outside of the project; rejected by user approval settings"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        # Keep an existing file's permissions; a new one gets what open() would give it (mkstemp's are 0600).
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    # The writer runs alone in its own process (see main), so reading the umask by setting it is safe.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def main() -> int:
    """Apply JSON-encoded planned changes from stdin; print the summary (the sandboxed writer)."""
    import json
    import sys

    try:
        changes = [FileChange.from_json(c) for c in json.load(sys.stdin)]
        sys.stdout.write(apply(changes))
    except OSError as exc:
        sys.stderr.write(f"{exc.strerror or exc}: {exc.filename}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
