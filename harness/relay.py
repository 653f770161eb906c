"""A logging relay: a WebSocket app-server endpoint that forwards each client to an app-server on stdio and
writes the client-side transcript in the golden format.

Recording a TUI session by hand (CODEX_HOME pointing at a mock provider, e.g. `python -m mockprovider serve`):

    python -m harness relay --listen ws://127.0.0.1:0 --out tui.jsonl      # prints the address
    codex --remote ws://127.0.0.1:PORT                                      # use it, then quit

`harness.replay.replay_transcript` then plays the client's side against a server (with the same mock
script) and `canonical` compares (tests/server/tui/test_relay.py does exactly this).
Each client connection gets its own server process (so its session is self-contained) and its own
transcript: the first goes to OUT, later ones to OUT-2, OUT-3, ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import WSMsgType, web

from server.listen_url import ListenUrl

from .transcript import Direction, Transcript, normalise

log = logging.getLogger("harness.relay")
MAX_MESSAGE = 64 * 1024 * 1024


@dataclass
class Relay:
    server: Sequence[str]
    out: Path
    labels: Mapping[str, str]
    cwd: Path | None = None  # the server's working directory and environment (default: the relay's)
    env: Mapping[str, str] | None = None
    sessions: int = 0
    done: list[Path] = field(default_factory=list)  # transcripts written so far
    on_saved: Callable[[Path], None] | None = None

    def out_path(self, number: int) -> Path:
        return self.out if number == 1 else self.out.with_name(f"{self.out.stem}-{number}{self.out.suffix}")

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="Connection header did not include 'upgrade'")
        await ws.prepare(request)
        self.sessions += 1
        path = self.out_path(self.sessions)
        transcript = Transcript()
        proc = await asyncio.create_subprocess_exec(
            *self.server, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=MAX_MESSAGE,
            cwd=self.cwd, env=dict(self.env) if self.env is not None else None,
        )  # fmt: skip
        try:
            await _pump(ws, proc, transcript)
        finally:
            await _stop(proc)
            normalise(transcript, self.labels).save(path)
            self.done.append(path)
            if self.on_saved:
                self.on_saved(path)
        return ws


def _record(transcript: Transcript, direction: Direction, text: str | bytes) -> None:
    try:
        message = json.loads(text)
    except ValueError:
        log.warning("not JSON, passed on but not recorded: %.200r", text)
        return
    if isinstance(message, dict):
        transcript.add(direction, message)


async def _pump(ws: web.WebSocketResponse, proc: asyncio.subprocess.Process, transcript: Transcript) -> None:
    assert proc.stdin is not None
    assert proc.stdout is not None
    stdout = proc.stdout

    async def server_to_client() -> None:
        while line := await stdout.readline():
            _record(transcript, "S->C", line)
            await ws.send_str(line.decode().rstrip("\n"))
        await ws.close()

    downstream = asyncio.get_running_loop().create_task(server_to_client())
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            _record(transcript, "C->S", msg.data)
            proc.stdin.write(msg.data.encode() + b"\n")
            await proc.stdin.drain()
    except (ConnectionError, BrokenPipeError):
        log.warning("the server went away")
    finally:
        proc.stdin.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(downstream, 10)  # what the server says after the client left is kept
        downstream.cancel()


async def _stop(proc: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()
        await proc.wait()


def default_labels() -> dict[str, str]:
    labels = {str(Path.cwd()): "<CWD>"}
    if home := os.environ.get("CODEX_HOME"):
        labels[str(Path(home).resolve())] = "<CODEX_HOME>"
        labels[home] = "<CODEX_HOME>"
    return labels


async def start_relay(relay: Relay, url: ListenUrl) -> tuple[web.AppRunner, str]:
    """Serve the relay at `url` (ws://IP:PORT or unix://PATH); returns the runner and the bound address."""
    app = web.Application()
    app.router.add_get("/readyz", _ok)
    app.router.add_route("*", "/{tail:.*}", relay.websocket)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=10)
    await runner.setup()
    if url.kind == "ws":
        await web.TCPSite(runner, url.host, url.port).start()
        return runner, f"ws://{url.host}:{runner.addresses[0][1]}"
    if url.kind == "unix" and url.path is not None:
        await web.UnixSite(runner, str(url.path)).start()
        return runner, f"unix://{url.path}"
    await runner.cleanup()
    raise ValueError("the relay listens on ws://IP:PORT or unix://PATH")


async def _ok(_: web.Request) -> web.Response:
    return web.Response()


def run_relay(listen: str, server: str | None, out: Path) -> None:
    """The `harness relay` command: serve until SIGINT/SIGTERM, announcing the address on stderr."""
    import shlex
    import signal
    import sys

    import click

    from server.listen_url import ListenError, parse_listen

    from .session import server_argv

    try:
        url = parse_listen(listen)
    except ListenError as exc:
        raise click.BadParameter(str(exc), param_hint="--listen") from None

    async def main() -> None:
        relay = Relay(server_argv(server), out, default_labels())
        relay.on_saved = lambda path: click.echo(f"wrote {path}", err=True)
        runner, address = await start_relay(relay, url)
        click.echo(f"relay listening on: {address} -> {shlex.join(relay.server)}", err=True)
        sys.stderr.flush()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()

    try:
        asyncio.run(main())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot relay on {listen}: {exc}") from None
