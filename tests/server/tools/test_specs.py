"""Tool names and parameter schemas match what codex 0.163 sends (descriptions are our own)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.agent.jsonerrors import serde_json_message
from server.tools.specs import ToolChoice, tools_for

CODEX_REQUEST = Path(__file__).parents[2] / "mockprovider" / "data" / "codex-0.163-first-request.json"


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in ("description", "definition")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def codex_tools() -> dict[str, Any]:
    body = json.loads(CODEX_REQUEST.read_text())
    return {t["name"]: t for t in body["tools"] if "name" in t}


@pytest.mark.parametrize("name", ["exec_command", "write_stdin", "request_user_input", "view_image", "apply_patch"])
def test_schema_matches_codex(name: str) -> None:
    ours = {t["name"]: t for t in tools_for(ToolChoice())}
    assert strip(ours[name]) == strip(codex_tools()[name])
    assert ours[name]["description"] != codex_tools()[name].get("description")


def test_tool_selection_is_what_0163_sends() -> None:
    def names(choice: ToolChoice) -> list[str]:
        return [t["name"] for t in tools_for(choice)]

    expected = ["exec_command", "write_stdin", "request_user_input", "apply_patch", "view_image"]
    assert names(ToolChoice()) == expected
    assert names(ToolChoice(shell_type="shell_command")) == expected  # 0.163 ignores the catalog's shell_type
    assert names(ToolChoice(shell_type="disabled", apply_patch=None)) == ["request_user_input", "view_image"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [  # each checked against codex 0.163's output for the same call
        ("{not json", "key must be a string at line 1 column 2"),
        ('{"cmd": "echo hi"', "EOF while parsing an object at line 1 column 17"),
        ('{"cmd" "x"}', "expected `:` at line 1 column 8"),
        ('{"cmd": [1 2]}', "expected `,` or `]` at line 1 column 12"),
    ],
)
def test_bad_arguments_are_described_in_serde_json_words(arguments: str, message: str) -> None:
    with pytest.raises(json.JSONDecodeError) as bad:
        json.loads(arguments)
    assert serde_json_message(bad.value) == message
