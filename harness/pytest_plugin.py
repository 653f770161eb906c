"""pytest plugin: record and replay a test's own HTTP traffic; cassettes, goldens, a mock provider and an
app-server client as fixtures.

    @pytest.mark.cassette                      # cassettes/<module>/<test>.yaml beside the test file
    def test_answer():
        assert my_code.ask("hi") == "hello"      # its httpx/openai/aiohttp/requests calls replay from the cassette

    @pytest.mark.cassette("cassettes/turns/text.yaml")
    async def test_text(reelkit_session):
        result = await reelkit_session(scenario="scenarios/text.yaml")   # replays (or records, per --record-mode)
        assert result.ok

A plain test with the marker has every request of httpx/httpx2, aiohttp and requests answered in-process
from the cassette, chunk for chunk (`@pytest.mark.cassette(speed=1)` also keeps the recorded timing); what
it records is saved only when the test passed, in one atomic step (see `harness/tape.py` for the modes).

`--record-mode` (default `none`, so CI never reaches a provider): `none` replays and fails on a missing
cassette; `once` records only what is missing; `new_episodes` records again, but requests the
cassette already holds are answered from it and only new ones reach the provider; `all` and `rewrite`
record from scratch (through the scenario's scripted upstream, or `--reelkit-upstream URL`). `--update-goldens` accepts
the replayed transcript as the new golden. Everything a test writes lives in its own tmp dirs, so the
plugin is safe under pytest-xdist.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .modes import RECORD_MODES, in_ci

if TYPE_CHECKING:  # the rest of the kit is imported by the fixtures that need it: start-up stays light
    from mockprovider import MockProvider

    from .client import AppServerProcess
    from .scenario import Scenario
    from .session import ReplayResult
    from .tape import Tape

try:  # strict mode needs its own decorator on async fixtures; auto mode takes it too
    from pytest_asyncio import fixture as async_fixture
except ImportError:  # pragma: no cover - anyio alone handles plain async fixtures in its tests
    async_fixture = pytest.fixture  # type: ignore[assignment]

TAPE = pytest.StashKey["Tape"]()
CALL_PASSED = pytest.StashKey[bool]()


def _recording_plugin_adds_it(pluginmanager: pytest.PytestPluginManager) -> bool:
    """pytest-recording registers `--record-mode` too; whoever comes first owns it, the other reads it."""
    if pluginmanager.has_plugin("recording"):
        return True
    if pluginmanager.is_blocked("recording") or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.name == "recording" for ep in entry_points(group="pytest11"))


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("reelkit", "reelkit record/replay")
    if not _recording_plugin_adds_it(pluginmanager):
        group.addoption(
            "--record-mode", choices=RECORD_MODES, default=None, help="when to (re)record cassettes (default: none)"
        )
    group.addoption("--update-goldens", action="store_true", help="accept replayed transcripts as the new goldens")
    group.addoption(
        "--reelkit-upstream", default=None, help="record against this provider base URL instead of the script"
    )
    group.addoption("--reelkit-server", default=None, help="app-server command (default: reelkit's own)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cassette(path=None, *, speed=0, record_mode=None): the cassette a test replays or records its HTTP "
        "traffic (or its app-server session) from",
    )
    if config.pluginmanager.has_plugin("recording"):  # it imported vcrpy already; nothing to pay otherwise
        _let_pytest_recording_read_metadata()


def _let_pytest_recording_read_metadata() -> None:
    """vcrpy >= 9.4 returns (requests, responses, metadata) for a cassette with `metadata` (ours all have it);
    pytest-recording 0.15 unpacks two values and fails. Hand it the two it expects."""
    try:
        from pytest_recording import _vcr
    except ImportError:
        return
    original = _vcr.load_cassette
    if getattr(original, "reelkit", False):
        return

    def load_cassette(cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        content = original(cassette_path, serializer)
        return content[0], content[1]

    load_cassette.reelkit = True  # type: ignore[attr-defined]
    _vcr.load_cassette = load_cassette


def mode_of(config: pytest.Config) -> str:
    return str(config.getoption("record_mode", default=None) or "none")


@pytest.fixture(scope="session")
def record_mode(request: pytest.FixtureRequest) -> str:
    return mode_of(request.config)


def cassette_path(node: pytest.Item, marker: pytest.Mark | None) -> Path:
    """The marker's path (relative to the test's folder), else `<test dir>/cassettes/<module>/<test>.yaml`."""
    here = Path(node.path).parent
    if marker is not None and marker.args:
        path = Path(marker.args[0])
        return path if path.is_absolute() else here / path
    name = re.sub(r"[^\w.-]", "_", node.name)
    return here / "cassettes" / Path(node.path).stem / f"{name}.yaml"


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Path:
    """The cassette of this test: the marker's path, else `<test dir>/cassettes/<module>/<test>.yaml`."""
    return cassette_path(request.node, request.node.get_closest_marker("cassette"))


