"""One client connection: its handshake state, outbound messages, and server-to-client requests.

All output goes through one queue drained by one writer task, so messages are never interleaved and
the order handlers produce them in is the order the client sees.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("server.connection")
Writer = Callable[[bytes], Awaitable[None]]

# Output backpressure: past HIGH_WATER queued messages the reader stops taking input until the client
# has read the queue down to LOW_WATER, so a client that writes without reading cannot grow us unbounded.
HIGH_WATER, LOW_WATER = 4096, 1024
# Notifications only clients that opted into the experimental API receive.
EXPERIMENTAL_NOTIFICATIONS = frozenset({"thread/readState/changed", "item/plan/delta"})


class ClientRequestError(Exception):
    """The client answered a server request with an error (or could not be asked)."""

    def __init__(self, message: str, error: Any = None):
        super().__init__(message)
        self.error = error


@dataclass(slots=True, eq=False)  # identity semantics: connections live in sets
class Connection:
    writer: Writer
    initialized: bool = False
    experimental: bool = False
    client_name: str = "unknown"
    client_version: str = "0.0.0"
    opt_out: frozenset[str] = frozenset()
    closed: bool = False
    _queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    _room: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _pending: dict[int, tuple[asyncio.Future[Any], str | None]] = field(default_factory=dict)
    _peek: int = 0

    def __post_init__(self) -> None:
        self._room.set()

    async def writable(self) -> None:
        """Wait until the client has read enough of our output to take more input from it."""
        await self._room.wait()

    async def run_writer(self) -> None:
        while (data := await self._queue.get()) is not None:
            if self._queue.qsize() <= LOW_WATER:
                self._room.set()
            try:
                await self.writer(data)
            except (ConnectionError, BrokenPipeError):
                self.closed = True
                self._room.set()  # nobody will read again: let the reader run to EOF
                return

    def _send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        try:
            data = (text + "\n").encode()
        except UnicodeEncodeError:  # a lone surrogate from a file name or tool output: escape it, stay valid
            data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
        self._queue.put_nowait(data)
        if self._queue.qsize() >= HIGH_WATER:
            self._room.clear()

    def respond(self, request_id: int | str, result: Any) -> None:
        self._send({"id": request_id, "result": result})

    def error(self, request_id: int | str, error: dict[str, Any]) -> None:
        self._send({"id": request_id, "error": error})

    def notify(self, method: str, params: dict[str, Any]) -> None:
        if method in self.opt_out or (method in EXPERIMENTAL_NOTIFICATIONS and not self.experimental):
            return
        self._send({"method": method, "params": params, "emittedAtMs": int(time.time() * 1000)})

    async def request(self, method: str, params: dict[str, Any], thread_id: str | None = None) -> Any:
        """Send a server-to-client request and wait for the answer; cancellation withdraws it."""
        if self.closed:
            raise ClientRequestError("client disconnected")
        request_id = next(self._ids)
        self._peek = request_id + 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (future, thread_id)
        self._send({"id": request_id, "method": method, "params": params})
        try:
            return await future
        finally:
            self._pending.pop(request_id, None)

    def next_request_id(self) -> int:
        """The id the next server request will get (so callers can remember it for a re-send)."""
        return self._peek

    def resend(self, request_id: int, method: str, params: dict[str, Any]) -> None:
        """Ask again for a request that is still pending (a client resumed the thread)."""
        if request_id in self._pending:
            self._send({"id": request_id, "method": method, "params": params})

    def resolve(self, request_id: Any, result: Any = None, error: Any = None) -> bool:
        entry = self._pending.get(request_id) if isinstance(request_id, int) else None
        if entry is None or entry[0].done():
            return False
        if error is not None:
            entry[0].set_exception(
                ClientRequestError(str(error.get("message", error)) if isinstance(error, dict) else str(error), error)
            )
        else:
            entry[0].set_result(result)
        return True

    def cancel_pending(self, thread_id: str | None = None) -> None:
        """Fail pending server requests (all, or one thread's): on disconnect or when a turn ends."""
        for future, owner in list(self._pending.values()):
            if not future.done() and (thread_id is None or owner == thread_id):
                future.set_exception(ClientRequestError("request cancelled"))

    async def close(self) -> None:
        self.closed = True
        self.cancel_pending()
        await self._queue.put(None)
