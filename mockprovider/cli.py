"""`python -m mockprovider serve`: the mock Responses API from the command line."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from .cassette import Cassette, CassetteError
from .faults import FaultError
from .provider import MockProvider
from .script import Script, ScriptError
from .serving import free_port, serve_until_signal


@click.group()
def cli() -> None:
    """Mock LLM provider: OpenAI Responses and Chat Completions, Anthropic Messages (SSE as each service frames it)."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--script", "script_path", type=click.Path(dir_okay=False, path_type=Path), help="JSON/YAML script.")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(min=0), help="0 = instant.")
@click.option("--chunk-size", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--strict", is_flag=True, help="Reject requests that break codex's call/output pairing.")
@click.option("--seed", type=int, default=None, help="Seed the id generator for reproducible ids.")
@click.option("--loop", "loop_script", is_flag=True, help="Start the script over when it runs out.")
@click.option(
    "--cassette",
    "cassette_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Replay a recorded cassette (with --strict: exit 1 if any interaction was not played).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    help="With --cassette: lay a fault on a recording, e.g. 'interaction=2,cut_at_chunk=5' "
    "(also disconnect_at_chunk, corrupt_at_chunk, stall_at_chunk with stall_ms). Repeatable.",
)
@click.option(
    "--journal-max",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Keep at most N journal entries (0 = all).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes sharing the port (load tests; each keeps its own script cursor and journal).",
)
@click.option("--reuse-port", is_flag=True, hidden=True)
@click.option("--no-announce", is_flag=True, hidden=True)
@click.option("-v", "--verbose", count=True, help="Log requests to stderr.")
def serve(
    host: str,
    port: int,
    script_path: Path | None,
    speed: float,
    chunk_size: int,
    strict: bool,
    seed: int | None,
    loop_script: bool,
    cassette_path: Path | None,
    faults: tuple[str, ...],
    journal_max: int,
    workers: int,
    reuse_port: bool,
    no_announce: bool,
    verbose: int,
) -> None:
    """Serve until SIGINT/SIGTERM; the first stdout line is `listening on http://HOST:PORT`."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING - 10 * verbose, format="%(name)s: %(message)s")
    if script_path and cassette_path:
        raise click.UsageError("give --script or --cassette, not both")
    try:
        script = Script.load(script_path) if script_path else Script()
        cassette = Cassette.load(cassette_path) if cassette_path else None
    except (ScriptError, CassetteError) as exc:
        raise click.ClickException(str(exc)) from None
    script.loop = script.loop or loop_script
    try:
        provider = MockProvider(
            script,
            host=host,
            port=port,
            speed=speed,
            chunk_size=chunk_size,
            strict=strict,
            seed=seed,
            cassette=cassette,
            journal_max=journal_max,
            faults=faults,
        )
    except FaultError as exc:
        raise click.ClickException(str(exc)) from None
    children: list[subprocess.Popen[bytes]] = []
    if workers > 1:
        port, reuse_port = port or free_port(host), True
        children = [_spawn_worker(port) for _ in range(workers - 1)]
    try:
        run(serve_until_signal(provider.app, host, port, reuse_port=reuse_port, announce=not no_announce))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    finally:
        for child in children:
            child.terminate()
            child.wait(10)
    if strict and provider.unplayed():
        raise click.ClickException(f"strict: unplayed recorded interactions: {', '.join(provider.unplayed())}")


def _spawn_worker(port: int) -> subprocess.Popen[bytes]:
    """Our own command line again, as one more worker on the shared port."""
    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg in ("--workers", "--port"):
            skip = True
        elif not arg.startswith(("--workers=", "--port=")):
            args.append(arg)
    argv = [sys.executable, "-m", "mockprovider", *args, "--port", str(port), "--reuse-port", "--no-announce"]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def run(coro: Any) -> None:
    """uvloop when installed (a faster event loop for load tests), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)


def main() -> None:
    cli(prog_name="mockprovider")


@cli.command()
@click.option("--apis-only", is_flag=True, help="Only the three-API part (no codex CLI needed).")
def demo(apis_only: bool) -> None:
    """One script serving Responses, Chat Completions and Anthropic Messages; then the real codex CLI
    against the bundled demo script. Shows what crossed the wire."""
    from .demo import run_demo
    from .demo_apis import run_apis_demo

    code = asyncio.run(run_apis_demo(sys.stdout))
    if code or apis_only:
        sys.exit(code)
    try:
        code = run_demo()
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(code)
