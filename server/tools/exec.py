"""Unified exec: shell commands as sessions that can outlive one tool call (`exec_command` + `write_stdin`).

Every command runs under the sandbox launcher. A call waits up to its `yield_time_ms` for the process
to finish; if it is still running, the model gets the output so far and a session id to poll or type
into later. Output is delivered to an `on_output` callback as it arrives (for outputDelta
notifications) and kept for the model's next read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from server.sandbox import EXIT_REFUSED, SandboxPolicy, wrap

OutputSink = Callable[[bytes], None]
MAX_SESSIONS = 64
_SECRET_ENV = re.compile(r"KEY|SECRET|TOKEN|PASSWORD", re.IGNORECASE)  # never handed to model-run commands


@dataclass(frozen=True, slots=True)
class ExecResult:
    output: str
    wall_time: float
    exit_code: int | None  # None while the process still runs
    session_id: int | None  # set while the process still runs
    chunk_id: str = field(default_factory=lambda: secrets.token_hex(3))
    refused: bool = False  # the sandbox could not be enforced, so nothing ran
    process_id: int | None = None  # the session's id, kept after exit (codex reports it on the item)

    def for_model(self, max_output_tokens: int | None = None) -> str:
        text, tokens = truncate(self.output, max_output_tokens)
        status = (
            f"Process exited with code {self.exit_code}"
            if self.session_id is None
            else f"Process running with session ID {self.session_id}"
        )
        return (
            f"Chunk ID: {self.chunk_id}\nWall time: {self.wall_time:.4f} seconds\n{status}\n"
            f"Original token count: {tokens}\nOutput:\n{text}"
        )


def approx_tokens(text: str) -> int:
    return (len(text) + 3) // 4


def truncate(text: str, max_tokens: int | None) -> tuple[str, int]:
    """Keep the head and tail within the token budget and say what was dropped, in codex's words."""
    tokens = approx_tokens(text)
    if max_tokens is None or tokens <= max_tokens:
        return text, tokens
    keep = max(1, max_tokens * 4 // 2)
    warning = (
        f"Warning: truncated output (original token count: {tokens})\nTotal output lines: {len(text.splitlines())}"
    )
    return f"{warning}\n\n{text[:keep]}…{tokens - max_tokens} tokens truncated…{text[-keep:]}", tokens


def command_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _SECRET_ENV.search(k)}
    env.update({"PAGER": "cat", "GIT_PAGER": "cat", "TERM": env.get("TERM", "dumb")}, **(extra or {}))
    return env


