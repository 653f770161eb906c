"""Concurrency soak on one server: 200 `exec/run` calls and 50 threads running tool turns at once,
three rounds. Every answer reaches the session that asked (no cross-talk) and memory stays bounded:
peak RSS per session is reported, and later rounds must not keep growing it (a leak would)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from tests.reliability.report import record
from tests.support.appserver import AppServerProcess
from tests.support.secrets import PLANTED_ENV

ONE_SHOTS, THREADS, ROUNDS = 200, 50, 3
MAX_PEAK_KIB_PER_SESSION = 1024  # measured ~60 KiB; generous for other machines, far below a leak


def _script(r: int) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [{"match": rf"\bjob-{r}-{k}\b", "text": f"answer-{r}-{k}"} for k in range(ONE_SHOTS)]
    for t in range(THREADS):
        call = {
            "name": "exec_command",
            "arguments": {"cmd": f"echo out-{r}-{t}", "login": False},
            "call_id": f"c-{r}-{t}",
        }
        steps += [
            {"match": rf"\bthr-{r}-{t}\b", "function_call": call},
            {"match": rf"\bthr-{r}-{t}\b", "text": f"done-{r}-{t}"},
        ]
    return steps


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


async def _burst(srv: AppServerProcess, threads: list[str], r: int) -> None:
    """One round: every one-shot and every thread's turn in flight at once; check who got what."""
    jobs = {await srv.request("exec/run", {"input": [{"type": "text", "text": f"job-{r}-{k}"}]}): k
            for k in range(ONE_SHOTS)}  # fmt: skip
    for t, thread in enumerate(threads):
        await srv.request("turn/start", {"threadId": thread, "input": [{"type": "text", "text": f"thr-{r}-{t}"}]})
    answers: dict[int, Any] = {}
    by_thread: dict[str, list[dict[str, Any]]] = defaultdict(list)
    completed: dict[str, Any] = {}
    while len(answers) < ONE_SHOTS or len(completed) < THREADS:
        message = await srv._next(timeout=60)
        if message.get("id") in jobs and "result" in message:
            answers[jobs[message["id"]]] = message["result"]
        params = message.get("params") or {}
        if "threadId" in params:
            by_thread[params["threadId"]].append(message)
        if message.get("method") == "turn/completed":
            completed[params["threadId"]] = params["turn"]
    for k, result in answers.items():
        assert (result["status"], result["lastAgentMessage"]) == ("completed", f"answer-{r}-{k}")
    assert len({result["threadId"] for result in answers.values()} | set(threads)) == ONE_SHOTS + THREADS
    for t, thread in enumerate(threads):
        assert completed[thread]["status"] == "completed"
        items = [m["params"]["item"] for m in by_thread[thread] if m.get("method") == "item/completed"]
        command = next(i for i in items if i["type"] == "commandExecution")
        assert command["aggregatedOutput"].strip() == f"out-{r}-{t}"
        assert [i["text"] for i in items if i["type"] == "agentMessage"] == [f"done-{r}-{t}"]


async def test_200_one_shots_and_50_threads_at_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    script = [step for r in range(ROUNDS) for step in _script(r)]
    async with MockProvider(script, speed=0, strict=True) as mock:
        write_codex_home(tmp_path / "home", ProviderSettings(mock.url, env_key=PLANTED_ENV), model="mock-model",
                         approval_policy="never",                          sandbox_mode="workspace-write")  # fmt: skip
        srv = await AppServerProcess.start(tmp_path / "home", cwd=ws)
        await srv.initialize()
        threads = [(await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"] for _ in range(THREADS)]
        baseline, peaks = _kib(srv.proc.pid, "VmRSS"), []
        for r in range(ROUNDS):
            await _burst(srv, threads, r)
            peaks.append(_kib(srv.proc.pid, "VmHWM"))
        await srv.close()
        mock.assert_all_consumed()
        requests = mock.response_requests
    # Each follow-up request carries its own thread's command output and nobody else's.
    for request in requests:
        for output in (i for i in request.body["input"] if i.get("type") == "function_call_output"):
            _, r, t = output["call_id"].split("-")
            assert output["output"].strip().endswith(f"out-{r}-{t}")
            assert f"thr-{r}-{t}" in str(request.body["input"])
    per_session = (peaks[0] - baseline) / (ONE_SHOTS + THREADS)
    record("soak", one_shots=ONE_SHOTS, threads=THREADS, rounds=ROUNDS, baseline_rss_kib=baseline,
           peak_rss_kib_by_round=peaks, peak_kib_per_session=round(per_session, 1),
           model_requests=len(requests))  # fmt: skip
    assert per_session < MAX_PEAK_KIB_PER_SESSION
    assert peaks[-1] - peaks[0] <= max(peaks[0] - baseline, 4096) / 2, f"RSS keeps growing: {peaks}"
