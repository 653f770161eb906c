"""exec/run against an MCP tool that elicits: a blocking request, so the run fails fast with the seed's message,
writes no rollout, asks the client nothing, and the MCP server it started is gone afterwards.

codex 0.163.0 does not implement exec/run (it answers "unknown variant"), so the run itself is ours only; the
refusal is pinned below so that a new codex pin that answers it is noticed and added here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import Env
from tests.support.appserver import AppServerProcess, RpcFailure
from tests.support.mcp import OFFLINE_ENV, add_to_config, codex_argv, exited, mcp_table, stdio_probe

BLOCKING = "exec/run encountered a blocking approval or input request"
INPUT = [{"type": "text", "text": "ask me", "text_elements": []}]


def with_probe(env: Env) -> Path:
    pid_file = env.home.parent / "probe.pid"
    add_to_config(env.home, mcp_table("probe", stdio_probe(pid_file=pid_file)))
    return pid_file


@pytest.mark.parametrize("tool", ["ask", "write_thing"])
async def test_exec_run_fails_fast_on_an_mcp_request_and_stops_the_server(env: Env, tool: str) -> None:
    """`ask` elicits from the client; `write_thing` needs an approval (asked as an elicitation)."""
    pid_file = with_probe(env)
    call = {"namespace": "mcp__probe", "name": tool, "arguments": {"text": "x"} if tool != "ask" else {}}
    env.mock.enqueue({"function_call": {**call, "call_id": "m1"}}, {"text": "should never be requested"})
    srv = await env.server()
    response = await srv.call("exec/run", {"input": INPUT, "cwd": str(env.ws)}, timeout=60)
    assert (response["status"], response["error"]) == (
        "failed",
        {"message": BLOCKING, "codexErrorInfo": None, "additionalDetails": None, "misalignment": None},
    )
    assert not any(m.get("method") == "mcpServer/elicitation/request" for m in srv.buffer)
    assert len(env.mock.response_requests) == 1  # failed at once, no follow-up request
    assert not (env.home / "sessions").exists()  # ephemeral: no rollout
    assert pid_file.exists()  # the server was started for the run...
    assert await exited(pid_file)  # ...and is gone with it, while the app-server still runs
    assert (await srv.call("thread/loaded/list", {}))["data"] == []


async def test_codex_0_163_does_not_answer_exec_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    srv = await AppServerProcess.start(home, argv=codex_argv(), cwd=tmp_path, env={"HOME": str(home), **OFFLINE_ENV})
    try:
        await srv.initialize()
        with pytest.raises(RpcFailure) as info:
            await srv.call("exec/run", {"input": INPUT})
    finally:
        await srv.close()
    assert info.value.error["code"] == -32600
    assert info.value.error["message"].startswith("Invalid request: unknown variant `exec/run`, expected one of ")
