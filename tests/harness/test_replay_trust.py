"""Replaying runs the scenario kept in the cassette: an untrusted one cannot run unsandboxed steps by default."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import cli
from harness.scenario import Scenario, ScenarioError
from harness.trust import MCP_PROBE, expand_probe, refuse_untrusted, untrusted_reasons
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
        "config": {
            "sandbox_mode": "danger-full-access",
            "notify": ["sh", "-c", "id"],
            "mcp_servers": {"x": {"command": "sh"}},
        },
        "steps": [{"request": {"method": "thread/start", "params": {"sandbox": "danger-full-access"}}}],
    }
    assert untrusted_reasons(Scenario.model_validate(risky)) == [
        "config sets notify",
        "config sets mcp_servers.x",
        "config sandbox_mode asks for danger-full-access",
        "step 1 (thread/start) params.sandbox asks for danger-full-access",
    ]


def test_the_library_replays_without_trust() -> None:
    for path in sorted(LIBRARY.glob("*/*.yaml")):
        if path.parent.name == "scenarios":
            continue
        scenario = Scenario.model_validate(Cassette.load(path).metadata["scenario"])
        assert untrusted_reasons(scenario) == [], path


def _with_mcp(**servers: Any) -> Scenario:
    return Scenario.model_validate({"name": "s", "config": {"mcp_servers": servers}, "steps": []})


def test_only_the_bundled_probe_with_its_fault_flags_runs_without_trust(tmp_path: Path) -> None:
    probe = {"command": MCP_PROBE, "args": ["--junk", "call"], "tool_timeout_sec": 1, "startup_timeout_sec": 2}
    assert untrusted_reasons(_with_mcp(probe=probe, other={"command": MCP_PROBE, "enabled": False})) == []
    assert untrusted_reasons(_with_mcp(probe={**probe, "args": ["--pid-file", "/etc/x"]})) == [
        "config mcp_servers.probe passes the probe arguments beyond its fault flags"
    ]
    injected = {**probe, "env": {"PYTHONPATH": "."}, "cwd": "/", "url": "http://example.invalid/mcp"}
    assert untrusted_reasons(_with_mcp(probe=injected)) == [
        "config mcp_servers.probe sets env", "config mcp_servers.probe sets cwd", "config mcp_servers.probe sets url",
    ]  # fmt: skip
    assert untrusted_reasons(_with_mcp(py={"command": "python3", "args": ["-m", "harness.mcpprobe"]})) == [
        "config sets mcp_servers.py"
    ]
    with pytest.raises(ScenarioError, match=r"refusing to replay an untrusted cassette: config sets mcp_servers.web"):
        refuse_untrusted(_with_mcp(web={"url": "http://127.0.0.1:1/mcp"}), tmp_path / "c.yaml")


def test_the_probe_placeholder_becomes_an_isolated_python_running_the_probe() -> None:
    config = {"approval_policy": "on-request", "mcp_servers": {"p": {"command": MCP_PROBE, "args": ["--junk", "start"]},
                                                               "q": {"command": "other"}}}  # fmt: skip
    expanded = expand_probe(config)
    assert expanded["mcp_servers"]["p"] == {
        "command": sys.executable, "args": ["-I", "-m", "harness.mcpprobe", "--junk", "start"],
    }  # fmt: skip
    assert expanded["mcp_servers"]["q"] == {"command": "other"}
    assert expanded["approval_policy"] == "on-request"
    assert expand_probe({"model": "m"}) == {"model": "m"}
