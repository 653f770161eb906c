"""Session-wide: plant a secret as every API key the kit might read, and after the session scan every
file the tests wrote (each xdist worker scans its own temp tree, plus the cassette library) for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.report import record
from tests.support.secrets import PLANTED, PLANTED_ENV, scan

REPO = Path(__file__).resolve().parent.parent
for _name in ("OPENAI_API_KEY", "CODEX_API_KEY", PLANTED_ENV):
    os.environ[_name] = PLANTED  # inherited by every server, codex and harness subprocess


@pytest.fixture(scope="session", autouse=True)
def _no_planted_secret_on_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    temp_files, in_temp = scan(tmp_path_factory.getbasetemp())
    library_files, in_library = scan(REPO / "cassettes")
    # The real codex snapshots its shell environment (our planted key included) under its own CODEX_HOME's
    # shell_snapshots/, and a codex stopped mid-write leaves the temp file behind: codex's file, not ours.
    found = [p for p in in_temp if "shell_snapshots" not in p.parts] + in_library
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # Every worker scans the one cassette library: the report counts it once.
    record(f"secrets-{worker}", temp_files=temp_files, library_files=library_files, leaks=len(found))
    assert found == [], f"the planted secret was written to: {found}"
