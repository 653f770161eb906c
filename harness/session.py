"""Record a scenario into a cassette + golden transcript, and replay a cassette against a server.

Recording puts the recording proxy between the app-server and the provider (the real one, or a mock
provider playing the scenario's `upstream` steps: a *synthetic* recording). Replay serves the
cassette from the mock provider and drives the same scenario (kept in the cassette's metadata), so
the cassette alone is enough to re-run a session.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockprovider import MockProvider
from mockprovider.cassette import Cassette
from mockprovider.codexhome import ProviderSettings, write_codex_home

from .client import AppServerProcess
from .recorder import Recorder, RecordError
from .redact import Redactor
from .scenario import Driver, Scenario
from .transcript import Transcript, diff, normalise
from .trust import expand_probe, refuse_untrusted
from .vault import recover

DEFAULT_SERVER = (sys.executable, "-m", "server")
MODEL = "mock-model"


def golden_path(cassette: Path) -> Path:
    return cassette.with_suffix(".jsonl")


def server_argv(server: str | None) -> list[str]:
    return shlex.split(server) if server else list(DEFAULT_SERVER)


@dataclass
class Workspace:
    home: Path
    ws: Path

    @property
    def labels(self) -> dict[str, str]:
        return {str(self.ws): "<CWD>", str(self.home): "<CODEX_HOME>"}

    def configure(self, base_url: str, scenario: Scenario, env_key: str | None = None) -> None:
        extra = dict(scenario.provider)
        retries = int(extra.pop("request_max_retries", 0)), int(extra.pop("stream_max_retries", 0))
        idle = int(extra.pop("stream_idle_timeout_ms", 5000))
        settings = ProviderSettings(base_url, retries[0], retries[1], idle, env_key, extra)
        config = {"approval_policy": "never", "sandbox_mode": "workspace-write", **expand_probe(scenario.config)}
        write_codex_home(self.home, settings, model=MODEL, **config)


def _make_root(tmp: str) -> Path:
    root = Path(tmp).resolve()
    (root / "ws").mkdir()
    return root


@asynccontextmanager
async def workspace() -> AsyncIterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="reelkit-session-") as tmp:
        root = _make_root(tmp)
        yield Workspace(root / "home", root / "ws")


async def drive(
    scenario: Scenario, place: Workspace, server: str | None, on_step: Callable[[int, int], None] | None = None
) -> Transcript:
    async def start() -> AppServerProcess:
        return await AppServerProcess.start(
            place.home, argv=server_argv(server), cwd=place.ws, env={"HOME": str(place.home)}
        )

    env = {"CWD": str(place.ws), "CODEX_HOME": str(place.home)}
    raw = await Driver(scenario, start, env, on_step=on_step).run()
    return normalise(raw, place.labels)


async def record(scenario: Scenario, cassette: Path, *, upstream: str | None = None, server: str | None = None,
                 redactor: Redactor | None = None, new_episodes: bool = False,
                 on_step: Callable[[int, int], None] | None = None) -> Transcript:  # fmt: skip
    """Record `scenario` through the proxy; writes the cassette and its golden transcript. With
    `new_episodes`, requests the existing cassette holds are replayed from it and only the rest go upstream.

    Both files are replaced together, and only when the whole session succeeded: a failed step, an upstream
    error nobody scripted or an interruption raises (RecordError, ScenarioError, ...) and leaves them as they were.
    """
    async with workspace() as place, _upstream(scenario, upstream) as base:
        # A scripted upstream starts its script over, so it cannot answer only the requests after the kept
        # ones: re-record it whole (it costs nothing); new_episodes is for real providers.
        keep = new_episodes and upstream is not None
        recorder = Recorder(base, cassette, redactor=redactor, synthetic=upstream is None, new_episodes=keep)
        await recorder.start()
        try:
            place.configure(recorder.url, scenario, env_key="OPENAI_API_KEY" if upstream else None)
            transcript = await drive(scenario, place, server, on_step)
        finally:
            await recorder.stop()
    result = recorder.cassette()
    unexpected = _unexpected_errors(result, scenario, scripted=upstream is None)
    if unexpected:
        raise RecordError(f"not saved, {cassette} is unchanged: " + "; ".join(unexpected))
    result.metadata["scenario"] = scenario.model_dump(exclude_defaults=True)  # replay needs nothing else
    recorder.save(result, extra={golden_path(cassette): transcript.render()})
    return transcript


def _unexpected_errors(cassette: Cassette, scenario: Scenario, scripted: bool) -> list[str]:
    """Model calls that failed (4xx/5xx) although the scenario's upstream script did not ask for it."""
    allowed = {int(s["http_error"]["status"]) for s in scenario.upstream if isinstance(s.get("http_error"), dict)}
    allowed = allowed if scripted else set()
    return [
        f"interaction #{i}: {item.method} {item.uri} answered {item.status} {item.reason}".rstrip()
        + f": {item.body[:200].decode('utf-8', 'replace')}"
        for i, item in enumerate(cassette.interactions)
        if item.method == "POST" and item.status >= 400 and item.status not in allowed
    ]


