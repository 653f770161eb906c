"""`python -m harness`: record and replay agent sessions."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import yaml

from mockprovider.cassette import Cassette, CassetteError

from . import inspect, integrity, jsondiff
from .progress import Progress
from .recorder import Recorder, RecordError
from .redact import Redactor, SecretLeakError, save_cassette
from .scenario import Scenario, ScenarioError
from .session import record as record_session
from .session import replay as replay_session
from .vault import commit_files, recover

CASSETTES = click.argument(
    "cassettes", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


class _Cli(click.Group):
    """Bad input ends in one `Error:` line naming the file, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (CassetteError, ScenarioError, RecordError, SecretLeakError) as exc:
            raise click.ClickException(str(exc)) from None
        except (ValueError, OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise click.ClickException(_describe(exc)) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return f"{exc}" or type(exc).__name__


def _summary(passed: int, failed: int) -> str:
    line = f"{passed} passed, {failed} failed"
    return click.style(line, fg="red" if failed else "green", bold=True)


PORT = click.IntRange(0, 65535)


@click.group(cls=_Cli)
@click.option("-v", "--verbose", count=True)
def cli(verbose: int) -> None:
    """Record real provider streams into cassettes; replay and compare them."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING - 10 * verbose, format="%(name)s: %(message)s")


NEW_EPISODES = "Requests the existing cassette holds are replayed from it; only new ones reach the upstream."


@cli.command()
@click.option("--upstream", required=True, help="Provider base URL, e.g. https://api.openai.com/v1")
@click.option("--cassette", "cassette_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, show_default=True, type=PORT, help="0 picks a free port.")
@click.option("--secret-env", multiple=True, help="Also scrub the value of this environment variable.")
@click.option(
    "--synthetic/--real", default=None, help="Label the recording (default: synthetic iff upstream is loopback)."
)
@click.option("--new-episodes", is_flag=True, help=NEW_EPISODES)
def proxy(
    upstream: str, cassette_path: Path, host: str, port: int, secret_env: tuple[str, ...], synthetic: bool | None,
    new_episodes: bool,
) -> None:  # fmt: skip
    """Forward to UPSTREAM, tee every chunk to the client, write the cassette atomically."""
    recorder = Recorder(upstream, cassette_path, host=host, port=port, redactor=Redactor.from_env(secret_env),
                        synthetic=synthetic, new_episodes=new_episodes)  # fmt: skip
    try:
        asyncio.run(_run_proxy(recorder))
        recorder.save()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except (RecordError, SecretLeakError, CassetteError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"recorded {len(recorder.recording.interactions)} interaction(s) into {cassette_path}", err=True)


async def _run_proxy(recorder: Recorder) -> None:
    """Serve until SIGINT/SIGTERM (the normal way to stop a proxy); the caller then saves."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await recorder.start()
    try:
        click.echo(f"listening on http://{recorder.host}:{recorder.port}")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await recorder.stop()


@cli.command()
@click.option(
    "--scenario", "scenario_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--cassette", "cassette_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--upstream", default=None, help="Real provider base URL (default: the scenario's scripted upstream).")
@click.option("--server", default=None, help="App-server command (default: ours); e.g. 'codex app-server'.")
@click.option("--secret-env", multiple=True)
@click.option("--new-episodes", is_flag=True, help=NEW_EPISODES)
def record(
    scenario_path: Path, cassette_path: Path, upstream: str | None, server: str | None, secret_env: tuple[str, ...],
    new_episodes: bool,
) -> None:  # fmt: skip
    """Drive SCENARIO through an app-server and the recording proxy; write the cassette and its golden."""
    progress = Progress(1)
    try:
        scenario = Scenario.load(scenario_path)
        progress.begin(f"recording {scenario_path}")
        asyncio.run(
            record_session(
                scenario,
                cassette_path,
                upstream=upstream,
                server=server,
                redactor=Redactor.from_env(secret_env),
                new_episodes=new_episodes,
                on_step=progress.step,
            )
        )
    except (ScenarioError, SecretLeakError, CassetteError, RecordError) as exc:
        raise click.ClickException(f"{exc} ({cassette_path} and its golden are unchanged)") from None
    except KeyboardInterrupt:
        raise click.ClickException(
            f"interrupted: nothing saved, {cassette_path} and its golden are unchanged"
        ) from None
    finally:
        progress.clear()
    click.echo(f"recorded {cassette_path} and {cassette_path.with_suffix('.jsonl').name}")


@contextmanager
def _load_errors() -> Iterator[None]:
    """A cassette that cannot be read is one `Error: <file>: <what> (<fix>)` line and exit 1."""
    try:
        yield
    except CassetteError as exc:
        raise click.ClickException(str(exc)) from None


TRUST = "Run steps that ask for danger-full-access, unsandboxed command/exec, notify or MCP commands."


@cli.command()
@CASSETTES
@click.option("--server", default=None, help="App-server command (default: ours).")
@click.option("--update-goldens", is_flag=True, help="Write the replayed transcript as the new golden.")
@click.option("--trust", is_flag=True, help=TRUST)
@click.option("--report", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write a `harness view` page (golden beside replay) in this folder for each mismatch.")  # fmt: skip
def replay(
    cassettes: tuple[Path, ...], server: str | None, update_goldens: bool, trust: bool, report: Path | None
) -> None:
    """Re-run each cassette's session against the server and diff the transcript with its golden."""
    failed, progress = 0, Progress(len(cassettes))
    for path in cassettes:
        with _load_errors():
            recover(path)  # a save killed half way is finished (or dropped) before the file is read
            cassette = Cassette.load(path)
        progress.begin(str(path), announce=True)
        try:
            result = asyncio.run(
                replay_session(path, server=server, trust=trust, cassette=cassette, on_step=progress.step)
            )
        except (ValueError, ScenarioError, OSError) as exc:
            failed += 1
            progress.end(f"ERROR\n  {exc}")
            continue
        finally:
            progress.clear()
        if update_goldens:
            result.transcript.save(path.with_suffix(".jsonl"))
        if result.ok or update_goldens:
            progress.end(click.style("ok", fg="green"))
            continue
        failed += 1
        progress.end(click.style("MISMATCH", fg="red"))
        for line in result.diff[:200]:
            click.echo(f"  {line}")
        if result.unplayed:
            click.echo(f"  unplayed interactions: {', '.join(result.unplayed)}")
        if report is not None:
            from .view import write_replay_report

            click.echo(f"  report: {write_replay_report(result, report / f'{path.stem}.html')}")
    click.echo(_summary(len(cassettes) - failed, failed))
    if failed:
        raise click.ClickException(f"{failed} of {len(cassettes)} cassette(s) did not replay as recorded")


@cli.command()
@CASSETTES
@click.option("--secret-env", multiple=True)
def verify(cassettes: tuple[Path, ...], secret_env: tuple[str, ...]) -> None:
    """Check cassettes load, hold a scenario and a golden, keep chunks consistent, and leak no secret."""
    redactor, problems, failed, progress = Redactor.from_env(secret_env), 0, 0, Progress(len(cassettes))
    for path in cassettes:
        with progress.item(f"verifying {path}"), _load_errors():
            found = inspect.verify(path, redactor)
        for problem in found:
            click.echo(click.style(problem, fg="red"))
        problems, failed = problems + len(found), failed + bool(found)
    click.echo(_summary(len(cassettes) - failed, failed))
    if problems:
        raise click.ClickException(f"{problems} problem(s); fix or re-record the cassettes named above")


@cli.command()
@CASSETTES
@click.option("--json", "as_json", is_flag=True, help="Print the decoded data (as `harness view` shows it) as JSON.")
def show(cassettes: tuple[Path, ...], as_json: bool) -> None:
    """A timeline of each cassette: requests, chunks, time to first byte, gaps, tokens."""
    if as_json:
        from .view import show_json

        try:
            click.echo(show_json(cassettes))
        except (CassetteError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
        return
    for path in cassettes:
        with _load_errors():
            lines = inspect.timeline(path)
        for line in lines:
            click.echo(line)
    click.echo(_summary(len(cassettes), 0))


@cli.command()
@click.argument("cassettes", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--diff", "diff_pair", nargs=2, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Show two cassettes (or two .jsonl transcripts) side by side, differences marked.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"), show_default=True)
@click.option("--open", "open_it", is_flag=True, help="Open the page in the default browser.")
def view(cassettes: tuple[Path, ...], diff_pair: tuple[Path, Path] | None, out: Path, open_it: bool) -> None:
    """Write one self-contained HTML page showing CASSETTES (timeline, events, golden transcript)."""
    from .view import view_cassettes, view_diff

    if bool(cassettes) == bool(diff_pair):
        raise click.UsageError("give either CASSETTE... or --diff A B")
    try:
        page = view_diff(*diff_pair, out) if diff_pair else view_cassettes(cassettes, out)
    except (CassetteError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {page}")
    if open_it:
        import webbrowser

        webbrowser.open(page.resolve().as_uri())


@cli.command()
@click.argument("a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def diff(a: Path, b: Path) -> None:
    """Semantic diff of two cassettes or two transcripts: one `path: old -> new` line per changed value."""
    with _load_errors():
        lines = jsondiff.semantic_diff(a, b)
    for line in lines:
        click.echo(line)
    sys.exit(1 if lines else 0)


@cli.command()
@CASSETTES
@click.option("--secret-env", multiple=True)
def scrub(cassettes: tuple[Path, ...], secret_env: tuple[str, ...]) -> None:
    """Redact secrets from existing cassettes in place (atomically)."""
    redactor = Redactor.from_env(secret_env)
    for path in cassettes:
        try:
            save_cassette(Cassette.load(path), path, redactor)
        except (CassetteError, SecretLeakError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"scrubbed {path}")


@cli.command()
@CASSETTES
def seal(cassettes: tuple[Path, ...]) -> None:
    """Stamp each cassette with its integrity seal (interaction count, a SHA-256 per body), atomically."""
    for path in cassettes:
        try:
            problems = inspect.verify(path, Redactor())
            if problems:
                raise click.ClickException(f"{path}: not sealed, fix it first: {problems[0]}")
            commit_files({path: integrity.seal(Cassette.load(path)).dumps()})
        except CassetteError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"sealed {path}")


@cli.command()
@CASSETTES
def lint(cassettes: tuple[Path, ...]) -> None:
    """Check every streamed event against the openai SDK's event models and the ordering rules."""
    count, failed, progress = 0, 0, Progress(len(cassettes))
    for path in cassettes:
        errors = 0
        with progress.item(f"linting {path}"), _load_errors():
            problems = inspect.lint(path)
        for problem in problems:
            warning = ": warning: " in problem
            errors += 0 if warning else 1
            click.echo(click.style(f"{path}: {problem}", fg="yellow" if warning else "red"))
        count, failed = count + errors, failed + bool(errors)
    click.echo(_summary(len(cassettes) - failed, failed))
    if count:
        raise click.ClickException(f"{count} problem(s)")


@cli.command()
@click.argument("cassette", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def demo(cassette: Path | None) -> None:
    """Replay a bundled cassette (default: an approved command) through our server and show the session."""
    from .demo import run_demo

    if not run_demo(cassette.resolve() if cassette else None):  # the demo labels paths below the repo
        raise click.ClickException("the replay did not match its golden transcript")


@cli.command()
@click.option(
    "--listen", "listen_url", default="ws://127.0.0.1:0", show_default=True, help="ws://IP:PORT or unix://PATH"
)
@click.option("--server", default=None, help="App-server command (default: ours); e.g. 'codex app-server'.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Transcript to write.")
def relay(listen_url: str, server: str | None, out: Path) -> None:
    """Relay WebSocket clients to an app-server on stdio; write each session's transcript (golden format)."""
    from .relay import run_relay

    run_relay(listen_url, server, out)


def main() -> None:
    cli(prog_name="harness")
