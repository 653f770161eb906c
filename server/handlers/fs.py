"""fs/*: the client's view of the local filesystem, as codex 0.163 answers it. Paths must be absolute (serde's
AbsolutePathBuf words otherwise); OS failures come back as -32603 with Rust's io::Error text
("No such file or directory (os error 2)"). fs/watch reports changes as `fs/changed` notifications."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import os
import shutil
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from server.errors import InternalError, InvalidRequest
from server.protocol.params_more import (
    FsCopyParams,
    FsCreateDirectoryParams,
    FsPathParams,
    FsRemoveParams,
    FsUnwatchParams,
    FsWatchParams,
    FsWriteFileParams,
)
from server.state import Ctx

from .extras import extras

T = TypeVar("T")
# codex batches a burst of changes into one notification; this is our batching window.
WATCH_DEBOUNCE_MS = 100


def _absolute(path: str) -> Path:
    if not os.path.isabs(path):
        raise InvalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path")
    return Path(path)


def io_error(exc: OSError) -> InternalError:
    """Rust's io::Error display: the OS text then `(os error N)`."""
    if exc.errno is None:
        return InternalError(str(exc))
    return InternalError(f"{os.strerror(exc.errno)} (os error {exc.errno})")


async def _io(fn: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(fn)
    except OSError as exc:
        raise io_error(exc) from None


async def read_file(ctx: Ctx, params: FsPathParams) -> dict[str, Any]:
    data = await _io(_absolute(params.path).read_bytes)
    return {"dataBase64": base64.b64encode(data).decode()}


def _write_bytes(path: Path, data: bytes) -> None:
    """Temp file then rename, so a reader never sees half a file; codex does not create parents."""
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "No such file or directory")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


async def write_file(ctx: Ctx, params: FsWriteFileParams) -> dict[str, Any]:
    path = _absolute(params.path)
    try:
        data = base64.b64decode(params.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        reason = _b64_reason(params.data_base64, exc)
        raise InvalidRequest(f"fs/writeFile requires valid base64 dataBase64: {reason}") from None
    await _io(lambda: _write_bytes(path, data))
    return {}


def _b64_reason(text: str, exc: Exception) -> str:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    for offset, char in enumerate(text):
        if char not in alphabet:
            return f"Invalid symbol {ord(char)}, offset {offset}."
    return "Invalid padding" if "padding" in str(exc) else str(exc)


async def create_directory(ctx: Ctx, params: FsCreateDirectoryParams) -> dict[str, Any]:
    path = _absolute(params.path)
    if params.recursive is False:
        await _io(path.mkdir)
    else:
        await _io(lambda: path.mkdir(parents=True, exist_ok=True))
    return {}


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


async def get_metadata(ctx: Ctx, params: FsPathParams) -> dict[str, Any]:
    path = _absolute(params.path)
    own = await _io(path.lstat)
    target = await _io(path.stat)
    birth = getattr(target, "st_birthtime", 0.0)  # Linux's statx birth time is not exposed by os.stat
    return {"isDirectory": stat.S_ISDIR(target.st_mode), "isFile": stat.S_ISREG(target.st_mode),
            "isSymlink": stat.S_ISLNK(own.st_mode), "createdAtMs": _ms(birth),
            "modifiedAtMs": _ms(target.st_mtime)}  # fmt: skip


def _entries(path: Path) -> list[dict[str, Any]]:
    out = []
    with os.scandir(path) as it:
        for entry in it:
            is_dir = entry.is_dir()
            out.append({"fileName": entry.name, "isDirectory": is_dir, "isFile": entry.is_file()})
    return out


async def read_directory(ctx: Ctx, params: FsPathParams) -> dict[str, Any]:
    return {"entries": await _io(lambda: _entries(_absolute(params.path)))}


def _remove(path: Path, recursive: bool, force: bool) -> None:
    if not path.exists() and not path.is_symlink():
        if force:
            return
        raise FileNotFoundError(2, "No such file or directory")
    if path.is_dir() and not path.is_symlink():
        if recursive:
            shutil.rmtree(path)
        else:
            path.rmdir()
    else:
        path.unlink()


async def remove(ctx: Ctx, params: FsRemoveParams) -> dict[str, Any]:
    path = _absolute(params.path)
    recursive = params.recursive is not False
    force = params.force is not False
    await _io(lambda: _remove(path, recursive, force))
    return {}


def _copy(source: Path, dest: Path, recursive: bool) -> None:
    if source.is_dir():
        if not recursive:
            raise IsADirectoryError(21, "Is a directory")
        shutil.copytree(source, dest, symlinks=True)
    else:
        shutil.copy2(source, dest)


async def copy(ctx: Ctx, params: FsCopyParams) -> dict[str, Any]:
    source, dest = _absolute(params.source_path), _absolute(params.destination_path)
    await _io(lambda: _copy(source, dest, bool(params.recursive)))
    return {}


@dataclass(slots=True)
class Watch:
    notify: Any  # watchfiles.RustNotify: its watching thread starts when it is made
    stop: threading.Event
    task: asyncio.Task[None] | None = None


def _watcher(path: Path) -> tuple[Any, Path]:
    """A native watcher on `path`, or on its nearest existing ancestor when it does not exist yet."""
    from watchfiles._rust_notify import RustNotify  # imported on first watch: start-up does not pay for it

    root = path
    while not root.exists() and root != root.parent:
        root = root.parent
    return RustNotify([str(root)], False, False, 50, root.is_dir(), True), root


async def watch(ctx: Ctx, params: FsWatchParams) -> dict[str, Any]:
    path = _absolute(params.path)
    watches = extras(ctx.state).watches
    if params.watch_id in watches:
        raise InvalidRequest(f"watchId already exists: {params.watch_id}")
    notify, _ = await _io(lambda: _watcher(path))  # watching from here on: changes after the answer are seen
    entry = Watch(notify, threading.Event())
    watches[params.watch_id] = entry
    entry.task = asyncio.get_running_loop().create_task(_pump(ctx, params.watch_id, path, entry))
    return {"path": str(path)}


def _under(changed: str, path: Path) -> bool:
    return changed == str(path) or changed.startswith(str(path).rstrip("/") + "/")


async def _pump(ctx: Ctx, watch_id: str, path: Path, entry: Watch) -> None:
    loop = asyncio.get_running_loop()

    def report(paths: list[str]) -> None:
        ctx.conn.notify("fs/changed", {"watchId": watch_id, "changedPaths": paths})

    def watching() -> None:
        """In a worker thread: wait for batches until stopped (checked every step, so exit is prompt)."""
        try:
            while not entry.stop.is_set():
                batch = entry.notify.watch(WATCH_DEBOUNCE_MS, 20, 250, entry.stop)
                if isinstance(batch, set) and (paths := sorted({p for _, p in batch if _under(p, path)})):
                    loop.call_soon_threadsafe(report, paths)
        finally:
            entry.notify.close()

    try:
        await asyncio.to_thread(watching)
    finally:
        entry.stop.set()  # also on cancellation (server shutdown): the thread returns within a step


async def unwatch(ctx: Ctx, params: FsUnwatchParams) -> dict[str, Any]:
    entry = extras(ctx.state).watches.pop(params.watch_id, None)
    if entry is not None and entry.task is not None:
        entry.stop.set()  # the watching thread returns within one step
        with contextlib.suppress(Exception):
            await entry.task
    return {}