@dataclass(slots=True)
class ExecSession:
    id: int
    process: asyncio.subprocess.Process
    started: float
    sink: OutputSink | None
    buffer: bytearray = field(default_factory=bytearray)
    aggregated: bytearray = field(default_factory=bytearray)
    reader: asyncio.Task[None] | None = None
    pty_fd: int | None = None

    def feed(self, data: bytes) -> None:
        self.buffer.extend(data)
        self.aggregated.extend(data)
        if self.sink is not None:
            self.sink(data)

    def take(self) -> str:
        text = self.buffer.decode("utf-8", errors="replace")
        self.buffer.clear()
        return text

    async def done(self, timeout: float) -> bool:
        """Wait (bounded) for exit and for the reader to drain everything the process wrote."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.process.wait()
                if self.reader is not None:
                    await self.reader
                return True
        return self.process.returncode is not None and (self.reader is None or self.reader.done())


@dataclass(slots=True)
class ExecManager:
    """Owns a thread's exec sessions; `close()` kills them all (turn interrupt, thread shutdown)."""

    sessions: dict[int, ExecSession] = field(default_factory=dict)

    async def start(
        self,
        argv: list[str],
        cwd: Path,
        policy: SandboxPolicy,
        *,
        yield_ms: int = 10_000,
        tty: bool = False,
        sink: OutputSink | None = None,
        sandbox_cwd: Path | None = None,
    ) -> ExecResult:
        if len(self.sessions) >= MAX_SESSIONS:
            await self._evict_oldest()
        # Writable roots come from the turn's cwd (`sandbox_cwd`); `cwd` (the model's workdir) only sets where it runs.
        session = await self._spawn(wrap(argv, policy, sandbox_cwd or cwd), cwd, tty, sink)
        return await self._collect(session, yield_ms / 1000)

    async def write_stdin(
        self, session_id: int, chars: str, yield_ms: int, sink: OutputSink | None = None
    ) -> ExecResult:
        session = self.sessions.get(session_id)
        if session is None:
            raise KeyError(f"Unknown session id {session_id}")
        if sink is not None:
            session.sink = sink
        if chars:
            await self._write(session, chars.encode())
        return await self._collect(session, yield_ms / 1000)

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            await _kill(session)
        self.sessions.clear()

    async def _spawn(self, argv: list[str], cwd: Path, tty: bool, sink: OutputSink | None) -> ExecSession:
        master = None
        if tty:
            master, slave = pty.openpty()
            io: dict[str, int] = {"stdin": slave, "stdout": slave, "stderr": slave}
        else:
            io = {
                "stdin": asyncio.subprocess.PIPE,
                "stdout": asyncio.subprocess.PIPE,
                "stderr": asyncio.subprocess.STDOUT,
            }
        proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=command_env(), start_new_session=True, **io)  # type: ignore[arg-type]
        if tty:
            os.close(io["stdout"])
        session = ExecSession(self._new_id(), proc, time.monotonic(), sink, pty_fd=master)
        session.reader = asyncio.create_task(_read_pty(session) if tty else _read_pipe(session))
        self.sessions[session.id] = session
        return session

    async def _collect(self, session: ExecSession, wait_s: float) -> ExecResult:
        finished = await session.done(max(0.0, wait_s))
        wall = time.monotonic() - session.started
        if not finished:
            return ExecResult(session.take(), wall, None, session.id, process_id=session.id)
        self.sessions.pop(session.id, None)
        code = session.process.returncode
        return ExecResult(session.take(), wall, code, None, refused=code == EXIT_REFUSED, process_id=session.id)

    async def _write(self, session: ExecSession, data: bytes) -> None:
        if session.pty_fd is not None:
            os.write(session.pty_fd, data)
        elif session.process.stdin is not None:
            session.process.stdin.write(data)
            with contextlib.suppress(ConnectionError):
                await session.process.stdin.drain()

    def _new_id(self) -> int:
        while (sid := random.randint(1000, 99_999)) in self.sessions:
            continue
        return sid

    async def _evict_oldest(self) -> None:
        oldest = min(self.sessions.values(), key=lambda s: s.started)
        await _kill(self.sessions.pop(oldest.id))


async def _read_pipe(session: ExecSession) -> None:
    stream = session.process.stdout
    assert stream is not None  # spawned with stdout=PIPE
    while chunk := await stream.read(65536):
        session.feed(chunk)


async def _read_pty(session: ExecSession) -> None:
    loop = asyncio.get_running_loop()
    fd = session.pty_fd
    assert fd is not None  # spawned with a pty
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            queue.put_nowait(os.read(fd, 65536))
        except OSError:
            queue.put_nowait(b"")  # EIO: every slave end closed, the process is gone

    loop.add_reader(fd, readable)
    try:
        while chunk := await queue.get():
            session.feed(chunk)
    finally:
        loop.remove_reader(fd)
        os.close(fd)
        session.pty_fd = None


async def _kill(session: ExecSession) -> None:
    # The launcher forwards SIGTERM to the command's group and reaps everything it left behind.
    with contextlib.suppress(ProcessLookupError):
        session.process.terminate()
    if not await session.done(2.0):
        with contextlib.suppress(ProcessLookupError):
            session.process.kill()
        await session.process.wait()
    if session.reader is not None and not session.reader.done():
        session.reader.cancel()
