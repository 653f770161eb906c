"""`python -m harness`: record and replay agent sessions."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click

from mockprovider.serving import serve_until_signal

from .proxy import create_proxy_app
from .redact import Redactor


@click.group()
def cli() -> None:
    """Record real provider streams into cassettes; replay and compare them."""


@cli.command()
@click.option("--upstream", required=True, help="Provider base URL, e.g. https://api.openai.com/v1")
@click.option("--cassette", "cassette_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, show_default=True, type=int, help="0 picks a free port.")
@click.option("--secret-env", multiple=True, help="Also scrub the value of this environment variable.")
@click.option(
    "--synthetic/--real", default=None, help="Label the recording (default: synthetic iff upstream is loopback)."
)
@click.option("-v", "--verbose", count=True)
def proxy(
    upstream: str,
    cassette_path: Path,
    host: str,
    port: int,
    secret_env: tuple[str, ...],
    synthetic: bool | None,
    verbose: int,
) -> None:
    """Forward to UPSTREAM, tee every chunk to the client, write the cassette atomically."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING - 10 * verbose, format="%(name)s: %(message)s")
    app = create_proxy_app(upstream, cassette_path, Redactor.from_env(secret_env), synthetic)
    try:
        asyncio.run(serve_until_signal(app, host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def main() -> None:
    cli(prog_name="harness")
