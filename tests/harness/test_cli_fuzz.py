"""A fuzz of the CLIs' arguments and inputs (junk files, ports, paths): every bad input ends with exit code
1 or 2 and an `Error:` line, never a traceback (click's runner, in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import cli
from mockprovider.cli import cli as mock_cli

LIBRARY = Path(__file__).parents[2] / "cassettes"
READERS = ["show", "lint", "verify", "replay", "scrub", "seal", "demo"]
JUNK = {
    "empty.yaml": b"",
    "binary.yaml": bytes(range(256)),
    "list.yaml": b"- 1\n- 2\n",
    "json.yaml": b'{"version": 1, "interactions": [{"request": {}}]}',
    "v2.yaml": b"version: 2\ninteractions: []\n",
    "cut.yaml": (LIBRARY / "turns" / "text.yaml").read_bytes()[:3000],
    "notes.jsonl": b"not a transcript\n",
}


def _bad(result: Result) -> None:
    assert result.exit_code in (1, 2), (result.exit_code, result.output, result.exception)
    assert "Error:" in result.output, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.fixture
def junk(tmp_path: Path) -> Path:
    for name, data in JUNK.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.yaml").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", READERS)
def test_readers_reject_junk_files_and_bad_paths(junk: Path, command: str) -> None:
    runner = CliRunner()
    for name in [*JUNK, "folder.yaml", "missing.yaml"]:
        if command == "scrub" and name == "notes.jsonl":
            continue  # scrub treats any file as a cassette: covered by the other names
        _bad(runner.invoke(cli, [command, str(junk / name)]))


def test_diff_record_and_proxy_reject_bad_input(junk: Path) -> None:
    runner = CliRunner()
    text = str(LIBRARY / "turns" / "text.yaml")
    _bad(runner.invoke(cli, ["diff", text, str(LIBRARY / "turns" / "text.jsonl")]))
    _bad(runner.invoke(cli, ["diff", str(junk / "binary.yaml"), text]))
    _bad(runner.invoke(cli, ["diff", str(junk / "notes.jsonl"), str(junk / "notes.jsonl")]))
    for scenario in ("empty.yaml", "binary.yaml", "list.yaml", "missing.yaml"):
        _bad(runner.invoke(cli, ["record", "--scenario", str(junk / scenario), "--cassette", str(junk / "o.yaml")]))
    for port in ("70000", "-1", "abc", "99999"):
        _bad(runner.invoke(cli, ["proxy", "--upstream", "http://x/v1", "--cassette", str(junk / "o.yaml"),
                                 "--port", port]))  # fmt: skip
        _bad(runner.invoke(mock_cli, ["serve", "--port", port]))
    _bad(runner.invoke(cli, ["nonsense"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), command=st.sampled_from(["show", "lint", "verify", "seal"]))
def test_random_bytes_never_crash_a_reader(tmp_path: Path, data: bytes, command: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, [command, str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code:
        _bad(result)
