"""Thread lifecycle over stdio, persistence across restarts (compare thread_lifecycle.jsonl)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Env, start_thread
from tests.support.appserver import AppServerProcess, RpcFailure


async def run_turn(srv: AppServerProcess, thread: str, text: str) -> dict[str, Any]:
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": text}]})
    turn: dict[str, Any] = (await srv.read_notification("turn/completed"))["params"]["turn"]
    return turn


async def test_start_emits_response_then_started(env: Env) -> None:
    srv = await env.server()
    request_id = await srv.request("thread/start", {"cwd": str(env.ws)})
    skip = "remoteControl/status/changed"  # initialize's notice
    first = await srv.read_until(lambda m: m.get("method") != skip)
    second = await srv.read_until(lambda m: m.get("method") != skip)
    thread = first["result"]["thread"]
    assert (first["id"], second["method"], second["params"]["thread"]["id"]) == (
        request_id,
        "thread/started",
        thread["id"],
    )
    assert (thread["status"], thread["ephemeral"], thread["preview"], thread["turns"]) == (
        {"type": "idle"},
        False,
        "",
        [],
    )
    assert not (env.home / "sessions").exists()  # the rollout appears with the first turn


async def test_list_read_name_archive_unarchive(env: Env) -> None:
    env.mock.enqueue({"text": "one"}, {"text": "two"})
    srv = await env.server()
    a, b = await start_thread(srv, env.ws), await start_thread(srv, env.ws)
    await start_thread(srv, env.ws)  # never used: not listed
    await run_turn(srv, a, "first thread")
    await run_turn(srv, b, "second thread")
    listing = await srv.call("thread/list", {"limit": 1})
    page2 = await srv.call("thread/list", {"limit": 1, "cursor": listing["nextCursor"]})
    assert [t["id"] for t in listing["data"] + page2["data"]] == [b, a]
    assert page2["nextCursor"] is None
    await srv.call("thread/name/set", {"threadId": a, "name": "Named"})
    assert (await srv.read_notification("thread/name/updated"))["params"] == {"threadId": a, "threadName": "Named"}
    read = await srv.call("thread/read", {"threadId": a, "includeTurns": True})
    assert (read["thread"]["name"], read["thread"]["preview"], len(read["thread"]["turns"])) == (
        "Named",
        "first thread",
        1,
    )
    assert [i["type"] for i in read["thread"]["turns"][0]["items"]] == ["userMessage", "agentMessage"]
    await srv.call("thread/archive", {"threadId": a})
    assert (await srv.read_notification("thread/archived"))["params"] == {"threadId": a}
    assert [t["id"] for t in (await srv.call("thread/list", {}))["data"]] == [b]
    assert [t["id"] for t in (await srv.call("thread/list", {"archived": True}))["data"]] == [a]
    restored = await srv.call("thread/unarchive", {"threadId": a})
    assert restored["thread"]["status"] == {"type": "notLoaded"}
    assert sorted(t["id"] for t in (await srv.call("thread/list", {}))["data"]) == sorted([a, b])


async def test_errors_for_unknown_threads(env: Env) -> None:
    srv = await env.server()
    missing = "01a20000-0000-7000-8000-000000000000"
    messages = {}
    for method, params in {"thread/resume": {"threadId": missing}, "thread/archive": {"threadId": missing},
                           "thread/read": {"threadId": missing}, "turn/start": {"threadId": missing, "input": []},
                           "thread/name/set": {"threadId": missing, "name": "  "}}.items():  # fmt: skip
        try:
            await srv.call(method, params)
        except RpcFailure as exc:
            messages[method] = exc.error["message"]
    assert messages == {
        "thread/resume": f"no rollout found for thread id {missing}",
        "thread/archive": f"no rollout found for thread id {missing}",
        "thread/read": f"thread not loaded: {missing}",
        "turn/start": f"thread not found: {missing}",
        "thread/name/set": "thread name must not be empty",
    }


async def test_an_unknown_model_provider_is_refused_in_the_real_servers_words(env: Env) -> None:
    srv = await env.server()
    for params in ({"modelProvider": "nope"}, {"modelProvider": "nope", "model": None}):
        with pytest.raises(RpcFailure) as refused:
            await start_thread(srv, env.ws, **params)
        message = "failed to load configuration: Model provider `nope` not found"
        assert refused.value.error == {"code": -32600, "message": message}


async def test_resume_after_restart_rebuilds_turns_and_history(env: Env) -> None:
    env.mock.enqueue({"text": "remembered"}, {"text": "second answer"})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await run_turn(srv, thread, "remember this")
    assert await srv.close() == 0
    srv2 = await env.server()
    resumed = await srv2.call("thread/resume", {"threadId": thread})
    turns = resumed["thread"]["turns"]
    assert [(t["status"], [i["type"] for i in t["items"]]) for t in turns] == [
        ("completed", ["userMessage", "agentMessage"])
    ]
    turn = await run_turn(srv2, thread, "and now?")
    second_request = env.mock.response_requests[1]
    assert turn["status"] == "completed"
    assert second_request.message_input_texts("user")[-1] == "and now?"
    assert "remember this" in second_request.message_input_texts("user")
    assert any(i.get("role") == "assistant" for i in second_request.input())  # full history re-sent


async def test_fork_copies_history_and_ephemeral_threads_are_not_persisted(env: Env) -> None:
    env.mock.enqueue({"text": "base"}, {"text": "forked"})
    srv = await env.server()
    source = await start_thread(srv, env.ws)
    await run_turn(srv, source, "base turn")
    fork = await srv.call("thread/fork", {"threadId": source})
    forked = fork["thread"]
    assert (forked["forkedFromId"], len(forked["turns"])) == (source, 1)
    await run_turn(srv, forked["id"], "on the fork")
    assert "base turn" in env.mock.response_requests[1].message_input_texts("user")
    eph = await srv.call("thread/start", {"cwd": str(env.ws), "ephemeral": True})
    assert (eph["thread"]["ephemeral"], eph["thread"]["path"]) == (True, None)
    loaded = await srv.call("thread/loaded/list", {})
    assert eph["thread"]["id"] in loaded["data"]
    with_eph = await srv.call("thread/read", {"threadId": eph["thread"]["id"]})
    assert with_eph["thread"]["ephemeral"] is True


async def test_unsubscribe_statuses(env: Env) -> None:
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    first = await srv.call("thread/unsubscribe", {"threadId": thread})
    second = await srv.call("thread/unsubscribe", {"threadId": thread})
    other = await srv.call("thread/unsubscribe", {"threadId": "01a20000-0000-7000-8000-00000000000f"})
    assert [first["status"], second["status"], other["status"]] == ["unsubscribed", "notSubscribed", "notLoaded"]


async def test_rollback_drops_turns(env: Env) -> None:
    env.mock.enqueue({"text": "a"}, {"text": "b"}, {"text": "c"})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await run_turn(srv, thread, "keep")
    await run_turn(srv, thread, "drop")
    rolled = await srv.call("thread/rollback", {"threadId": thread, "numTurns": 1})
    assert len(rolled["thread"]["turns"]) == 1
    await run_turn(srv, thread, "after")
    texts = env.mock.response_requests[2].message_input_texts("user")
    assert "keep" in texts
    assert "drop" not in texts
