"""verify and lint reject a library cassette cut at any line boundary: unsealed (structural checks) and
sealed (`harness seal`: a count and a SHA-256 per body, so even a clean cut between interactions shows)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import cli

LIBRARY = Path(__file__).parents[2] / "cassettes"


def _copy(name: str, folder: Path) -> Path:
    target = folder / Path(name).name
    shutil.copy(LIBRARY / name, target)
    shutil.copy((LIBRARY / name).with_suffix(".jsonl"), target.with_suffix(".jsonl"))
    return target


def _rejected_everywhere(path: Path, stride: int = 1, lint: bool = True) -> list[int]:
    """Cut points (line counts) that verify or lint let through (a cut that loses no data, such as YAML's
    closing `...` line, is not a truncation). With a stride, every stride-th line and every interaction edge."""
    runner, lines = CliRunner(), path.read_text().splitlines(keepends=True)
    edges = {n for n, line in enumerate(lines) if line.startswith("- request:")}
    whole = yaml.safe_load(path.read_text())
    cut = path.with_name("cut.yaml")
    shutil.copy(path.with_suffix(".jsonl"), cut.with_suffix(".jsonl"))
    passed = []
    for keep in sorted(set(range(0, len(lines), stride)) | edges):
        cut.write_text("".join(lines[:keep]))
        if _same(cut, whole):
            continue
        results = [runner.invoke(cli, [command, str(cut)]) for command in ("verify", "lint")[: 2 if lint else 1]]
        assert all("Traceback" not in r.output for r in results)
        if any(r.exit_code == 0 for r in results):
            passed.append(keep)
    return passed


def _same(path: Path, whole: object) -> bool:
    try:
        return bool(yaml.safe_load(path.read_text()) == whole)
    except yaml.YAMLError:
        return False


@pytest.mark.parametrize(("name", "stride"), [("turns/text.yaml", 1), ("approvals/exec_accepted.yaml", 9)])
def test_every_truncation_is_rejected(tmp_path: Path, name: str, stride: int) -> None:
    path = _copy(name, tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["verify", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["seal", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["verify", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["lint", str(path)]).exit_code == 0
    assert _rejected_everywhere(path, stride) == []


def test_an_unsealed_single_interaction_cassette_is_caught_by_structure(tmp_path: Path) -> None:
    assert _rejected_everywhere(_copy("turns/text.yaml", tmp_path), lint=False) == []


def test_an_edited_body_breaks_the_seal(tmp_path: Path) -> None:
    path = _copy("turns/text.yaml", tmp_path)
    CliRunner().invoke(cli, ["seal", str(path)])
    path.write_text(path.read_text().replace("How can I help", "How may I help"))
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 1
    assert "sealed SHA-256" in result.output
