"""`python -m server`: the app-server on stdio (default), a WebSocket port or a unix socket.

Logs go to stderr; on stdio, stdout carries only the wire.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from .app import serve_stdio
from .config import codex_home
from .listen_url import ListenError, ListenUrl, parse_listen

LISTEN_HELP = "Transport endpoint URL: `stdio://` (default), `unix://`, `unix://PATH`, `ws://IP:PORT`, `off`."


def _listen(_: click.Context, __: click.Parameter, value: str) -> ListenUrl:
    try:
        return parse_listen(value)
    except ListenError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.option("--listen", default="stdio://", show_default=True, callback=_listen, help=LISTEN_HELP)
@click.option(
    "--log-level", default="WARNING", show_default=True, type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"])
)
def cli(listen: ListenUrl, log_level: str) -> None:
    """A Codex app-server (protocol v2) speaking JSON-RPC."""
    logging.basicConfig(stream=sys.stderr, level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if listen.kind == "off":
        click.echo("Error: no transport configured; use --listen or enable remote control", err=True)
        sys.exit(1)
    if listen.kind == "ws" and not _loopback(listen.host):
        click.echo(f"Error: refusing to start non-loopback websocket listener {listen.host}:{listen.port} "
                   "without auth", err=True)  # fmt: skip
        sys.exit(1)
    if listen.kind == "stdio":
        asyncio.run(serve_stdio(codex_home()))
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


def main() -> None:
    cli(prog_name="server")
