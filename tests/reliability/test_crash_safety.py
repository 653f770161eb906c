"""SIGKILL the server at seeded random points of 200 scripted turns on several threads: after each
restart every thread resumes, every item the client saw completed is stored, and no rollout line is torn."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from tests.reliability.report import record
from tests.support.appserver import AppServerProcess
from tests.support.secrets import PLANTED_ENV

TURNS, THREADS, SEED = 200, 4, 20261130
SCRIPT: list[dict[str, Any]] = [
    {"text": "a plain answer, split into a few deltas"},
    {"reasoning": "think first", "text": "then answer"},
    {"function_call": {"name": "exec_command", "arguments": {"cmd": "echo crash-safety"}}},
    {"text": "done after the command"},
]


@dataclass
class Seen:
    """What the client was told, per thread: items completed, turns completed."""

    items: dict[str, set[str]] = field(default_factory=dict)
    completed_turns: dict[str, set[str]] = field(default_factory=dict)
    turns_started: int = 0
    acknowledged: set[str] = field(default_factory=set)  # turn/start answered: the client holds its id

    def take(self, message: dict[str, Any]) -> str | None:
        """Record a notification; return the thread id when one of its turns ended."""
        method, params = message.get("method"), message.get("params") or {}
        if "turn" in (message.get("result") or {}):
            self.acknowledged.add(message["result"]["turn"]["id"])
        elif method == "item/completed":
            self.items.setdefault(params["threadId"], set()).add(params["item"]["id"])
        elif method == "turn/completed":
            self.completed_turns.setdefault(params["threadId"], set()).add(params["turn"]["id"])
            return str(params["threadId"])
        return None


async def _turn(srv: AppServerProcess, thread: str, seen: Seen) -> None:
    seen.turns_started += 1
    await srv.request(
        "turn/start", {"threadId": thread, "input": [{"type": "text", "text": f"turn {seen.turns_started}"}]}
    )


async def _cycle(srv: AppServerProcess, threads: list[str], seen: Seen, kill_after: int) -> None:
    """Keep every thread busy with turns until `kill_after` messages arrived (or the budget is spent)."""
    busy = set()
    for thread in threads[: TURNS - seen.turns_started]:
        await _turn(srv, thread, seen)
        busy.add(thread)
    for _ in range(kill_after):
        if not busy:
            return
        ended = seen.take(await srv._next(timeout=30))
        if ended is None:
            continue
        if seen.turns_started < TURNS:
            await _turn(srv, ended, seen)
        else:
            busy.discard(ended)


async def test_sigkill_at_random_points_of_200_turns_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    home, ws = tmp_path / "home", tmp_path / "ws"
    ws.mkdir()
    seen, kills = Seen(), 0
    threads: list[str] = []
    async with MockProvider(SCRIPT, loop_script=True, speed=0) as mock:
        write_codex_home(home, ProviderSettings(mock.url, env_key=PLANTED_ENV), model="mock-model",
                         approval_policy="never",                          sandbox_mode="workspace-write")  # fmt: skip
        while seen.turns_started < TURNS:
            srv = await AppServerProcess.start(home, cwd=ws)
            await srv.initialize()
            for thread in threads:
                await srv.call("thread/resume", {"threadId": thread})
            while len(threads) < THREADS:
                threads.append((await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"])
            await _cycle(srv, threads, seen, kill_after=rng.randint(5, 400))
            srv.kill()  # SIGKILL: no chance to flush or close anything
            await srv.proc.wait()
            kills += 1
            _assert_no_torn_line(home)
        final = await AppServerProcess.start(home, cwd=ws)
        await final.initialize()
        stored = {t: (await final.call("thread/resume", {"threadId": t}))["thread"]["turns"] for t in threads}
        await final.close()
    assert kills >= 5
    for thread, turns in stored.items():
        items = {item["id"] for turn in turns for item in turn["items"]}
        assert seen.items.get(thread, set()) <= items, f"{thread}: items the client saw completed are missing"
        by_id = {turn["id"]: turn["status"] for turn in turns}
        for turn_id in seen.completed_turns.get(thread, set()):
            assert by_id.get(turn_id) in ("completed", "failed", "interrupted"), (turn_id, by_id.get(turn_id))
        assert all(status != "inProgress" for status in by_id.values())  # a killed turn reads back interrupted
    stored_turns = {turn["id"] for turns in stored.values() for turn in turns}
    assert seen.acknowledged <= stored_turns, "a turn the client was told started is missing"
    assert len(seen.acknowledged) >= TURNS - kills  # at most the turn/start in flight at each kill is lost
    statuses = [turn["status"] for turns in stored.values() for turn in turns]
    record("crash", turns_started=seen.turns_started, kills=kills, threads=THREADS, acknowledged=len(seen.acknowledged),
           items_seen=sum(map(len, seen.items.values())), stored_turns=len(statuses),
           interrupted=statuses.count("interrupted"), completed=statuses.count("completed"))  # fmt: skip


def _assert_no_torn_line(home: Path) -> None:
    for rollout in (home / "sessions").rglob("*.jsonl"):
        data = rollout.read_bytes()
        assert not data or data.endswith(b"\n"), f"{rollout.name}: torn last line"
        for line in data.splitlines():
            json.loads(line)
