"""`python -m server`: the app-server on stdio (logs to stderr; stdout carries only the wire)."""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from .app import serve_stdio
from .config import codex_home


@click.command()
@click.option("--listen", default="stdio://", show_default=True, help="Only stdio:// is supported.")
@click.option(
    "--log-level", default="WARNING", show_default=True, type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"])
)
def cli(listen: str, log_level: str) -> None:
    """A Codex app-server (protocol v2) speaking newline-delimited JSON-RPC on stdio."""
    if listen != "stdio://":
        raise click.UsageError(f"unsupported --listen {listen!r}: only stdio:// is available")
    logging.basicConfig(stream=sys.stderr, level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve_stdio(codex_home()))


def main() -> None:
    cli(prog_name="server")
