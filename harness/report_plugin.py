"""pytest plugin: `--reelkit-report DIR` writes a `harness view` page for every failing cassette test.

A test that uses the `cassette` fixture (or whose `cassette` marker names one) and fails gets
DIR/<test id>.html: the cassette with its golden, and the golden beside a fresh replay of the
cassette, differences marked field by field. The failure report names the file. Off by default.

A test may also record a measurement for the run's log with
`record_property("reelkit-measure", "what: number")`: the plugin lists them at the end of the run
(also under pytest-xdist, where a worker's own output is not shown).

The replay is run again here, after the test, rather than taken from the test: the replay is
deterministic (recorded chunks, normalised transcript), and this keeps the plugin independent of
how the session fixture is written.
"""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path
from typing import Any

import pytest

OPTION = "--reelkit-report"
MEASURE = "reelkit-measure"
_UNSAFE = re.compile(r"[^\w.-]+")  # a test id as a file name


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reelkit", "reelkit record/replay")
    group.addoption(OPTION, metavar="DIR", default=None, help="write an HTML page for each failing cassette test")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    folder = item.config.getoption(OPTION)
    if not folder or report.when != "call" or not report.failed:
        return report
    cassette = _cassette_of(item)
    if cassette is None or not cassette.exists():
        return report
    out = Path(folder).resolve() / (_UNSAFE.sub("_", item.nodeid).strip("_") + ".html")
    try:
        _write(cassette, out, item.config.getoption("--reelkit-server", default=None))
        text = f"reelkit report: {out}"
    except Exception as exc:  # a broken report must not hide the test's own failure
        text = f"reelkit report: could not write {out}: {type(exc).__name__}: {exc}"
    addsection = getattr(report.longrepr, "addsection", None)  # a failure's traceback report has one
    if callable(addsection):
        addsection("reelkit report", text)
    else:
        report.sections.append(("reelkit report", text))
    return report


_measures: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _measures.extend(str(value) for name, value in report.user_properties if name == MEASURE)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _measures:
        terminalreporter.write_sep("-", "reelkit measurements")
        for line in _measures:
            terminalreporter.write_line(line)


def _cassette_of(item: pytest.Item) -> Path | None:
    value = getattr(item, "funcargs", {}).get("cassette")
    if isinstance(value, Path):
        return value
    marker = item.get_closest_marker("cassette")
    if marker is not None and marker.args:
        path = Path(marker.args[0])
        return path if path.is_absolute() else Path(item.config.rootpath) / path
    return None


def _write(cassette: Path, out: Path, server: str | None) -> None:
    from .session import replay
    from .view import write_replay_report

    # Its own thread and loop: an async test's loop may still be set on this thread.
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = asyncio.run(replay(cassette, server=server))
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="reelkit-report")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    write_replay_report(box["result"], out)
