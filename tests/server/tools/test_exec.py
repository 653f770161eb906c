from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.sandbox import SandboxMode, SandboxPolicy
from server.tools.exec import ExecManager, truncate

WS = SandboxPolicy(SandboxMode.WORKSPACE_WRITE, include_tmp=False)


@pytest.fixture
async def manager() -> AsyncIterator[ExecManager]:
    mgr = ExecManager()
    yield mgr
    await mgr.close()


async def test_a_quick_command_returns_its_exit_code_and_output(manager: ExecManager, tmp_path: Path) -> None:
    streamed: list[bytes] = []
    result = await manager.start(["bash", "-c", "echo hi; echo err >&2; exit 3"], tmp_path, WS, sink=streamed.append)
    text = result.for_model()
    assert (result.exit_code, result.session_id, result.output) == (3, None, "hi\nerr\n")
    assert b"".join(streamed) == b"hi\nerr\n"
    expected = r"Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 3\n"
    assert re.fullmatch(expected + r"Original token count: 2\nOutput:\nhi\nerr\n", text)
    assert manager.sessions == {}


async def test_a_long_command_yields_a_session_to_type_into(manager: ExecManager, tmp_path: Path) -> None:
    first = await manager.start(["bash", "-c", "echo ready; read line; echo got:$line"], tmp_path, WS, yield_ms=300)
    assert (first.exit_code, first.output) == (None, "ready\n")
    assert first.session_id in manager.sessions
    assert f"Process running with session ID {first.session_id}" in first.for_model()
    second = await manager.write_stdin(first.session_id or 0, "hello\n", yield_ms=10_000)
    assert (second.exit_code, second.output, second.session_id) == (0, "got:hello\n", None)
    with pytest.raises(KeyError, match="Unknown session id"):
        await manager.write_stdin(first.session_id or 0, "", 10)


async def test_tty_sessions_see_a_terminal(manager: ExecManager, tmp_path: Path) -> None:
    result = await manager.start(["bash", "-c", "test -t 1 && echo tty || echo notty"], tmp_path, WS, tty=True)
    assert (result.exit_code, result.output.strip()) == (0, "tty")


async def test_close_kills_running_sessions(manager: ExecManager, tmp_path: Path) -> None:
    running = await manager.start(["sleep", "300"], tmp_path, WS, yield_ms=50)
    session = manager.sessions[running.session_id or 0]
    await manager.close()
    assert session.process.returncode is not None
    assert manager.sessions == {}


async def test_secrets_are_not_in_the_command_environment(manager: ExecManager, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    result = await manager.start(["bash", "-c", "env | grep -c sk-should-not-leak || true"], tmp_path, WS)
    assert result.output.strip() == "0"


def test_truncation_keeps_head_and_tail_in_codexs_words() -> None:
    # Same layout as codex 0.163 (checked side by side on `seq 1 20000`: identical length and markers).
    text, tokens = truncate("a" * 400 + "b" * 400, max_tokens=20)
    assert tokens == 200
    warning = "Warning: truncated output (original token count: 200)\nTotal output lines: 1\n\n"
    assert text == warning + "a" * 40 + "…180 tokens truncated…" + "b" * 40
