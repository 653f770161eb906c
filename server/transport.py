"""Newline-delimited JSON over stdio: framing only.

While serving, the wire is a private duplicate of fd 1 and fd 1 itself points at stderr, so a stray
print() anywhere in the process cannot corrupt the protocol stream.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

MAX_LINE = 64 * 1024 * 1024  # a client may send large inputs (images as data URLs)


def _is_stream(fd: int) -> bool:
    """Pipes, sockets and terminals can join the event loop; a regular file (`< requests.jsonl`) cannot."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


@dataclass(slots=True)
class StdioTransport:
    reader: asyncio.StreamReader
    write_bytes: Callable[[bytes], Awaitable[None]]
    feeder: asyncio.Task[None] | None = None  # reads stdin when it is a regular file

    @classmethod
    async def open(cls) -> StdioTransport:
        loop = asyncio.get_running_loop()
        wire_fd = os.dup(1)
        os.dup2(2, 1)  # fd 1 now goes to stderr; only the private duplicate carries the wire
        sys.stdout = sys.stderr
        reader = asyncio.StreamReader(limit=MAX_LINE)
        feeder = None
        if _is_stream(0):
            stdin = os.fdopen(0, "rb", buffering=0)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        else:
            feeder = loop.create_task(_feed_from_file(reader, 0))
        if not _is_stream(wire_fd):
            return cls(reader, _file_writer(wire_fd), feeder)
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_fd, "wb", buffering=0)
        )
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)

        async def write(data: bytes) -> None:
            writer.write(data)
            await writer.drain()

        return cls(reader, write, feeder)

    async def lines(self) -> AsyncIterator[bytes]:
        while True:
            try:
                line = await self.reader.readline()
            except ValueError:
                # Over MAX_LINE: drop the rest of that line and go on; the client gets no answer for it.
                await self._skip_to_newline()
                continue
            if not line:
                return
            yield line

    async def _skip_to_newline(self) -> None:
        while True:
            try:
                await self.reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as exc:
                await self.reader.readexactly(exc.consumed)
            except asyncio.IncompleteReadError:
                return

    async def write(self, data: bytes) -> None:
        await self.write_bytes(data)


async def _feed_from_file(reader: asyncio.StreamReader, fd: int) -> None:
    """Read a regular file in a worker thread (the event loop cannot watch files), then end the stream."""
    loop = asyncio.get_running_loop()
    while chunk := await loop.run_in_executor(None, os.read, fd, 1 << 16):
        reader.feed_data(chunk)
    reader.feed_eof()


def _file_writer(fd: int) -> Callable[[bytes], Awaitable[None]]:
    async def write(data: bytes) -> None:
        view = memoryview(data)
        while view:  # a regular file takes writes at once; loop only for the rare short write
            view = view[os.write(fd, view) :]

    return write
