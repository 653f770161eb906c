"""Replaying a cassette runs the scenario kept in its metadata, so a cassette from someone else is code.

By default replay refuses what would reach outside the sandbox on this machine: a sandbox of
danger-full-access (or an external one) anywhere in the config or the requests, and config keys that make
the app-server launch programs of the cassette's choosing (notify, MCP servers). `--trust` lifts this for
cassettes whose author you trust.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .scenario import Scenario, ScenarioError

_UNSANDBOXED = frozenset({"danger-full-access", "dangerfullaccess", "externalsandbox", "external-sandbox"})
_LAUNCHING_KEYS = frozenset({"notify", "mcp_servers"})


def untrusted_reasons(scenario: Scenario) -> list[str]:
    """Why replaying `scenario` could run something unsandboxed on this machine (empty: nothing found)."""
    reasons = [f"config sets {key}" for key in scenario.config if key in _LAUNCHING_KEYS]
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
