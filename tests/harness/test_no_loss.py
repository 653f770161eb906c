"""A recording replaces a cassette and its golden only when it succeeded: an unreachable upstream or a failed
scenario step exits non-zero, says why, and leaves the old pair byte for byte (real server subprocesses)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import cli
from harness.session import scenario_of
from mockprovider.cassette import Cassette

LIBRARY = Path(__file__).parents[2] / "cassettes"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, dict[Path, bytes]]:
    """A copy of a library cassette and golden, and the scenario it was recorded from."""
    cassette = tmp_path / "text.yaml"
    shutil.copy(LIBRARY / "turns" / "text.yaml", cassette)
    shutil.copy(LIBRARY / "turns" / "text.jsonl", cassette.with_suffix(".jsonl"))
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(scenario_of(Cassette.load(cassette)).model_dump(exclude_defaults=True)))
    return cassette, scenario, {p: p.read_bytes() for p in (cassette, cassette.with_suffix(".jsonl"))}


def _unchanged(before: dict[Path, bytes]) -> bool:
    leftovers = [p.name for p in next(iter(before)).parent.iterdir() if "reelkit" in p.name]
    return all(p.read_bytes() == data for p, data in before.items()) and not leftovers


def test_an_unreachable_upstream_fails_and_saves_nothing(pair: tuple[Path, Path, dict[Path, bytes]]) -> None:
    cassette, scenario, before = pair
    args = ["record", "--scenario", str(scenario), "--cassette", str(cassette), "--upstream", "http://127.0.0.1:1/v1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "Error: not saved" in result.output
    assert "upstream http://127.0.0.1:1/v1/responses failed" in result.output
    assert _unchanged(before)


def test_a_failed_step_saves_nothing_and_a_good_run_replaces_both(pair: tuple[Path, Path, dict[Path, bytes]]) -> None:
    cassette, scenario, before = pair
    broken = scenario.with_name("broken.yaml")
    data = yaml.safe_load(scenario.read_text())
    data["steps"].append({"request": {"method": "thread/nonsense", "params": {}}})
    broken.write_text(yaml.safe_dump(data))
    runner = CliRunner()
    failed = runner.invoke(cli, ["record", "--scenario", str(broken), "--cassette", str(cassette)])
    assert failed.exit_code == 1
    assert "thread/nonsense failed" in failed.output
    assert "unchanged" in failed.output
    assert _unchanged(before)
    good = runner.invoke(cli, ["record", "--scenario", str(scenario), "--cassette", str(cassette)])
    assert good.exit_code == 0, good.output
    assert runner.invoke(cli, ["verify", str(cassette)]).exit_code == 0
    assert not _unchanged(before)  # a new recording: its own recorded_at and ids
