"""Serve one client over stdio until it closes stdin (exit 0) or a signal asks us to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from .connection import Connection
from .dispatch import Dispatcher
from .state import ServerState
from .transport import StdioTransport

log = logging.getLogger("server")


async def serve_stdio(home: Path) -> None:
    transport = await StdioTransport.open()
    conn = Connection(transport.write)
    state = ServerState(home)
    dispatcher = Dispatcher(state, conn)
    writer = asyncio.get_running_loop().create_task(conn.run_writer())
    reading = asyncio.get_running_loop().create_task(_read(transport, dispatcher, conn))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    stopper = asyncio.get_running_loop().create_task(stop.wait())
    await asyncio.wait({reading, stopper}, return_when=asyncio.FIRST_COMPLETED)
    reading.cancel()
    stopper.cancel()
    # The client is gone (or we were told to stop): end running turns as interrupted, flush rollouts.
    conn.cancel_pending()
    await state.close()
    for task in list(dispatcher.tasks):
        task.cancel()
    await dispatcher.drain()
    await conn.close()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(writer, 5)


async def _read(transport: StdioTransport, dispatcher: Dispatcher, conn: Connection) -> None:
    async for line in transport.lines():
        await conn.writable()
        try:
            dispatcher.feed(line)
        except Exception:  # one bad line must never stop the server reading the next
            log.exception("dropped a line that could not be routed: %.200r", line)
