"""Replace several files (a cassette and its golden) as one step that a kill cannot leave half done.

Each new file is written beside its target as `NAME.reelkit-new` and fsynced; then an intent file
`CASSETTE.reelkit-commit` naming the pairs appears (atomically); then the renames run; then the intent
goes. A process killed before the intent exists leaves only stray temp files: `recover()` deletes them and
the old files are untouched. Killed after it, `recover()` finishes the renames: the new set is complete.
Everything that reads or records a cassette calls `recover()` first.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

NEW = ".reelkit-new"
INTENT = ".reelkit-commit"


def _intent(path: Path) -> Path:
    return path.with_name(path.name + INTENT)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_files(files: dict[Path, str]) -> None:
    """Write every file in `files` (the first one names the set), all or none."""
    if not files:
        return
    first = next(iter(files))
    first.parent.mkdir(parents=True, exist_ok=True)
    pairs: list[tuple[str, str]] = []
    for path, text in files.items():
        staged = path.with_name(path.name + NEW)
        _write_synced(staged, text.encode("utf-8"))
        pairs.append((str(staged), str(path)))
    intent = _intent(first)
    staged_intent = intent.with_name(intent.name + NEW)
    _write_synced(staged_intent, json.dumps(pairs).encode())
    os.replace(staged_intent, intent)  # from here on the new set wins, even if we are killed
    _sync_dir(first.parent)
    _finish(intent, pairs)


def _finish(intent: Path, pairs: list[tuple[str, str]]) -> None:
    for staged, final in pairs:
        if os.path.exists(staged):
            os.replace(staged, final)
    _sync_dir(intent.parent)
    intent.unlink(missing_ok=True)


def recover(path: Path) -> None:
    """Complete an interrupted commit of `path`'s set, or clear the temp files of one that never began."""
    intent = _intent(path)
    if intent.exists():
        try:
            pairs = [(str(a), str(b)) for a, b in json.loads(intent.read_text(encoding="utf-8"))]
        except (ValueError, TypeError):
            pairs = []  # cannot happen short of a disk fault: the intent is renamed into place whole
        _finish(intent, pairs)
    if path.parent.is_dir():
        for stray in path.parent.glob(f"{_glob_escape(path.stem)}.*{NEW}"):
            stray.unlink(missing_ok=True)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
