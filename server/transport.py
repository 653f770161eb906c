"""Newline-delimited JSON over stdio: framing only.

While serving, the wire is a private duplicate of fd 1 and fd 1 itself points at stderr, so a stray
print() anywhere in the process cannot corrupt the protocol stream.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

MAX_LINE = 64 * 1024 * 1024  # a client may send large inputs (images as data URLs)


@dataclass(slots=True)
class StdioTransport:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    @classmethod
    async def open(cls) -> StdioTransport:
        loop = asyncio.get_running_loop()
        wire_fd = os.dup(1)
        os.dup2(2, 1)  # fd 1 now goes to stderr; only the private duplicate carries the wire
        sys.stdout = sys.stderr
        reader = asyncio.StreamReader(limit=MAX_LINE)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(0, "rb", buffering=0))
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_fd, "wb", buffering=0)
        )
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        return cls(reader, writer)

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
        self.writer.write(data)
        await self.writer.drain()
