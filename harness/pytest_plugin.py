"""pytest plugin: cassettes, goldens, a mock provider and an app-server client as fixtures.

    @pytest.mark.cassette("cassettes/turns/text.yaml")
    async def test_text(reelkit_session):
        result = await reelkit_session(scenario="scenarios/text.yaml")   # replays (or records, per --record-mode)
        assert result.ok

`--record-mode` (default `none`, so CI never reaches a provider): `none` replays and fails on a missing
cassette; `once` records only what is missing; `new_episodes` records again, but requests the
cassette already holds are answered from it and only new ones reach the provider; `all` and `rewrite`
record from scratch (through the scenario's scripted upstream, or `--reelkit-upstream URL`). `--update-goldens` accepts
the replayed transcript as the new golden. Everything a test writes lives in its own tmp dirs, so the
plugin is safe under pytest-xdist.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home

from .client import AppServerProcess
from .scenario import Scenario
from .session import ReplayResult, golden_path, record, replay, scenario_of

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reelkit", "reelkit record/replay")
    group.addoption(
        "--record-mode", choices=RECORD_MODES, default="none", help="when to (re)record cassettes (default: none)"
    )
    group.addoption("--update-goldens", action="store_true", help="accept replayed transcripts as the new goldens")
    group.addoption(
        "--reelkit-upstream", default=None, help="record against this provider base URL instead of the script"
    )
    group.addoption("--reelkit-server", default=None, help="app-server command (default: reelkit's own)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cassette(path): the cassette (and golden transcript) a test replays or records")


@pytest.fixture
def record_mode(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--record-mode"))


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Path:
    """The cassette of this test: the marker's path, else `<test dir>/cassettes/<module>/<test>.yaml`."""
    marker = request.node.get_closest_marker("cassette")
    if marker is not None and marker.args:
        path = Path(marker.args[0])
        return path if path.is_absolute() else Path(request.config.rootpath) / path
    name = re.sub(r"[^\w.-]", "_", request.node.name)
    return Path(request.node.path).parent / "cassettes" / Path(request.node.path).stem / f"{name}.yaml"


@pytest.fixture
async def mock_provider() -> AsyncIterator[MockProvider]:
    async with MockProvider(speed=0) as provider:
        yield provider


AppServerFactory = Callable[..., Awaitable[AppServerProcess]]


@pytest.fixture
async def app_server(tmp_path: Path, mock_provider: MockProvider) -> AsyncIterator[AppServerFactory]:
    """Start app-server processes on a CODEX_HOME pointing at `mock_provider`; all are closed afterwards."""
    started: list[AppServerProcess] = []

    async def start(argv: list[str] | None = None, initialize: bool = True, **config: Any) -> AppServerProcess:
        home, ws = tmp_path / "codex-home", tmp_path / "ws"
        ws.mkdir(exist_ok=True)
        write_codex_home(home, ProviderSettings(mock_provider.url), model="mock-model", **config)
        srv = await AppServerProcess.start(home, argv=argv, cwd=ws)
        started.append(srv)
        if initialize:
            await srv.initialize()
        return srv

    yield start
    for srv in started:
        await srv.close()


Session = Callable[..., Awaitable[ReplayResult]]


@pytest.fixture
def reelkit_session(request: pytest.FixtureRequest, cassette: Path, record_mode: str) -> Session:
    """Replay (or record, per --record-mode) this test's cassette; returns the replay result."""
    options = request.config.getoption
    present = cassette.exists()

    async def run(scenario: str | Path | Scenario | None = None) -> ReplayResult:
        needs_recording = record_mode in ("all", "rewrite", "new_episodes") or (record_mode == "once" and not present)
        if needs_recording:
            source = _scenario(scenario, cassette, Path(request.config.rootpath))
            await record(source, cassette, upstream=options("--reelkit-upstream"), server=options("--reelkit-server"),
                         new_episodes=record_mode == "new_episodes")  # fmt: skip
        elif not present:
            pytest.fail(f"no cassette at {cassette} (record it with --record-mode=once)")
        result = await replay(cassette, server=options("--reelkit-server"))
        if options("--update-goldens"):
            result.transcript.save(golden_path(cassette))
            result.golden = result.transcript
        return result

    return run


def _scenario(scenario: str | Path | Scenario | None, cassette: Path, root: Path) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is not None:
        path = Path(scenario)
        return Scenario.load(path if path.is_absolute() else root / path)
    from mockprovider.cassette import Cassette

    return scenario_of(Cassette.load(cassette))  # re-record from the scenario kept in the cassette
