"""What a client reads about a healthy MCP server, over stdio and streamable HTTP, from the real codex 0.163.0
and ours: startup statuses, the mcpServerStatus/list entry, direct tool calls and resource reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from tests.support.appserver import AppServerProcess, RpcFailure
from tests.support.mcp import OFFLINE_ENV, add_to_config, codex_argv, http_probe, mcp_table, stdio_probe

STARTUP = "mcpServer/startupStatus/updated"
TOOLS = ["ask", "die", "echo", "image", "rpcerr", "slow", "structured", "write_thing"]
README = "The reelkit MCP probe: tools echo, write_thing, ask, slow, rpcerr, die, structured, image."


@pytest.fixture(params=["codex", "ours"])
def which(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["stdio", "http"])
async def served(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Any, str | None]]:
    """(server, the probe's URL or None for stdio), the server already initialized."""
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(http_probe()) if request.param == "http" else None
        mock = await stack.enter_async_context(MockProvider([], speed=0))
        home = tmp_path / "home"
        write_codex_home(home, ProviderSettings(mock.url), model="mock-model", approval_policy="never")
        add_to_config(home, mcp_table("probe", {"url": url, "tool_timeout_sec": 5} if url else stdio_probe()))
        argv = codex_argv() if which == "codex" else None
        srv = await AppServerProcess.start(home, argv=argv, cwd=tmp_path, env={"HOME": str(home), **OFFLINE_ENV})
        stack.push_async_callback(srv.close)
        await srv.initialize()
        yield srv, url


async def test_a_healthy_server_is_listed_and_callable(served: tuple[AppServerProcess, str | None]) -> None:
    srv, url = served
    thread = (await srv.call("thread/start", {"cwd": str(Path.cwd())}))["thread"]["id"]
    statuses: list[str] = []
    while not statuses or statuses[-1] == "starting":
        message = await srv.read_notification(STARTUP, timeout=30)
        assert {k: message["params"][k] for k in ("threadId", "name", "error", "failureReason")} == {
            "threadId": thread, "name": "probe", "error": None, "failureReason": None,
        }  # fmt: skip
        statuses.append(message["params"]["status"])
    assert statuses == ["starting", "ready"]

    listed = await srv.call("mcpServerStatus/list", {"threadId": thread})
    (entry,) = listed["data"]
    assert listed["nextCursor"] is None
    assert (entry["name"], entry["runtimeStatus"], entry["authStatus"], entry["toolsError"]) == (
        "probe", "connected", "unsupported", None,  # "unsupported" over HTTP too, without auth configured
    )  # fmt: skip
    assert entry["httpOrigin"] == (url.removesuffix("/mcp") if url else None)
    assert (entry["serverInfo"]["name"], entry["serverInfo"]["version"]) == ("probe", "1.0.0")
    assert sorted(entry["tools"]) == TOOLS
    assert entry["tools"]["echo"]["annotations"] == {"readOnlyHint": True}
    assert "annotations" not in entry["tools"]["write_thing"]
    assert entry["resources"] == [
        {"description": "", "mimeType": "text/plain", "name": "readme", "uri": "probe://readme"}
    ]
    unbound = (await srv.call("mcpServerStatus/list", {}))["data"][0]
    assert (unbound["name"], unbound["runtimeStatus"]) == ("probe", None)  # no thread: no runtime status

    direct = {"threadId": thread, "server": "probe"}
    assert await srv.call("mcpServer/tool/call", {**direct, "tool": "echo", "arguments": {"text": "direct"}}) == {
        "content": [{"type": "text", "text": "direct"}], "isError": False,
    }  # fmt: skip
    with pytest.raises(RpcFailure) as info:
        await srv.call("mcpServer/tool/call", {**direct, "tool": "rpcerr", "arguments": {}})
    assert info.value.error == {"code": -32000, "message": "server exploded"}
    read = await srv.call("mcpServer/resource/read", {"server": "probe", "uri": "probe://readme"})
    assert read == {
        "contents": [{"uri": "probe://readme", "mimeType": "text/plain", "text": README}], "originCallId": None,
    }  # fmt: skip
