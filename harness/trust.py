"""Replaying a cassette runs the scenario kept in its metadata, so a cassette from someone else is code.

By default replay refuses what would reach outside the sandbox on this machine: a sandbox of
danger-full-access (or an external one) anywhere in the config or the requests, and config keys that make
the app-server launch programs of the cassette's choosing (notify, MCP servers). `--trust` lifts this for
cassettes whose author you trust.

One MCP server is allowed without it: reelkit's own probe (harness/mcpprobe.py), named by the placeholder
`command = "$MCP_PROBE"` and given only its fault flags and timeouts. `expand_probe` turns the placeholder into
this Python running the probe in isolated mode (`-I`: no PYTHON* variables, no workspace on sys.path, so
files a scenario writes into its workspace cannot stand in for the probe).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .scenario import Scenario, ScenarioError

_UNSANDBOXED = frozenset({"danger-full-access", "dangerfullaccess", "externalsandbox", "external-sandbox"})
_LAUNCHING_KEYS = frozenset({"notify"})
MCP_PROBE = "$MCP_PROBE"
# The probe's flags that name no path or program: a cassette may pick among them.
_PROBE_ARGS = frozenset({"--crash-at-start", "--hang-at-start", "--junk", "start", "call"})
# What a probe server may set besides command and args: timeouts and tool policy, nothing that injects
# (env, env_vars, cwd) or points elsewhere (url, headers, oauth).
_PROBE_KEYS = frozenset({
    "command", "args", "startup_timeout_sec", "startup_timeout_ms", "tool_timeout_sec", "enabled", "required",
    "enabled_tools", "disabled_tools", "default_tools_approval_mode", "tools", "supports_parallel_tool_calls",
})  # fmt: skip


def probe_argv() -> list[str]:
    return [sys.executable, "-I", "-m", "harness.mcpprobe"]


def expand_probe(config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` with every `command = "$MCP_PROBE"` MCP server turned into the bundled probe's command line."""
    servers = config.get("mcp_servers")
    if not isinstance(servers, Mapping):
        return dict(config)
    expanded = {}
    for name, server in servers.items():
        if isinstance(server, Mapping) and server.get("command") == MCP_PROBE:
            command, *args = probe_argv()
            server = {**server, "command": command, "args": [*args, *server.get("args", [])]}
        expanded[name] = server
    return {**config, "mcp_servers": expanded}


def _mcp_reasons(servers: Any) -> list[str]:
    if not isinstance(servers, Mapping):
        return ["config sets mcp_servers"]
    reasons = []
    for name, server in servers.items():
        if not isinstance(server, Mapping) or server.get("command") != MCP_PROBE:
            reasons.append(f"config sets mcp_servers.{name}")
            continue
        reasons += [f"config mcp_servers.{name} sets {key}" for key in server if key not in _PROBE_KEYS]
        args = server.get("args", [])
        if not isinstance(args, list) or not set(args) <= _PROBE_ARGS:
            reasons.append(f"config mcp_servers.{name} passes the probe arguments beyond its fault flags")
    return reasons


def untrusted_reasons(scenario: Scenario) -> list[str]:
    """Why replaying `scenario` could run something unsandboxed on this machine (empty: nothing found)."""
    reasons = [f"config sets {key}" for key in scenario.config if key in _LAUNCHING_KEYS]
    if "mcp_servers" in scenario.config:
        reasons += _mcp_reasons(scenario.config["mcp_servers"])
    reasons += [f"config {where} asks for {value}" for where, value in _unsandboxed(scenario.config, "")]
    for number, step in enumerate(scenario.steps, 1):
        method = (step.request or {}).get("method", "?")
        for where, value in _unsandboxed(step.request or {}, ""):
            reasons.append(f"step {number} ({method}) {where} asks for {value}")
        for where, value in _unsandboxed(step.answer, ""):
            reasons.append(f"step {number} answer {where} asks for {value}")
    return reasons


def _unsandboxed(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value.lower() in _UNSANDBOXED:
            yield where or "a value", value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _unsandboxed(inner, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _unsandboxed(inner, f"{where}[{index}]")


def refuse_untrusted(scenario: Scenario, path: Path) -> None:
    reasons = untrusted_reasons(scenario)
    if reasons:
        raise ScenarioError(
            f"{path}: refusing to replay an untrusted cassette: {'; '.join(reasons[:3])}"
            " (read its scenario, then pass --trust if you trust who made it)"
        )
