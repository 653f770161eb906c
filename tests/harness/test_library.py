"""The cassette library: every cassette replays against our server with its golden transcript equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.session import replay

LIBRARY = Path(__file__).parents[2] / "cassettes"
CASSETTES = sorted(LIBRARY.glob("*/*.yaml"))


def test_the_library_covers_what_it_promises() -> None:
    names = {f"{p.parent.name}/{p.stem}" for p in CASSETTES}
    expected = {
        "exec_run/completes", "exec_run/empty_input", "exec_run/output_schema", "exec_run/blocked_user_input",
        "exec_run/blocked_escalation", "exec_run/blocked_patch", "exec_run/blocked_dynamic_tool", "turns/text",
        "turns/reasoning", "approvals/exec_accepted", "approvals/exec_declined", "approvals/exec_cancelled",
        "approvals/patch_accepted", "approvals/patch_declined", "approvals/patch_accept_for_session",
        "turns/interrupt_during_command", "failures/http_500_then_retry", "failures/http_429_retry_after",
        "failures/response_failed", "failures/stream_cut_mid_event", "threads/resumed_after_restart",
        "exec_run/blocked_elicitation", "approvals/mcp_tool_accepted", "approvals/mcp_tool_declined",
    }  # fmt: skip
    assert names == expected
    assert all(p.with_suffix(".jsonl").exists() for p in CASSETTES)


@pytest.mark.parametrize("path", CASSETTES, ids=[f"{p.parent.name}/{p.stem}" for p in CASSETTES])
async def test_cassette_replays_with_its_golden(path: Path) -> None:
    result = await replay(path)
    assert result.unplayed == []
    assert result.diff == []
