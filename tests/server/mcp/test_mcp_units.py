"""The MCP pieces that need no server: config.toml tables, the names the model sees, form schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.agent.mcp import names
from server.agent.mcp.config import parse_servers
from server.agent.mcp.forms import form_schema_ok
from server.config import ConfigError

PATH = Path("/home/u/.codex/config.toml")


def test_transport_and_defaults_as_codex_reads_them() -> None:
    stdio, web = parse_servers({"b": {"command": "srv", "args": ["-x"]}, "a": {"url": "http://h/mcp"}}, PATH)[::-1]
    assert (stdio.name, stdio.transport, stdio.args, stdio.startup_timeout_s, stdio.tool_timeout_s) == (
        "b", "stdio", ("-x",), 30.0, 300.0)  # fmt: skip
    assert (web.name, web.transport, web.enabled, web.required) == ("a", "streamable_http", True, False)
    assert [s.name for s in parse_servers({"z": {"command": "x"}, "a": {"command": "y"}}, PATH)] == ["a", "z"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "invalid transport"),
        ({"command": "x", "url": "http://h"}, "url is not supported for stdio"),
        ({"url": "http://h", "env": {"A": "1"}}, "env is not supported for streamable_http"),
        ({"command": "x", "bearer_token": "t"}, "bearer_token is not supported for stdio"),
        ({"command": "x", "startup_timeout_sec": -1}, "cannot convert float seconds to Duration: value is negative"),
        ({"command": "x", "env_vars": [{"name": "A", "source": "cloud"}]}, "unsupported env_vars source `cloud`"),
    ],
)
def test_codex_refusals_name_the_table(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_servers({"srv": table}, PATH)
    assert str(err.value).startswith(f"{PATH}: mcp_servers.srv: {message}")


def test_stdio_env_passes_only_codex_list_then_env_vars_then_env() -> None:
    (cfg,) = parse_servers({"s": {"command": "x", "env_vars": ["TOKEN"], "env": {"MODE": "1"}}}, PATH)
    env = cfg.stdio_env({"PATH": "/bin", "DISPLAY": ":0", "TOKEN": "t", "SECRET": "s"})
    assert env == {"PATH": "/bin", "TOKEN": "t", "MODE": "1"}


def test_tool_filters_and_approval_modes() -> None:
    table = {"command": "x", "enabled_tools": ["a", "b"], "disabled_tools": ["b"],
             "default_tools_approval_mode": "approve", "tools": {"a": {"approval_mode": "prompt"}}}  # fmt: skip
    (cfg,) = parse_servers({"s": table}, PATH)
    assert [cfg.offers(t) for t in "abc"] == [True, False, False]
    assert (cfg.approval_mode("a"), cfg.approval_mode("c")) == ("prompt", "approve")


def test_names_are_sanitised_cut_and_deduplicated() -> None:
    assert names.namespace("my-srv.v2") == "mcp__my_srv_v2"
    mapped = names.model_names("s", ["dup.x", "dup-x", "ok"])
    assert mapped["ok"] == "ok"
    assert mapped["dup.x"] != mapped["dup-x"]
    assert all(n.startswith("dup_x_") and len(n) == len("dup_x_") + 12 for k, n in mapped.items() if k != "ok")
    long = names.model_names("s" * 66, ["t" * 80])["t" * 80]
    assert len(names.namespace("s" * 66)) + 2 + len(long) == names.MAX_QUALIFIED
    tool = names.namespace_tool("s", None, [("b", "B", {}), ("a", "A", {})])
    assert [t["name"] for t in tool["tools"]] == ["a", "b"]
    assert tool["description"] == "Tools in the mcp__s namespace."


def test_form_schemas_codex_can_show() -> None:
    ok = {"type": "object", "properties": {"colour": {"type": "string", "title": "Colour"}}, "required": ["colour"]}
    assert form_schema_ok(ok)
    assert not form_schema_ok({**ok, "title": "Colour"})  # a pydantic model's schema: codex cancels it unasked
    assert not form_schema_ok({"type": "object", "properties": {"o": {"type": "object"}}})