@pytest.fixture(autouse=True)
def _reelkit_intercept(request: pytest.FixtureRequest) -> Iterator[Tape | None]:
    """With the marker (and no app-server session), answer the test's HTTP requests from its cassette."""
    marker = request.node.get_closest_marker("cassette")
    if marker is None or "reelkit_session" in request.fixturenames:
        yield None
        return
    from .intercept import intercept
    from .tape import Tape, TapeError

    options = request.config.getoption
    mode = str(marker.kwargs.get("record_mode") or mode_of(request.config))
    try:
        tape = Tape(cassette_path(request.node, marker), mode, speed=float(marker.kwargs.get("speed", 0)),
                    upstream=options("--reelkit-upstream"))  # fmt: skip
    except TapeError as exc:
        pytest.fail(str(exc), pytrace=False)
    request.node.stash[TAPE] = tape
    with intercept(tape):
        yield tape
    if request.node.stash.get(CALL_PASSED, False) and not tape.misses:
        tape.commit()  # only a passing test's recording replaces the cassette


@pytest.fixture
def reelkit_tape(_reelkit_intercept: Tape | None) -> Tape:
    """The cassette in use (what was replayed, what was recorded); only for tests with the marker."""
    if _reelkit_intercept is None:
        pytest.fail("reelkit_tape needs @pytest.mark.cassette on the test", pytrace=False)
    return _reelkit_intercept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report: pytest.TestReport = yield
    tape = item.stash.get(TAPE, None)
    if report.when != "call" or tape is None:
        return report
    if tape.misses:
        # The client may have swallowed the error (or retried it): the miss fails the test all the same.
        message = "\n\n".join(tape.misses)
        if report.passed:
            report.outcome, report.longrepr = "failed", message
        else:
            report.sections.append(("reelkit cassette misses", message))
    item.stash[CALL_PASSED] = report.passed
    return report


@async_fixture
async def mock_provider() -> AsyncIterator[MockProvider]:
    from mockprovider import MockProvider

    async with MockProvider(speed=0) as provider:
        yield provider


AppServerFactory = Callable[..., Awaitable["AppServerProcess"]]


@async_fixture
async def app_server(tmp_path: Path, mock_provider: MockProvider) -> AsyncIterator[AppServerFactory]:
    """Start app-server processes on a CODEX_HOME pointing at `mock_provider`; all are closed afterwards."""
    from mockprovider.codexhome import ProviderSettings, write_codex_home

    from .client import AppServerProcess

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


Session = Callable[..., Awaitable["ReplayResult"]]


@pytest.fixture
def reelkit_session(request: pytest.FixtureRequest, cassette: Path, record_mode: str) -> Session:
    """Replay (or record, per --record-mode) this test's cassette; returns the replay result."""
    from .session import golden_path, record, replay
    from .vault import recover

    options = request.config.getoption
    recover(cassette)
    present = cassette.exists()

    async def run(scenario: str | Path | Scenario | None = None) -> ReplayResult:
        needs_recording = record_mode in ("all", "rewrite", "new_episodes") or (record_mode == "once" and not present)
        needs_recording = needs_recording and not in_ci()  # CI replays only, whatever the mode
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
    from .scenario import Scenario
    from .session import scenario_of

    if isinstance(scenario, Scenario):
        return scenario
    if scenario is not None:
        path = Path(scenario)
        return Scenario.load(path if path.is_absolute() else root / path)
    from mockprovider.cassette import Cassette

    return scenario_of(Cassette.load(cassette))  # re-record from the scenario kept in the cassette
