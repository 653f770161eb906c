"""SIGKILL mid-turn loses nothing the client was told about; the rollout reads back cleanly."""

from __future__ import annotations

import json
from typing import Any

from tests.server.conftest import Env, start_thread


async def test_sigkill_mid_turn_keeps_every_reported_item(env: Env) -> None:
    env.mock.enqueue(
        {
            "reasoning": "first think",
            "function_call": {"name": "exec_command", "arguments": {"cmd": "echo before-the-crash"}, "call_id": "k1"},
        },
        {"text": "this answer stalls " * 5, "stall_ms": 60_000, "stall_after": 6},
    )
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "work then crash"}]})
    seen: list[dict[str, Any]] = []
    while len(seen) < 3:  # userMessage, reasoning, commandExecution
        message = await srv.read_notification("item/completed")
        seen.append(message["params"]["item"])
    await srv.read_notification("item/agentMessage/delta")  # mid-stream on the second request
    srv.kill()
    await srv.proc.wait()
    rollout = next((env.home / "sessions").rglob("*.jsonl"))
    lines = rollout.read_text().splitlines()
    assert all(json.loads(line) for line in lines)  # no torn line
    restarted = await env.server()
    resumed = await restarted.call("thread/resume", {"threadId": thread})
    [turn] = resumed["thread"]["turns"]
    assert turn["status"] == "interrupted"
    assert [i["id"] for i in turn["items"]] == [i["id"] for i in seen]
    assert [i["type"] for i in turn["items"]] == ["userMessage", "reasoning", "commandExecution"]
