"""Tool names and parameter schemas match what codex 0.163 sends (descriptions are our own)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.agent.jsonerrors import serde_json_message
from server.config import load_config
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
    # The recorded request is codex's for gpt-5.5, whose bundled catalog entry supports original detail.
    ours = {t["name"]: t for t in tools_for(ToolChoice(image_detail=True))}
    assert strip(ours[name]) == strip(codex_tools()[name])
    assert ours[name]["description"] != codex_tools()[name].get("description")


def test_tool_selection_is_what_0163_sends() -> None:
    def names(choice: ToolChoice) -> list[str]:
        return [t["name"] for t in tools_for(choice)]

    expected = ["exec_command", "write_stdin", "request_user_input", "apply_patch", "view_image"]
    assert names(ToolChoice()) == expected
    assert names(ToolChoice(shell_type="shell_command")) == expected  # 0.163 ignores the catalog's shell_type
    assert names(ToolChoice(shell_type="disabled", apply_patch=None)) == ["request_user_input", "view_image"]


def test_view_image_offers_detail_only_when_the_catalog_says_so() -> None:
    def view_image(choice: ToolChoice) -> dict[str, Any]:
        return next(t for t in tools_for(choice) if t["name"] == "view_image")

    with_detail = strip(codex_tools()["view_image"])
    path_only = {**with_detail, "parameters": {**with_detail["parameters"], "properties": {"path": {"type": "string"}}}}
    assert strip(view_image(ToolChoice())) == path_only  # codex 0.163 for an entry without the capability
    assert strip(view_image(ToolChoice(image_detail=True))) == with_detail


def test_choice_for_a_model_reads_the_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    entry = {"slug": "m", "display_name": "m", "shell_type": "shell_command", "apply_patch_tool_type": "function"}
    catalog.write_text(json.dumps({"models": [entry, {**entry, "slug": "d", "supports_image_detail_original": True}]}))
    config = load_config(tmp_path, {"model_catalog_json": str(catalog)})
    choices = {slug: ToolChoice.for_model(config.model_info(slug)) for slug in ("m", "d", "unknown")}
    assert choices == {
        "m": ToolChoice(shell_type="shell_command", apply_patch="function"),
        "d": ToolChoice(shell_type="shell_command", apply_patch="function", image_detail=True),
        "unknown": ToolChoice(),  # codex's fallback offers `path` only
    }
    bundled = load_config(tmp_path / "none")
    flags = {m.slug: ToolChoice.for_model(m).image_detail for m in bundled.catalog}
    assert flags == {"gpt-5.5": True, "gpt-5.1-codex-mini": False}  # as codex's bundled catalog (mini: no entry)


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
