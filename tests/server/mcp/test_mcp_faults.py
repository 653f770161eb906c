"""MCP servers that misbehave, run against the real codex 0.163.0 and ours: one that crashes at start, hangs
at start, prints junk on stdout, fails a call with a JSON-RPC error, hangs on a call, or exits mid-call.
Each time the client gets codex's exact error text, the app-server keeps serving, and no probe process
outlives it. The texts are codex's own, observed (docs/mcp.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from tests.server.conftest import call_output
from tests.support.appserver import AppServerProcess
from tests.support.mcp import OFFLINE_ENV, add_to_config, codex_argv, exited, mcp_table, stdio_probe

STARTUP = "mcpServer/startupStatus/updated"
CRASHED = (
    "MCP client for `probe` failed to start: MCP startup failed: handshaking with MCP server failed: "
    "connection closed: initialize response: connection closed: initialize response"
)
TIMED_OUT = (
    "MCP client for `probe` timed out after 1 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n"
    "[mcp_servers.probe]\nstartup_timeout_sec = XX"
)


def call_failed(tool: str, cause: str) -> str:
    return f"tool call error: tool call failed for `probe/{tool}`\n\nCaused by:\n    {cause}"


@dataclass
class Run:
    srv: AppServerProcess
    mock: MockProvider
    ws: Path
    pid_file: Path

    async def thread(self) -> str:
        return str((await self.srv.call("thread/start", {"cwd": str(self.ws)}))["thread"]["id"])

    async def startup(self) -> dict[str, Any]:
        """The probe's terminal startup status (ready / failed)."""
        message = await self.srv.read_until(
            lambda m: m.get("method") == STARTUP and m["params"]["status"] != "starting", timeout=30
        )
        return dict(message["params"])

    async def turn(self, thread: str) -> list[dict[str, Any]]:
        """Run one turn; the mcpToolCall items it completed."""
        await self.srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "go"}]})
        messages = await self.srv.collect_until("turn/completed", timeout=60)
        assert messages[-1]["params"]["turn"]["status"] == "completed"
        return [
            m["params"]["item"]
            for m in messages
            if m.get("method") == "item/completed" and m["params"]["item"]["type"] == "mcpToolCall"
        ]

    async def status(self, thread: str) -> dict[str, Any]:
        (entry,) = (await self.srv.call("mcpServerStatus/list", {"threadId": thread}))["data"]
        return dict(entry)

    async def still_serving(self) -> None:
        assert isinstance((await self.srv.call("thread/list", {}))["data"], list)


@pytest.fixture(params=["codex", "ours"])
def which(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def start(which: str, tmp_path: Path) -> AsyncIterator[Any]:
    """`await start(*probe_flags, steps=[...], **probe_keys)`: a server whose config runs the probe."""
    runs: list[Run] = []

    async def begin(*flags: str, steps: list[dict[str, Any]], **keys: object) -> Run:
        ws, home, pid_file = tmp_path / "ws", tmp_path / "home", tmp_path / "probe.pid"
        ws.mkdir()
        mock = MockProvider(steps, speed=0)
        await mock.__aenter__()
        write_codex_home(home, ProviderSettings(mock.url), model="mock-model", approval_policy="never",
                         sandbox_mode="workspace-write")  # fmt: skip
        add_to_config(home, mcp_table("probe", stdio_probe(*flags, pid_file=pid_file, **keys)))
        argv = codex_argv() if which == "codex" else None
        srv = await AppServerProcess.start(home, argv=argv, cwd=ws, env={"HOME": str(home), **OFFLINE_ENV})
        await srv.initialize()
        runs.append(Run(srv, mock, ws, pid_file))
        return runs[-1]

    yield begin
    for run in runs:
        await run.srv.close()
        await run.mock.__aexit__(None, None, None)
        # No orphans: whatever the probe did, it is gone once the app-server is.
        assert not run.pid_file.exists() or await exited(run.pid_file), "the MCP server outlived the app-server"


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"function_call": {"namespace": "mcp__probe", "name": tool, "arguments": arguments, "call_id": "c1"}}


async def test_a_server_that_crashes_at_start_is_reported_and_left_out(start: Any) -> None:
    run = await start("--crash-at-start", steps=[{"text": "fine without it"}])
    thread = await run.thread()
    assert await run.startup() == {
        "threadId": thread, "name": "probe", "status": "failed", "error": CRASHED, "failureReason": None,
    }  # fmt: skip
    assert await run.turn(thread) == []
    namespaces = [t.get("name") for t in run.mock.response_requests[0].body["tools"] if t.get("type") == "namespace"]
    assert "mcp__probe" not in namespaces  # a failed server offers the model nothing
    status = await run.status(thread)
    assert (status["runtimeStatus"], status["tools"], status["toolsError"]) == (
        "failed", {}, CRASHED.removeprefix("MCP client for `probe` failed to start: "),
    )  # fmt: skip
    await run.still_serving()
    assert await exited(run.pid_file)


async def test_a_server_that_hangs_at_start_times_out_and_is_killed(start: Any) -> None:
    run = await start("--hang-at-start", steps=[{"text": "fine without it"}], startup_timeout_sec=1)
    thread = await run.thread()
    startup = await run.startup()
    assert (startup["status"], startup["error"]) == ("failed", TIMED_OUT)
    assert await run.turn(thread) == []
    status = await run.status(thread)
    assert status["runtimeStatus"] == "failed"
    assert status["toolsError"].startswith("MCP startup failed: timed out handshaking with MCP server after ")
    await run.still_serving()
    assert await exited(run.pid_file)  # killed at the timeout, not left hanging until shutdown


async def test_junk_on_stdout_before_the_handshake_is_skipped(start: Any) -> None:
    run = await start("--junk", "start", steps=[call("echo", text="hi"), {"text": "ok"}])
    thread = await run.thread()
    assert (await run.startup())["status"] == "ready"
    (item,) = await run.turn(thread)
    assert (item["status"], item["result"]["content"]) == ("completed", [{"type": "text", "text": "hi"}])


@pytest.mark.parametrize(
    ("flags", "step", "cause"),
    [
        ((), call("rpcerr"), "Mcp error: -32000: server exploded"),
        ((), call("slow", seconds=60), "timed out awaiting tools/call after 1000ms"),
        (("--junk", "call"), call("echo", text="hi"), "timed out awaiting tools/call after 1000ms"),
        ((), call("die"), "Transport closed"),
    ],
    ids=["json-rpc-error", "hangs-on-a-call", "junk-instead-of-an-answer", "exits-mid-call"],
)
async def test_a_failed_call_fails_its_item_with_codex_text(
    start: Any, flags: tuple[str, ...], step: dict[str, Any], cause: str
) -> None:
    run = await start(*flags, steps=[step, {"text": "noted"}], tool_timeout_sec=1)
    thread = await run.thread()
    assert (await run.startup())["status"] == "ready"
    (item,) = await run.turn(thread)
    message = call_failed(step["function_call"]["name"], cause)
    assert (item["status"], item["result"], item["error"]) == ("failed", None, {"message": message})
    header, text = call_output(run.mock.response_requests[1], "c1")  # what the model is told
    assert header["text"].startswith("Wall time: ")
    assert text == {"type": "input_text", "text": message}
    await run.still_serving()
    if cause == "Transport closed":
        assert await exited(run.pid_file)
        assert (await run.status(thread))["runtimeStatus"] == "failed"
