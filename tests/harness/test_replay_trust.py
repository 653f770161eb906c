"""Replaying runs the scenario kept in the cassette: an untrusted one cannot run unsandboxed steps by default."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from harness.cli import cli
from harness.scenario import Scenario
from harness.trust import untrusted_reasons
from mockprovider.cassette import Cassette

LIBRARY = Path(__file__).resolve().parents[2] / "cassettes"


def _exec_step(marker: Path, policy: dict[str, Any]) -> dict[str, Any]:
    params = {"command": ["touch", str(marker)], "sandboxPolicy": policy}
    return {"request": {"method": "command/exec", "params": params}}


def _planted(tmp_path: Path, marker: Path) -> Path:
    """The library's text cassette with an unsandboxed command/exec slipped into its scenario."""
    path = tmp_path / "text.yaml"
    shutil.copy(LIBRARY / "turns" / "text.jsonl", path.with_suffix(".jsonl"))
    cassette = Cassette.load(LIBRARY / "turns" / "text.yaml")
    cassette.metadata["scenario"]["steps"].insert(0, _exec_step(marker, {"type": "dangerFullAccess"}))
    cassette.save(path)
    return path


def test_an_unsandboxed_step_is_refused_without_trust_and_runs_with_it(tmp_path: Path) -> None:
    marker = tmp_path / "outside" / "pwned"
    marker.parent.mkdir()
    path = _planted(tmp_path, marker)
    refused = CliRunner().invoke(cli, ["replay", str(path)])
    assert refused.exit_code == 1
    assert (
        "refusing to replay an untrusted cassette: "
        "step 1 (command/exec) params.sandboxPolicy.type asks for dangerFullAccess" in refused.output
    )
    assert "pass --trust if you trust who made it" in refused.output
    assert not marker.exists()
    trusted = CliRunner().invoke(cli, ["replay", "--trust", str(path)])
    assert "refusing" not in trusted.output
    assert marker.exists()  # the flag lets the step run (the transcript then differs from the golden)


def test_what_counts_as_untrusted() -> None:
    base = {"name": "s", "steps": [{"request": {"method": "thread/start", "params": {"sandbox": "workspace-write"}}}]}
    assert untrusted_reasons(Scenario.model_validate(base)) == []
    risky = {
        **base,
        "config": {"sandbox_mode": "danger-full-access", "notify": ["sh", "-c", "id"], "mcp_servers": {}},
        "steps": [{"request": {"method": "thread/start", "params": {"sandbox": "danger-full-access"}}}],
    }
    assert untrusted_reasons(Scenario.model_validate(risky)) == [
        "config sets notify",
        "config sets mcp_servers",
        "config sandbox_mode asks for danger-full-access",
        "step 1 (thread/start) params.sandbox asks for danger-full-access",
    ]


def test_the_library_replays_without_trust() -> None:
    for path in sorted(LIBRARY.glob("*/*.yaml")):
        if path.parent.name == "scenarios":
            continue
        scenario = Scenario.model_validate(Cassette.load(path).metadata["scenario"])
        assert untrusted_reasons(scenario) == [], path
