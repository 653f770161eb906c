"""Serve many clients at once over WebSocket, on loopback TCP (`ws://IP:PORT`) or a unix socket.

One JSON-RPC message per text frame. Every connection has its own handshake, ids, pending server
requests and dispatcher; threads are shared (one ServerState). A client that goes away only loses its
subscriptions and its open server requests: its threads keep running, and a client that resumes one
later sees everything the turn did meanwhile (the rollout and the loaded thread keep it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import WSMsgType, web

from .connection import Connection
from .dispatch import Dispatcher
from .listen_url import ListenUrl, socket_target
from .state import ServerState
from .transport import MAX_LINE

log = logging.getLogger("server.listen")
NO_UPGRADE = "Connection header did not include 'upgrade'"


@dataclass(slots=True)
class Hub:
    """The shared state and the live connections (so shutdown can close them)."""

    state: ServerState
    sockets: set[web.WebSocketResponse] = field(default_factory=set)

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_LINE, autoping=True)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text=NO_UPGRADE)
        await ws.prepare(request)
        self.sockets.add(ws)
        try:
            await serve_socket(self.state, ws)
        finally:
            self.sockets.discard(ws)
        return ws

    async def close_all(self) -> None:
        for ws in list(self.sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server shutting down")


async def _ok(_: web.Request) -> web.Response:
    return web.Response(status=200)


async def serve_socket(state: ServerState, ws: web.WebSocketResponse) -> None:
    """One client: read frames until it closes, then detach it from the shared threads."""

    async def write(data: bytes) -> None:
        await ws.send_str(data.decode().removesuffix("\n"))  # the queue holds newline-framed lines

    conn = Connection(write)
    dispatcher = Dispatcher(state, conn)
    writer = asyncio.get_running_loop().create_task(conn.run_writer())
    try:
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await conn.writable()
                _feed(dispatcher, msg.data.encode())
            elif msg.type is WSMsgType.BINARY:
                log.warning("dropped a binary frame: JSON-RPC messages come in text frames")
    finally:
        detach(state, conn)
        await conn.close()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(writer, 5)


def _feed(dispatcher: Dispatcher, data: bytes) -> None:
    try:
        dispatcher.feed(data)
    except Exception:  # one bad frame must never stop the connection reading the next
        log.exception("dropped a frame that could not be routed: %.200r", data)


def detach(state: ServerState, conn: Connection) -> None:
    """The client is gone: nobody can answer its open requests, and it no longer follows any thread."""
    conn.cancel_pending()
    for thread in state.threads.values():
        thread.subscribers.discard(conn)


def make_app(hub: Hub) -> web.Application:
    app = web.Application(client_max_size=MAX_LINE)
    app.router.add_get("/readyz", _ok)
    app.router.add_get("/healthz", _ok)
    app.router.add_route("*", "/{tail:.*}", hub.websocket)
    return app


async def serve_listener(home: Path, url: ListenUrl, announce: Callable[[str], None]) -> None:
    """Serve until SIGINT/SIGTERM; `announce` gets codex's start-up lines."""
    stop = _stop_on_signal()  # before the address is announced: a client may stop us at once
    state = ServerState(home)
    hub = Hub(state)
    runner = web.AppRunner(make_app(hub), access_log=None, handle_signals=False, handler_cancellation=True)
    await runner.setup()
    cleanup: Callable[[], None] = lambda: None  # noqa: E731 - replaced for unix sockets
    try:
        if url.kind == "ws":
            site = web.TCPSite(runner, url.host, url.port, reuse_address=True)
            await site.start()
            announce_ws(url.host, runner.addresses[0][1], announce)
        else:
            cleanup = await start_unix(runner, url.socket_path(home))
        await stop.wait()
    finally:
        await hub.close_all()
        await runner.cleanup()
        cleanup()
        await state.close()


def announce_ws(host: str, port: int, announce: Callable[[str], None]) -> None:
    shown = f"[{host}]" if ":" in host else host
    announce("codex app-server (WebSockets)")
    announce(f"  listening on: ws://{shown}:{port}")
    announce(f"  readyz: http://{shown}:{port}/readyz")
    announce(f"  healthz: http://{shown}:{port}/healthz")
    announce("  note: binds localhost only (use SSH port-forwarding for remote access)")


async def start_unix(runner: web.AppRunner, path: Path) -> Callable[[], None]:
    """Bind the socket at a short private path and link `path` to it; returns the undo."""
    target = socket_target(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in (path, target):
        _remove_stale(stale)
    await web.UnixSite(runner, str(target)).start()
    os.symlink(target, path)

    def undo() -> None:
        for leftover in (path, target):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    return undo


def _remove_stale(path: Path) -> None:
    """A socket (or link to one) left by a server that died is removed; a live one is an error."""
    if not path.is_symlink() and not path.exists():
        return
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()
            return
    raise OSError(f"{path} is in use by a running app-server")


def _stop_on_signal() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def announce_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # noqa: T201 - codex's start-up lines are the interface
