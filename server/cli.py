"""`python -m server`: the app-server on stdio (default), a WebSocket port or a unix socket.

Logs go to stderr; on stdio, stdout carries only the wire.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .app import serve_stdio

if TYPE_CHECKING:
    from .listen_url import ListenUrl

LISTEN_HELP = "Transport endpoint URL: `stdio://` (default), `unix://`, `unix://PATH`, `ws://IP:PORT`, `off`."
DEFAULT_LOG_LEVEL = "WARNING"


def _log_to_stderr(level: str) -> None:
    logging.basicConfig(stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def codex_home() -> Path:
    """`server.config.codex_home`'s rule (a test keeps them equal) without importing config before the
    `initialize` answer: its TOML and resource imports cost start-up ~10 ms."""
    return Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex").expanduser().resolve()


def _stdio() -> None:
    asyncio.run(serve_stdio(codex_home()))


def _command() -> Any:
    """The click command, built only when there are options to parse (click costs start-up ~20 ms)."""
    import click

    from .listen_url import ListenError, parse_listen

    def _listen(_: click.Context, __: click.Parameter, value: str) -> ListenUrl:
        try:
            return parse_listen(value)
        except ListenError as exc:
            raise click.BadParameter(str(exc)) from None

    @click.command()
    @click.option("--listen", default="stdio://", show_default=True, callback=_listen, help=LISTEN_HELP)
    @click.option(
        "--log-level",
        default=DEFAULT_LOG_LEVEL,
        show_default=True,
        type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    )
    def cli(listen: ListenUrl, log_level: str) -> None:
        """A Codex app-server (protocol v2) speaking JSON-RPC."""
        _serve(listen, log_level)

    return cli


def _serve(listen: ListenUrl, log_level: str) -> None:
    import click

    _log_to_stderr(log_level)
    if listen.kind == "off":
        click.echo("Error: no transport configured; use --listen or enable remote control", err=True)
        sys.exit(1)
    if listen.kind == "ws" and not _loopback(listen.host):
        click.echo(f"Error: refusing to start non-loopback websocket listener {listen.host}:{listen.port} "
                   "without auth", err=True)  # fmt: skip
        sys.exit(1)
    if listen.kind == "stdio":
        _stdio()
        return
    from .listen import announce_stderr, serve_listener  # aiohttp's server side only when it is used

    try:
        asyncio.run(serve_listener(codex_home(), listen, announce_stderr))
    except OSError as exc:
        click.echo(f"Error: cannot listen on {listen.kind}: {exc}", err=True)
        sys.exit(1)


def _loopback(host: str) -> bool:
    import ipaddress

    return ipaddress.ip_address(host).is_loopback


def _default() -> None:
    """No options: what the click command does with its defaults (stdio), without importing click,
    exits included (click's standalone mode: `Aborted!` and 1 on an interrupt, 1 on a broken pipe)."""
    try:
        _log_to_stderr(DEFAULT_LOG_LEVEL)
        _stdio()
    except (KeyboardInterrupt, EOFError):
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        sys.exit(1)


def __getattr__(name: str) -> Any:
    if name == "cli":  # `from server.cli import cli` (the `reelkit app-server` command) builds it on demand
        return _command()
    raise AttributeError(name)


def main() -> None:
    if len(sys.argv) == 1 and "_SERVER_COMPLETE" not in os.environ:  # that variable asks click for completions
        _default()
        return
    _command()(prog_name="server")
