"""Every provider fault crossed with `turn/start` and `exec/run`: the right final status and
`codexErrorInfo`, retries exactly as configured (counted in the mock's journal), no hang, and a rollout
that still reads back. The turn/start column also runs against the real `codex app-server`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.reliability.faults import FAULTS, IDLE_MS, REQUEST_RETRIES, STREAM_RETRIES, TEXT, Fault
from tests.reliability.report import record
from tests.support.appserver import AppServerProcess
from tests.support.secrets import PLANTED_ENV

TURN_TIMEOUT = 30  # the slowest fault (four requests with backoff) ends in about a second


def _home(tmp: Path, mock: MockProvider) -> Path:
    settings = ProviderSettings(mock.url, REQUEST_RETRIES, STREAM_RETRIES, IDLE_MS, env_key=PLANTED_ENV)
    write_codex_home(tmp / "home", settings, model="mock-model", approval_policy="never", sandbox_mode="read-only")
    (tmp / "ws").mkdir(exist_ok=True)
    return tmp / "home"


async def _server(tmp: Path, mock: MockProvider, argv: list[str] | None) -> AppServerProcess:
    home = _home(tmp, mock)
    srv = await AppServerProcess.start(home, argv=argv, cwd=tmp / "ws", env={"HOME": str(home)})
    await srv.initialize()
    return srv


async def run_turn_start(fault: Fault, tmp: Path, argv: list[str] | None = None) -> dict[str, Any]:
    """Run one turn into a persistent fault; check it against the table and return what the client saw."""
    async with MockProvider([fault.step] * (fault.requests + 2), speed=0) as mock:
        srv = await _server(tmp, mock, argv)
        try:
            thread = (await srv.call("thread/start", {"cwd": str(tmp / "ws")}))["thread"]["id"]
            await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "go"}]})
            messages = await srv.collect_until("turn/completed", timeout=TURN_TIMEOUT)
            stored = await srv.call("thread/read", {"threadId": thread, "includeTurns": True})
        finally:
            await srv.close()
        requests = len(mock.response_requests)
    turn = messages[-1]["params"]["turn"]
    errors = [m["params"] for m in messages if m.get("method") == "error"]
    assert requests == fault.requests
    assert sum(e["willRetry"] for e in errors) == fault.retries, errors
    _assert_outcome(fault, turn["status"], turn["error"])
    if fault.fails:
        assert errors[-1]["willRetry"] is False
        assert errors[-1]["error"]["codexErrorInfo"] == fault.info
    assert stored["thread"]["turns"][-1]["status"] == turn["status"]
    for rollout in (tmp / "home" / "sessions").rglob("*.jsonl"):
        assert all(json.loads(line) for line in rollout.read_text().splitlines())
    notices = [{**e["error"], "message": _plain(e["error"]["message"]), "willRetry": e["willRetry"],
                "additionalDetails": _plain(e["error"]["additionalDetails"] or "")} for e in errors]  # fmt: skip
    error = turn["error"] and {**turn["error"], "message": _plain(turn["error"]["message"])}
    return {"requests": requests, "status": turn["status"], "error": error, "notices": notices}


def _plain(message: str) -> str:
    """Ports and request ids differ from run to run."""
    return re.sub(r"req_[0-9a-f]+", "req_ID", re.sub(r"127\.0\.0\.1:\d+", "HOST", message))


def _assert_outcome(fault: Fault, status: str, error: dict[str, Any] | None) -> None:
    if fault.fails:
        assert status == "failed"
        assert error is not None
        assert error["codexErrorInfo"] == fault.info
    else:
        assert status == "completed"
        assert error is None


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_turn_start(name: str, tmp_path: Path) -> None:
    outcome = await run_turn_start(FAULTS[name], tmp_path)
    record(f"fault-{name}-turn-start", requests=outcome["requests"], status=outcome["status"],
           retries=sum(n["willRetry"] for n in outcome["notices"]),
           info=outcome["error"] and outcome["error"]["codexErrorInfo"])  # fmt: skip


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_exec_run(name: str, tmp_path: Path) -> None:
    fault = FAULTS[name]
    async with MockProvider([fault.step] * (fault.requests + 2), speed=0) as mock:
        srv = await _server(tmp_path, mock, None)
        try:
            result = await srv.call("exec/run", {"input": [{"type": "text", "text": "go"}]}, timeout=TURN_TIMEOUT)
        finally:
            await srv.close()
        assert len(mock.response_requests) == fault.requests
    _assert_outcome(fault, result["status"], result["error"])
    record(f"fault-{name}-exec-run", requests=fault.requests, status=result["status"],
           info=result["error"] and result["error"]["codexErrorInfo"])  # fmt: skip
    assert not (tmp_path / "home" / "sessions").exists()  # ephemeral: nothing persisted, even on failure


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_the_real_codex_sees_the_same(name: str, tmp_path: Path) -> None:
    """Same table for the real server, and the same messages, infos and retry notices as ours."""
    real = await run_turn_start(FAULTS[name], tmp_path / "codex", [str(find_codex()), "app-server"])
    ours = await run_turn_start(FAULTS[name], tmp_path / "ours")
    assert ours == real
    record(f"fault-{name}-codex", same=True, requests=real["requests"])


@pytest.mark.parametrize("name", sorted(n for n, f in FAULTS.items() if f.requests > 1))
async def test_a_transient_fault_is_retried_then_the_turn_completes(name: str, tmp_path: Path) -> None:
    async with MockProvider([FAULTS[name].step, {"text": TEXT}], speed=0) as mock:
        srv = await _server(tmp_path, mock, None)
        try:
            result = await srv.call("exec/run", {"input": [{"type": "text", "text": "go"}]}, timeout=TURN_TIMEOUT)
        finally:
            await srv.close()
        assert len(mock.response_requests) == 2
    assert (result["status"], result["lastAgentMessage"]) == ("completed", TEXT)
