"""Issue 13's thread methods through the real server process: delete, goals, turn/item pages, read state,
compaction and user shell turns, sections, attachments, fuzzy search sessions and command/exec checks (the
answers' shapes are compared with the real codex app-server by tests/server/diff/test_parity.py)."""

from __future__ import annotations

import json

import pytest

from tests.server.conftest import Env, start_thread
from tests.server.e2e.test_threads import run_turn
from tests.support.appserver import RpcFailure, methods


async def failure(call: object) -> dict[str, object]:
    with pytest.raises(RpcFailure) as caught:
        await call  # type: ignore[misc]
    return caught.value.error


async def test_pages_read_state_and_delete(env: Env) -> None:
    env.mock.enqueue({"text": "one"}, {"text": "two"})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    error = await failure(srv.call("thread/turns/list", {"threadId": thread}))
    assert error["message"] == (f"thread {thread} is not materialized yet; "
                                "thread/turns/list is unavailable before first user message")  # fmt: skip
    assert (await srv.call("thread/read", {"threadId": thread}))["readState"] is None
    first = await run_turn(srv, thread, "first")
    changed = [m for m in srv.buffer if m.get("method") == "thread/readState/changed"]
    assert [c["params"]["readState"]["firstUnread"] for c in changed] == [{"type": "turn", "turnId": first["id"]}]
    second = await run_turn(srv, thread, "second")  # the first unread turn stays put; the revision moves on
    changed = [m["params"]["readState"] for m in srv.buffer if m.get("method") == "thread/readState/changed"]
    assert [c["firstUnread"]["turnId"] for c in changed] == [first["id"], first["id"]]
    assert changed[0]["revision"] != changed[1]["revision"]
    read = await srv.call("thread/read", {"threadId": thread})
    assert read["readState"]["firstUnread"]["turnId"] == first["id"]
    listed = await srv.call("thread/list", {})
    assert listed["readStates"][thread] == read["readState"]
    assert listed["backwardsCursor"] is not None

    page = await srv.call("thread/turns/list", {"threadId": thread, "limit": 1})
    assert [t["id"] for t in page["data"]] == [second["id"]]  # newest first
    rest = await srv.call("thread/turns/list", {"threadId": thread, "limit": 1, "cursor": page["nextCursor"]})
    assert ([t["id"] for t in rest["data"]], rest["nextCursor"]) == ([first["id"]], None)
    items = await srv.call("thread/items/list", {"threadId": thread})
    assert [(e["turnId"], e["item"]["type"]) for e in items["data"]] == [
        (first["id"], "userMessage"), (first["id"], "agentMessage"),
        (second["id"], "userMessage"), (second["id"], "agentMessage"),
    ]  # fmt: skip

    path = (await srv.call("thread/read", {"threadId": thread}))["thread"]["path"]
    assert await srv.call("thread/delete", {"threadId": thread}) == {}
    assert (await srv.read_notification("thread/deleted"))["params"] == {"threadId": thread}
    assert not (env.ws / path).exists()
    assert (await failure(srv.call("thread/read", {"threadId": thread})))["message"] == f"thread not loaded: {thread}"
    bad = await failure(srv.call("thread/delete", {"threadId": "nope"}))
    assert str(bad["message"]).startswith("invalid thread id: invalid character")


async def test_goals_notify_and_clear(env: Env) -> None:
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    assert await srv.call("thread/goal/get", {"threadId": thread}) == {"goal": None}
    error = await failure(srv.call("thread/goal/set", {"threadId": thread, "status": "paused"}))
    assert error["message"] == f"cannot update goal for thread {thread}: no goal exists"
    goal = (await srv.call("thread/goal/set", {"threadId": thread, "objective": "ship it"}))["goal"]
    assert (goal["objective"], goal["status"], goal["tokensUsed"]) == ("ship it", "active", 0)
    assert (await srv.read_notification("thread/goal/updated"))["params"]["goal"] == goal
    paused = (await srv.call("thread/goal/set", {"threadId": thread, "status": "paused"}))["goal"]
    assert paused["status"] == "paused"
    assert await srv.call("thread/goal/clear", {"threadId": thread}) == {"cleared": True}
    await srv.read_notification("thread/goal/cleared")
    assert await srv.call("thread/goal/clear", {"threadId": thread}) == {"cleared": False}


