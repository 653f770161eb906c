"""The turn's diff, as codex reports it in `turn/diff/updated`: every file apply_patch touched during the
turn, from its content when the turn first touched it to its content now, in `git diff` format (blob ids
included, as codex's own tracker prints them)."""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

_NO_BLOB = "0" * 40


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def repo_root(cwd: Path) -> Path:
    """Where codex anchors diff paths: the nearest directory holding a `.git` entry (any kind, even an empty
    one, as codex checks), else the cwd."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return cwd


@dataclass(slots=True)
class TurnDiff:
    cwd: Path
    baseline: dict[Path, bytes | None] = field(default_factory=dict)  # None: the file did not exist
    root: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = repo_root(self.cwd)

    def touch(self, *paths: Path) -> None:
        """Remember what the files hold before the turn's first change to them."""
        for path in paths:
            if path not in self.baseline:
                self.baseline[path] = _read(path)

    def render(self) -> str:
        return "".join(self._file(path, old) for path, old in sorted(self.baseline.items()))

    def _file(self, path: Path, old: bytes | None) -> str:
        new = _read(path)
        if new == old:
            return ""
        name = os.path.relpath(path, self.root) if path.is_relative_to(self.root) else str(path)
        mode = "100755" if new is not None and os.access(path, os.X_OK) else "100644"
        head = [f"diff --git a/{name} b/{name}"]
        if old is None:
            head += [f"new file mode {mode}", f"index {_NO_BLOB}..{_blob_id(new or b'')}"]
        elif new is None:
            head += [f"deleted file mode {mode}", f"index {_blob_id(old)}..{_NO_BLOB}"]
        else:
            head += [f"index {_blob_id(old)}..{_blob_id(new)} {mode}"]
        before = "/dev/null" if old is None else f"a/{name}"
        after = "/dev/null" if new is None else f"b/{name}"
        hunks = difflib.unified_diff(_lines(old), _lines(new), before, after, lineterm="")
        return "\n".join(head + list(hunks)) + "\n"


def _lines(data: bytes | None) -> list[str]:
    return (data or b"").decode("utf-8", errors="replace").splitlines()