@asynccontextmanager
async def _upstream(scenario: Scenario, upstream: str | None) -> AsyncIterator[str]:
    if upstream:
        yield upstream
        return
    async with MockProvider(scenario.upstream, speed=1) as mock:  # speed 1: the scenario's delays are real timing
        yield mock.url


@dataclass
class ReplayResult:
    cassette: Path
    transcript: Transcript
    golden: Transcript | None
    unplayed: list[str]
    # `ok`, the CLI and `__repr__` all ask for the diff: it is rendered once per (golden, transcript) pair.
    _diff: tuple[Transcript | None, Transcript, list[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def diff(self) -> list[str]:
        if self._diff is None or self._diff[0] is not self.golden or self._diff[1] is not self.transcript:
            self._diff = (self.golden, self.transcript, self._compute_diff())
        return self._diff[2]

    def _compute_diff(self) -> list[str]:
        if self.golden is None:
            return [f"no golden transcript at {golden_path(self.cassette)}"]
        return diff(self.golden, self.transcript, (str(golden_path(self.cassette)), "replay"))

    @property
    def ok(self) -> bool:
        return not self.diff and not self.unplayed

    def __repr__(self) -> str:
        # pytest prints this under a failed `assert result.ok`: the diff itself, not `assert False`.
        if self.ok:
            return f"ReplayResult({self.cassette.name}: ok)"
        lines = self.diff[:60] + [f"... {len(self.diff) - 60} more diff lines"] * (len(self.diff) > 60)
        unplayed = [f"unplayed interactions: {', '.join(self.unplayed)}"] if self.unplayed else []
        return "\n".join([f"ReplayResult({self.cassette.name}: MISMATCH)", *lines, *unplayed])


def scenario_of(cassette: Cassette) -> Scenario:
    raw: Any = cassette.metadata.get("scenario")
    if not isinstance(raw, dict):
        raise ValueError(f"{cassette.name}: no scenario in the cassette metadata (record it with `harness record`)")
    return Scenario.model_validate(raw)


async def replay(
    path: Path,
    *,
    server: str | None = None,
    speed: float = 0,
    trust: bool = False,
    cassette: Cassette | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> ReplayResult:
    """Replay `path`; unless `trust`, a scenario asking for unsandboxed steps is refused (see `trust.py`)."""
    recover(path)
    cassette = cassette or Cassette.load(path)
    scenario = scenario_of(cassette)
    if not trust:
        refuse_untrusted(scenario, path)
    async with workspace() as place, MockProvider(cassette=cassette, speed=speed) as mock:
        place.configure(mock.url, scenario)
        transcript = await drive(scenario, place, server, on_step)
        unplayed = mock.unplayed()
    golden = Transcript.load(golden_path(path)) if golden_path(path).exists() else None
    return ReplayResult(path, transcript, golden, unplayed)
