"""The harness CLI as a user runs it (click's runner; real cassettes, real server subprocesses)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from harness.cli import cli

LIBRARY = Path(__file__).parents[2] / "cassettes"


def test_replay_verify_show_lint_diff_on_the_library() -> None:
    runner = CliRunner()
    text = str(LIBRARY / "turns" / "text.yaml")
    reasoning = str(LIBRARY / "turns" / "reasoning.yaml")
    assert runner.invoke(cli, ["replay", text]).exit_code == 0
    assert runner.invoke(cli, ["verify", text, reasoning]).output.strip() == "2 passed, 0 failed"
    shown = runner.invoke(cli, ["show", text]).output
    assert "1 interaction(s)" in shown
    assert "response.completed" in shown
    assert runner.invoke(cli, ["lint", text]).exit_code == 0
    same = runner.invoke(cli, ["diff", text, text])
    different = runner.invoke(cli, ["diff", text, reasoning])
    assert (same.exit_code, same.output, different.exit_code) == (0, "", 1)


def test_replay_reports_a_mismatch_readably(tmp_path: Path) -> None:
    cassette = tmp_path / "text.yaml"
    shutil.copy(LIBRARY / "turns" / "text.yaml", cassette)
    golden = (LIBRARY / "turns" / "text.jsonl").read_text().replace("How can I help today?", "Something else")
    cassette.with_suffix(".jsonl").write_text(golden)
    result = CliRunner().invoke(cli, ["replay", str(cassette)])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output
    assert "+S->C" in result.output
    assert "did not replay as recorded" in result.output


def test_scrub_and_verify_catch_secrets(tmp_path: Path) -> None:
    cassette = tmp_path / "leaky.yaml"
    shutil.copy(LIBRARY / "turns" / "text.yaml", cassette)
    shutil.copy(LIBRARY / "turns" / "text.jsonl", cassette.with_suffix(".jsonl"))
    cassette.write_text(cassette.read_text().replace("Say hello", "Say hello sk-live-abcdefghijklmnopqrstu"))
    runner = CliRunner()
    leaky = runner.invoke(cli, ["verify", str(cassette)])
    assert leaky.exit_code == 1
    assert "sk-[A-Za-z0-9]" in leaky.output
    assert runner.invoke(cli, ["scrub", str(cassette)]).exit_code == 0
    assert "sk-live" not in cassette.read_text()
    assert runner.invoke(cli, ["verify", str(cassette)]).exit_code == 0


def test_a_corrupt_cassette_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ninteractions: [ {request: ")
    result = CliRunner().invoke(cli, ["replay", str(bad)])
    assert result.exit_code == 1
    assert "not valid YAML" in result.output
    assert "Traceback" not in result.output
