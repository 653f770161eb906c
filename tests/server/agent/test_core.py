"""The agent core through its interface alone: no server process, no stdio, no JSON-RPC.

A fake `AgentHost` records events and answers requests, a fake `Conversation` holds the thread, and
the model is our mock provider over loopback (the one mocked part). Each test drives
`server.agent.runner.run_turn` and checks what the host saw, what the provider was sent and how the turn
ended.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from server.agent.errors import BlockingRequestError
from server.agent.host import RequestFailed
from server.agent.mcp.manager import McpManager
from server.agent.runner import BLOCKING_MESSAGE, TurnOptions, TurnOutcome, run_turn
from server.agent.settings import Settings
from server.config import Config, load_config
from server.sandbox import SandboxMode, SandboxPolicy
from server.tools.exec import ExecManager

Answer = Callable[[str, dict[str, Any]], Any]
SHELL = {
    "function_call": {"name": "exec_command", "arguments": {"cmd": "touch made.txt && echo made"}, "call_id": "c1"}
}


@dataclass
class FakeHost:
    """Records every event, status and request; `answer` plays the user."""

    answer: Answer | None = None
    interactive: bool = True
    status: dict[str, Any] = field(default_factory=lambda: {"type": "active", "activeFlags": []})
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    seen: dict[str, asyncio.Event] = field(default_factory=dict)

    def emit(self, method: str, params: dict[str, Any]) -> None:
        self.events.append((method, params))
        self.seen.setdefault(method, asyncio.Event()).set()

    def set_status(self, status: dict[str, Any]) -> None:
        self.status = status
        self.statuses.append(status)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.requests.append((method, params))
        if not self.interactive:
            raise BlockingRequestError(method)
        if self.answer is None:
            raise RequestFailed("nobody to ask")
        return self.answer(method, params)

    def methods(self) -> list[str]:
        return [m for m, _ in self.events]

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [p["item"] for m, p in self.events if m == f"item/{kind}"]

    async def wait_for(self, method: str) -> None:
        await asyncio.wait_for(self.seen.setdefault(method, asyncio.Event()).wait(), 30)


@dataclass
class FakeConversation:
    id: str
    settings: Settings
    history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    preview: str = ""
    exec: ExecManager = field(default_factory=ExecManager)
    session_approvals: set[str] = field(default_factory=set)
    approved_prefixes: set[tuple[str, ...]] = field(default_factory=set)
    mcp: McpManager | None = None
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        self.records.append((kind, payload))


@dataclass
class FakeServices:
    home: Path
    session: aiohttp.ClientSession | None = None

    def config(self, overrides: dict[str, Any] | None = None) -> Config:
        return load_config(self.home, overrides)

    def http(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession()
        return self.session


@dataclass
class Core:
    """One thread's worth of core: run a turn with `turn()`."""

    mock: MockProvider
    services: FakeServices
    conv: FakeConversation

    async def turn(self, host: FakeHost, text: str = "go", steer: list[Any] | None = None) -> TurnOutcome:
        inputs = [{"type": "text", "text": text}]
        return await run_turn(self.conv, host, self.services, "turn-1", inputs, TurnOptions(), steer)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    ws = tmp_path / "ws"
    ws.mkdir()
    async with MockProvider(speed=0, strict=True) as mock:
        home = tmp_path / "home"
        write_codex_home(home, ProviderSettings(mock.url, request_max_retries=0, stream_max_retries=2),
                         model="mock-model")  # fmt: skip
        config = load_config(home)
        settings = Settings("mock-model", config.model_provider, ws, approval_policy="untrusted",
                            sandbox=SandboxPolicy(SandboxMode.DANGER_FULL_ACCESS))  # fmt: skip
        services = FakeServices(home)
        conv = FakeConversation("thread-1", settings)
        try:
            yield Core(mock, services, conv)
        finally:
            await conv.exec.close()
            if services.session is not None:
                await services.session.close()


async def test_a_text_turn(core: Core) -> None:
    core.mock.enqueue({"reasoning": "**Plan**", "text": "Hello there."})
    host = FakeHost()
    outcome = await core.turn(host, "say hello")
    assert (outcome.status, outcome.error) == ("completed", None)
    assert outcome.last_message is not None
    assert outcome.last_message["text"] == "Hello there."
    assert [i["type"] for i in outcome.items] == ["userMessage", "reasoning", "agentMessage"]
    assert "item/agentMessage/delta" in host.methods()
    assert host.methods()[-2:] == ["thread/tokenUsage/updated", "account/rateLimits/updated"]
    assert core.conv.usage is not None
    assert core.conv.usage["turnId"] == "turn-1"
    assert core.conv.preview == "say hello"
    # The conversation holds what the model saw and said; every completed item was recorded first.
    assert [(i["type"], i.get("role")) for _, i in core.conv.history][-3:] == [
        ("message", "user"),
        ("reasoning", None),
        ("message", "assistant"),
    ]
    assert [k for k, _ in core.conv.records].count("item_completed") == 3
    assert core.mock.response_requests[0].message_input_texts("user")[-1] == "say hello"
    assert host.requests == []


async def test_a_command_approved(core: Core) -> None:
    core.mock.enqueue(SHELL, {"text": "Ran it."})
    host = FakeHost(answer=lambda method, params: {"decision": "accept"})
    outcome = await core.turn(host)
    assert outcome.status == "completed"
    assert [m for m, _ in host.requests] == ["item/commandExecution/requestApproval"]
    assert (core.conv.settings.cwd / "made.txt").exists()
    [command] = [i for i in host.items("completed") if i["type"] == "commandExecution"]
    assert (command["status"], command["exitCode"]) == ("completed", 0)
    waiting = {"type": "active", "activeFlags": ["waitingOnApproval"]}
    assert host.statuses[:2] == [waiting, {"type": "active", "activeFlags": []}]
    output = core.mock.response_requests[1].function_call_output("c1")
    assert output is not None
    assert "made" in output["output"]