async def test_compaction_and_user_shell_turns_complete(env: Env) -> None:
    env.mock.enqueue({"text": "one"})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await run_turn(srv, thread, "first")
    srv.buffer.clear()
    assert await srv.call("thread/compact/start", {"threadId": thread}) == {}
    seen = await srv.collect_until("turn/completed", timeout=10)
    assert [m for m in methods(seen) if m.startswith(("turn/", "item/"))] == [
        "turn/started", "item/started", "item/completed", "turn/completed"]  # fmt: skip
    assert seen[-1]["params"]["turn"]["status"] == "completed"
    assert await srv.call("thread/shellCommand", {"threadId": thread, "command": "echo hi; exit 3"}) == {}
    seen = await srv.collect_until("turn/completed", timeout=10)
    done = next(m for m in seen if m.get("method") == "item/completed")["params"]["item"]
    assert (done["source"], done["status"], done["exitCode"], done["aggregatedOutput"]) == (
        "userShell", "failed", 3, "hi\n")  # fmt: skip
    assert done["command"] == "/bin/bash -lc 'echo hi; exit 3'"


async def test_sections_and_attachments(env: Env) -> None:
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    sections = (await srv.call("threadSection/list", {}))["data"]
    assert [s["name"] for s in sections] == ["Pinned"]
    made = (await srv.call("threadSection/create", {"name": "Work"}))["section"]
    assert await srv.call("thread/section/move", {"threadId": thread, "sectionId": made["id"]}) == {}
    error = await failure(srv.call("threadSection/delete", {"sectionId": "x"}))
    assert error == {"code": -32602, "message": "thread section not found: x"}
    args = {"threadId": thread, "attachmentType": "doc", "identityKey": "k1"}
    added = await srv.call("thread/attachment/add", {**args, "payload": {"v": 1}})
    again = await srv.call("thread/attachment/add", {**args, "payload": {"v": 2}})
    assert (added["outcome"], again["outcome"], again["attachment"]) == ("created", "existing", added["attachment"])
    owners = await srv.call("thread/attachmentOwner/list", {"attachmentType": "doc", "identityKey": "k1"})
    assert owners["data"] == [{"threadId": thread, "archived": False}]
    await srv.call("thread/attachment/remove", args)
    assert (await srv.call("thread/attachment/list", {"threadId": thread}))["data"] == []


async def test_fuzzy_search_and_its_sessions(env: Env) -> None:
    (env.ws / "src").mkdir()
    (env.ws / "src" / "b.py").write_text("")
    srv = await env.server()
    files = (await srv.call("fuzzyFileSearch", {"query": "bpy", "roots": [str(env.ws)]}))["files"]
    assert [(f["path"], f["match_type"], f["indices"]) for f in files] == [("src/b.py", "file", [4, 6, 7])]
    await srv.call("fuzzyFileSearch/sessionStart", {"sessionId": "s1", "roots": [str(env.ws)]})
    await srv.call("fuzzyFileSearch/sessionUpdate", {"sessionId": "s1", "query": "src"})
    updated = await srv.read_notification("fuzzyFileSearch/sessionUpdated")
    assert updated["params"]["files"][0]["path"] == "src"
    assert (await srv.read_notification("fuzzyFileSearch/sessionCompleted"))["params"] == {"sessionId": "s1"}
    await srv.call("fuzzyFileSearch/sessionStop", {"sessionId": "s1"})
    error = await failure(srv.call("fuzzyFileSearch/sessionUpdate", {"sessionId": "s1", "query": "x"}))
    assert error["message"] == "fuzzy file search session not found: s1"


async def test_command_exec_checks_as_codex(env: Env) -> None:
    srv = await env.server()
    error = await failure(srv.call("command/exec/write", {"processId": "p"}))
    assert error == {"code": -32602, "message": "command/exec/write requires deltaBase64 or closeStdin"}
    error = await failure(srv.call("command/exec/resize", {"processId": "p", "size": {"rows": 0, "cols": 0}}))
    assert error == {"code": -32602, "message": "command/exec size rows and cols must be greater than 0"}
    request = await srv.request("command/exec", {"command": ["sleep", "5"], "processId": "p1", "streamStdin": True})
    resize = await srv.request("command/exec/resize", {"processId": "p1", "size": {"rows": 10, "cols": 80}})
    answer = await srv.read_response(resize)
    assert answer["error"] == {"code": -32600, "message": "failed to resize PTY: process is not attached to a PTY"}
    await srv.call("command/exec/terminate", {"processId": "p1"})
    await srv.read_response(request)
    assert json.dumps(answer)  # the server kept serving
