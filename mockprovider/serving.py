"""Serve an aiohttp app on loopback until SIGINT/SIGTERM, announcing the address on stdout."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
# An app may set this to wrap the server's request handler: a hot endpoint can then skip the router.
FAST_PATH: web.AppKey[Callable[[Handler], Handler]] = web.AppKey("reelkit_fast_path")


async def start_site(app: web.Application, host: str, port: int, reuse_port: bool = False) -> tuple[web.AppRunner, int]:
    """Start `app` on host:port (0 = a free port); return the runner and the bound port."""
    # handler_cancellation: a client that hangs up cancels its handler, so a stalled stream never
    # outlives its client; the short shutdown timeout keeps stop() prompt with streams in flight.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, handler_cancellation=True, shutdown_timeout=2.0)
    await runner.setup()
    wrap = app.get(FAST_PATH)
    if wrap is not None and runner.server is not None:
        runner.server.request_handler = wrap(runner.server.request_handler)
    await web.TCPSite(runner, host, port, reuse_address=True, reuse_port=reuse_port or None).start()
    return runner, runner.addresses[0][1]


async def serve_until_signal(
    app: web.Application, host: str, port: int, *, reuse_port: bool = False, announce: bool = True
) -> None:
    """The first stdout line is `listening on http://HOST:PORT` (flushed); logs go to stderr."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner, bound = await start_site(app, host, port, reuse_port)
    try:
        if announce:
            print(f"listening on http://{host}:{bound}", flush=True)  # noqa: T201 - the announced address is the interface
        await stop.wait()
    finally:
        await runner.cleanup()


def free_port(host: str) -> int:
    """A port that several SO_REUSEPORT workers can then all bind."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
