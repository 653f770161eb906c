"""MCP flows through the real `codex app-server` 0.163.0 and through ours, with the bundled probe server
(harness/mcpprobe.py) configured as `[mcp_servers.probe]`: a tool call over stdio and over streamable
HTTP, a server-initiated elicitation answered accept / decline / cancel, and an approval (codex asks it as
an elicitation) accepted / declined. The sequences of notifications and server requests must be equal.

`mcpServer/startupStatus/updated` is compared (server name and status), but not where it falls: codex
sends `starting` before or after `thread/started` depending on the transport, a race of its own tasks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.diff.test_differential import FLOW_PARAMS, Flow, run_flow, shape, turn
from tests.support.appserver import AppServerProcess
from tests.support.mcp import codex_argv, http_probe, mcp_table, stdio_probe

STARTUP = "mcpServer/startupStatus/updated"


def mcp_shape(message: dict[str, Any]) -> str | None:
    if message.get("method") == STARTUP:
        params = message["params"]
        return f"{STARTUP}:{params['name']}:{params['status']}"
    if message.get("method") == "mcpServer/elicitation/request":
        params = message["params"]  # an approval carries codex's `_meta`; a server's own form does not
        kind = (params.get("_meta") or {}).get("codex_approval_kind", "form")
        return f"mcpServer/elicitation/request:{params['mode']}:{kind}"
    return shape(message)


def startup_first(shapes: list[str]) -> list[str]:
    return [s for s in shapes if s.startswith(STARTUP)] + [s for s in shapes if not s.startswith(STARTUP)]


async def ready(srv: AppServerProcess) -> None:
    """The probe's startup is over before the turn: both servers then offer its tools from the first request."""
    await srv.read_until(lambda m: m.get("method") == STARTUP and m["params"]["status"] != "starting", timeout=30)


async def tool_flow(srv: AppServerProcess, ws: Path, thread: str) -> None:
    await ready(srv)
    await turn(srv, thread)
    await srv.read_notification("turn/completed", timeout=60)


def answering(reply: dict[str, Any], name: str) -> Flow:
    async def flow(srv: AppServerProcess, ws: Path, thread: str) -> None:
        await ready(srv)
        await turn(srv, thread)
        while True:
            message = await srv.read_until(lambda m: "method" in m, timeout=60)
            if message["method"] == "mcpServer/elicitation/request":
                await srv.respond(message["id"], reply)
            if message["method"] == "turn/completed":
                return

    flow.__name__ = name
    # Under `never` codex answers an elicitation `decline` itself and asks the client nothing.
    FLOW_PARAMS[flow] = {"approvalPolicy": "on-request"}
    return flow


def call(tool: str, call_id: str = "call_0", **arguments: Any) -> dict[str, Any]:
    return {"function_call": {"namespace": "mcp__probe", "name": tool, "arguments": arguments, "call_id": call_id}}


CASES: dict[str, tuple[list[dict[str, Any]], Flow]] = {
    "tool-call": ([call("echo", text="hi"), {"text": "Echoed."}], tool_flow),
    "structured-and-image": (
        [call("structured"), call("image", "call_1"), {"text": "Saw both."}],
        tool_flow,
    ),
    "elicit-accept": (
        [call("ask"), {"text": "Blue."}],
        answering({"action": "accept", "content": {"colour": "blue"}}, "elicit_accept"),
    ),
    "elicit-decline": ([call("ask"), {"text": "No colour."}], answering({"action": "decline"}, "elicit_decline")),
    "elicit-cancel": ([call("ask"), {"text": "Cancelled."}], answering({"action": "cancel"}, "elicit_cancel")),
    "approval-accept": (
        [call("write_thing", text="x"), {"text": "Wrote it."}],
        answering({"action": "accept", "content": None}, "approval_accept"),
    ),
    "approval-decline": (
        [call("write_thing", text="x"), {"text": "Skipped."}],
        answering({"action": "decline", "content": None}, "approval_decline"),
    ),
}
# The stdio and HTTP transports must not change what a client sees.
TRANSPORTS = ("stdio", "http")


async def both(case: str, tables: str, tmp: Path) -> tuple[list[str], list[str]]:
    steps, flow = CASES[case]
    real = await run_flow(codex_argv(), steps, flow, tmp / "codex", tables=tables, shaper=mcp_shape)
    ours = await run_flow(None, steps, flow, tmp / "ours", tables=tables, shaper=mcp_shape)
    return startup_first(real), startup_first(ours)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_mcp_flows_over_stdio_match_the_real_server(case: str, tmp_path: Path) -> None:
    real, ours = await both(case, mcp_table("probe", stdio_probe()), tmp_path)
    assert f"{STARTUP}:probe:ready" in real
    assert ours == real


@pytest.mark.parametrize("case", ["tool-call", "elicit-accept", "approval-decline"])
async def test_mcp_flows_over_streamable_http_match_the_real_server(case: str, tmp_path: Path) -> None:
    async with http_probe() as url:
        real, ours = await both(case, mcp_table("probe", {"url": url, "tool_timeout_sec": 5}), tmp_path)
    assert f"{STARTUP}:probe:ready" in real
    assert ours == real


def test_mcp_shapes() -> None:
    status = {"method": STARTUP, "params": {"threadId": "t", "name": "probe", "status": "ready", "error": None}}
    assert mcp_shape(status) == f"{STARTUP}:probe:ready"
    approval = {"method": "mcpServer/elicitation/request", "id": 0,
                "params": {"mode": "form", "_meta": {"codex_approval_kind": "mcp_tool_call"}}}  # fmt: skip
    assert mcp_shape(approval) == "mcpServer/elicitation/request:form:mcp_tool_call"
    assert startup_first(["a", f"{STARTUP}:p:starting", "b", f"{STARTUP}:p:ready"]) == [
        f"{STARTUP}:p:starting", f"{STARTUP}:p:ready", "a", "b",
    ]  # fmt: skip
