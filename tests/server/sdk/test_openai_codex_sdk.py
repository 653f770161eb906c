"""The official `openai-codex` Python SDK (0.163.0) drives our server unchanged."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_codex import Codex, CodexConfig
from openai_codex.client import CodexClient
from openai_codex.models import AgentMessageDeltaNotification

from mockprovider import ThreadedMockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home

# The SDK leaves its subprocess pipes to the garbage collector; that is its business, not a test failure.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def mock() -> Iterator[ThreadedMockProvider]:
    with ThreadedMockProvider(speed=0) as provider:
        yield provider


def sdk_config(tmp_path: Path, mock: ThreadedMockProvider, **top: object) -> CodexConfig:
    home, ws = tmp_path / "home", tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    write_codex_home(home, ProviderSettings(mock.url), model="mock-model", **top)
    return CodexConfig(
        launch_args_override=(sys.executable, "-m", "server"), env={"CODEX_HOME": str(home)}, cwd=str(ws)
    )


def test_thread_start_and_run(tmp_path: Path, mock: ThreadedMockProvider) -> None:
    mock.enqueue({"reasoning": "thinking", "text": "Hello from our server"}, {"text": "second turn"})
    with Codex(sdk_config(tmp_path, mock)) as codex:
        server_info = codex.metadata.serverInfo
        assert server_info is not None
        assert server_info.version is not None
        assert server_info.version.split()[0] == "0.163.0"
        thread = codex.thread_start(cwd=str(tmp_path / "ws"))
        first = thread.run("Say hello")
        second = thread.run("Again")
        read = thread.read(include_turns=True)
    assert (first.status.value, first.final_response, second.final_response) == (
        "completed",
        "Hello from our server",
        "second turn",
    )
    assert [item.root.type for item in first.items] == ["userMessage", "reasoning", "agentMessage"]
    assert first.usage is not None
    assert first.usage.last.total_tokens > 0
    assert len(read.thread.turns) == 2


def test_streamed_turn(tmp_path: Path, mock: ThreadedMockProvider) -> None:
    mock.enqueue({"text": "streamed in small pieces", "chunk_size": 4})
    with Codex(sdk_config(tmp_path, mock)) as codex:
        thread = codex.thread_start(cwd=str(tmp_path / "ws"))
        handle = thread.turn("stream please")
        events = list(handle.stream())
    methods = [e.method for e in events]
    deltas = "".join(e.payload.delta for e in events if isinstance(e.payload, AgentMessageDeltaNotification))
    assert deltas == "streamed in small pieces"
    assert methods[-1] == "turn/completed"
    assert methods.count("item/agentMessage/delta") == 6


def test_failed_turn_surfaces_the_error(tmp_path: Path, mock: ThreadedMockProvider) -> None:
    mock.enqueue({"failed": {"code": "insufficient_quota", "message": "nope"}})
    with Codex(sdk_config(tmp_path, mock)) as codex:
        thread = codex.thread_start(cwd=str(tmp_path / "ws"))
        with pytest.raises(RuntimeError, match=r"^Quota exceeded\. Check your plan and billing details\.$"):
            thread.turn("fail").run()
        turns = thread.read(include_turns=True).thread.turns
    assert [t.status.value for t in turns] == ["failed"]


@pytest.mark.parametrize(
    ("decision", "created", "status"), [("accept", True, "completed"), ("decline", False, "declined")]
)
def test_the_sdk_approval_handler_answers_our_requests(
    tmp_path: Path, mock: ThreadedMockProvider, decision: str, created: bool, status: str
) -> None:
    mock.enqueue(
        {"function_call": {"name": "exec_command", "arguments": {"cmd": "touch approved.txt"}, "call_id": "call_sdk"}},
        {"text": "finished"},
    )
    asked: list[tuple[str, Any]] = []

    def handler(method: str, params: dict[str, Any] | None) -> dict[str, Any]:
        asked.append((method, (params or {}).get("itemId")))
        return {"decision": decision}

    ws = tmp_path / "ws"
    with CodexClient(sdk_config(tmp_path, mock), approval_handler=handler) as client:
        client.initialize()
        started = client.thread_start(
            {"cwd": str(ws), "approvalPolicy": "untrusted", "approvalsReviewer": "user", "sandbox": "workspace-write"}
        )
        turn = client.turn_start(started.thread.id, "make the file")
        completed = client.wait_for_turn_completed(turn.turn.id)
        read = client.thread_read(started.thread.id, include_turns=True)
    items = [i.root for i in read.thread.turns[0].items]
    command = next(i for i in items if i.type == "commandExecution")
    assert asked == [("item/commandExecution/requestApproval", "call_sdk")]
    assert completed.turn.status.value == "completed"
    assert ((ws / "approved.txt").exists(), command.status.value) == (created, status)