async def test_a_command_declined(core: Core) -> None:
    core.mock.enqueue(SHELL, {"text": "Skipped."})
    host = FakeHost(answer=lambda method, params: {"decision": "decline"})
    outcome = await core.turn(host)
    assert outcome.status == "completed"
    assert not (core.conv.settings.cwd / "made.txt").exists()
    [command] = [i for i in host.items("completed") if i["type"] == "commandExecution"]
    assert command["status"] == "declined"
    output = core.mock.response_requests[1].function_call_output("c1")
    assert output is not None
    assert output["output"] == "exec command rejected by user"
    assert host.status == {"type": "active", "activeFlags": []}


async def test_a_failed_request_reads_as_a_failed_approval(core: Core) -> None:
    core.mock.enqueue(SHELL, {"text": "Could not ask."})
    outcome = await core.turn(FakeHost(answer=None))  # the host had nobody to ask
    assert outcome.status == "completed"
    output = core.mock.response_requests[1].function_call_output("c1")
    assert output is not None
    assert output["output"] == "approval request failed"


async def test_an_unattended_host_fails_the_turn_at_the_first_request(core: Core) -> None:
    core.mock.enqueue(SHELL)
    host = FakeHost(interactive=False)
    outcome = await core.turn(host)
    assert (outcome.status, outcome.error and outcome.error["message"]) == ("failed", BLOCKING_MESSAGE)
    assert not (core.conv.settings.cwd / "made.txt").exists()


async def test_an_interrupt(core: Core) -> None:
    core.mock.enqueue({"text": "slow " * 40, "chunk_size": 5, "stall_ms": 20_000, "stall_after": 6})
    host = FakeHost()
    task = asyncio.create_task(core.turn(host))
    await host.wait_for("item/agentMessage/delta")
    task.cancel()  # what turn/interrupt does to the task running the turn
    outcome = await asyncio.wait_for(task, 30)
    assert (outcome.status, outcome.error) == ("interrupted", None)
    assert "thread/tokenUsage/updated" not in host.methods()


async def test_steered_input_joins_before_the_next_request(core: Core) -> None:
    core.mock.enqueue(SHELL, {"text": "Noted."})
    steer: list[Any] = []

    def answer(method: str, params: dict[str, Any]) -> Any:
        steer.append([{"type": "text", "text": "also this"}])  # arrives while the turn waits on the user
        return {"decision": "accept"}

    outcome = await core.turn(FakeHost(answer=answer), steer=steer)
    assert outcome.status == "completed"
    assert core.mock.response_requests[1].message_input_texts("user")[-1] == "also this"
    assert [i["type"] for i in outcome.items].count("userMessage") == 2


async def test_provider_failures_are_retried_then_reported(core: Core) -> None:
    broken = {"text": "never finished", "disconnect_after": 2}
    core.mock.enqueue(broken, broken, {"text": "Third time lucky."})
    host = FakeHost()
    outcome = await core.turn(host)
    assert outcome.status == "completed"
    retries = [p for m, p in host.events if m == "error"]
    assert [(p["willRetry"], p["error"]["message"]) for p in retries] == [
        (True, "Reconnecting... 1/2"),
        (True, "Reconnecting... 2/2"),
    ]
    assert len(core.mock.response_requests) == 3

    core.mock.enqueue(broken, broken, broken)
    failed = await core.turn(FakeHost())
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error["codexErrorInfo"] == "other"
    assert len(core.mock.response_requests) == 6


async def test_an_mcp_call_with_its_approval_through_the_host_alone(core: Core, tmp_path: Path) -> None:
    """The core runs an MCP server and a call to it with no JSON-RPC anywhere: the approval is a host request
    (an elicitation), the item and the status change are host events, the output goes to the model."""
    from server.agent.mcp.config import parse_servers

    table = {"command": sys.executable, "args": ["-m", "harness.mcpprobe"], "tool_timeout_sec": 10}
    servers = parse_servers({"probe": table}, tmp_path / "config.toml")
    host = FakeHost(answer=lambda method, params: {"action": "accept", "content": None})
    manager = McpManager(core.conv.id, servers, core.conv.settings.cwd, host.emit)
    core.conv.mcp = manager
    manager.start()
    call = {"namespace": "mcp__probe", "name": "write_thing", "arguments": {"text": "x"}, "call_id": "m1"}
    core.mock.enqueue({"function_call": call}, {"text": "Wrote it."})
    try:
        outcome = await core.turn(host)
    finally:
        await manager.close()
    assert outcome.status == "completed"
    assert [m for m, _ in host.requests] == ["mcpServer/elicitation/request"]
    assert host.requests[0][1]["_meta"]["codex_approval_kind"] == "mcp_tool_call"
    [item] = [i for i in host.items("completed") if i["type"] == "mcpToolCall"]
    assert (item["server"], item["tool"], item["status"], item["error"]) == ("probe", "write_thing", "completed", None)
    statuses = [p["status"] for m, p in host.events if m == "mcpServer/startupStatus/updated"]
    assert statuses == ["starting", "ready"]
    output = core.mock.response_requests[1].function_call_output("m1")
    assert output is not None
    assert "Wall time:" in json.dumps(output["output"])
    tools = [t["name"] for t in core.mock.response_requests[0].body["tools"]]
    assert "mcp__probe" in tools
