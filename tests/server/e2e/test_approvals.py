"""Approval flows over stdio: accept, decline, cancel, acceptForSession, errors, interrupt, disconnect, resume."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Env, call_output, start_thread
from tests.support.appserver import AppServerProcess, methods

PATCH_ADD = "*** Begin Patch\n*** Add File: README.md\n+new line\n*** End Patch\n"
PATCH_UPDATE = "*** Begin Patch\n*** Update File: README.md\n-new line\n+newer line\n*** End Patch\n"


def shell(call_id: str, cmd: str) -> dict[str, Any]:
    return {"function_call": {"name": "exec_command", "arguments": {"cmd": cmd}, "call_id": call_id}}


def patch(call_id: str, text: str) -> dict[str, Any]:
    return {"custom_tool_call": {"name": "apply_patch", "input": text, "call_id": call_id}}


async def begin(env: Env, *steps: dict[str, Any], policy: str = "untrusted") -> tuple[AppServerProcess, str]:
    env.mock.enqueue(*steps)
    srv = await env.server()
    thread = await start_thread(srv, env.ws, approvalPolicy=policy, sandbox="workspace-write")
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "work"}]})
    return srv, thread


def completed_items(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        m["params"]["item"]
        for m in messages
        if m.get("method") == "item/completed" and m["params"]["item"]["type"] == kind
    ]


@pytest.mark.parametrize("decision", ["accept", "approved"])
async def test_accept_runs_the_command(env: Env, decision: str) -> None:
    srv, thread = await begin(env, shell("call_A", "touch created.txt && echo made"), {"text": "All done."})
    request = await srv.read_request("item/commandExecution/requestApproval")
    before = srv.buffer[-2:]  # what came just before the request, in order
    srv.buffer.clear()
    assert methods(before) == ["thread/status/changed", "item/started"]
    assert before[0]["params"]["status"] == {"type": "active", "activeFlags": ["waitingOnApproval"]}
    assert (before[1]["params"]["item"]["type"], before[1]["params"]["item"]["status"]) == (
        "commandExecution",
        "inProgress",
    )
    assert request["params"]["itemId"] == "call_A"
    assert request["params"]["command"] == "/bin/bash -lc 'touch created.txt && echo made'"
    await srv.respond(request["id"], {"decision": decision})
    after = await srv.collect_until("turn/completed")
    assert methods(after)[:2] == ["serverRequest/resolved", "thread/status/changed"]
    assert after[0]["params"] == {"threadId": thread, "requestId": request["id"]}
    [item] = completed_items(after, "commandExecution")
    assert (item["status"], item["exitCode"]) == ("completed", 0)
    assert item["aggregatedOutput"].endswith("made\n")  # a login shell's profile may print first
    assert (env.ws / "created.txt").exists()
    assert after[-1]["params"]["turn"]["status"] == "completed"


@pytest.mark.parametrize("decision", ["decline", "denied"])
async def test_decline_skips_the_command_and_the_turn_goes_on(env: Env, decision: str) -> None:
    srv, _ = await begin(env, shell("call_D", "touch declined.txt"), {"text": "ok, skipped"})
    request = await srv.read_request("item/commandExecution/requestApproval")
    await srv.respond(request["id"], {"decision": decision})
    after = await srv.collect_until("turn/completed")
    [item] = completed_items(after, "commandExecution")
    assert (item["status"], item["exitCode"], item["aggregatedOutput"]) == ("declined", None, None)
    assert not (env.ws / "declined.txt").exists()
    assert after[-1]["params"]["turn"]["status"] == "completed"
    assert call_output(env.mock.response_requests[1], "call_D") == "exec command rejected by user"


async def test_cancel_interrupts_the_turn(env: Env) -> None:
    srv, _ = await begin(env, shell("call_C", "touch cancelled.txt"), {"text": "never requested"})
    request = await srv.read_request("item/commandExecution/requestApproval")
    await srv.respond(request["id"], {"decision": "cancel"})
    after = await srv.collect_until("turn/completed")
    [item] = completed_items(after, "commandExecution")
    assert item["status"] == "declined"
    assert after[-1]["params"]["turn"]["status"] == "interrupted"
    assert len(env.mock.response_requests) == 1
    assert not (env.ws / "cancelled.txt").exists()


async def test_an_error_reply_fails_the_item_but_not_the_turn(env: Env) -> None:
    srv, _ = await begin(env, shell("call_E", "touch x.txt"), {"text": "noted"})
    request = await srv.read_request("item/commandExecution/requestApproval")
    await srv.send({"id": request["id"], "error": {"code": -32000, "message": "client cannot decide"}})
    after = await srv.collect_until("turn/completed")
    assert completed_items(after, "commandExecution")[0]["status"] == "failed"
    assert call_output(env.mock.response_requests[1], "call_E") == "approval request failed"
    assert after[-1]["params"]["turn"]["status"] == "completed"


async def test_untrusted_asks_even_for_ls_and_an_amendment_covers_the_prefix(env: Env) -> None:
    # As 0.163 does: no known-safe exemption; the request proposes the first command's words as a prefix rule.
    srv, _ = await begin(env, shell("call_S", "ls -la && echo listed"), shell("call_T", "ls -la ."),
                         {"text": "listed"})  # fmt: skip
    request = await srv.read_request("item/commandExecution/requestApproval")
    amendment = ["ls", "-la"]
    assert request["params"]["proposedExecpolicyAmendment"] == amendment
    assert request["params"]["availableDecisions"] == [
        "accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}}, "cancel",
    ]  # fmt: skip
    assert request["params"]["commandActions"] == [{"type": "listFiles", "command": "ls -la", "path": None}]
    await srv.respond(
        request["id"], {"decision": {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}}}
    )
    after = await srv.collect_until("turn/completed")
    assert "item/commandExecution/requestApproval" not in methods(after)  # `ls -la .` matches the prefix
    assert [i["status"] for i in completed_items(after, "commandExecution")] == ["completed", "completed"]


async def test_an_approved_prefix_does_not_cover_a_command_chained_after_it(env: Env) -> None:
    srv, _ = await begin(env, shell("call_S", "ls -la"), shell("call_U", "ls -la . && touch escaped"),
                         {"text": "stopped"})  # fmt: skip
    request = await srv.read_request("item/commandExecution/requestApproval")
    amendment = ["ls", "-la"]
    await srv.respond(
        request["id"], {"decision": {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}}}
    )
    again = await srv.read_request("item/commandExecution/requestApproval")
    assert again["params"]["itemId"] == "call_U"
    await srv.respond(again["id"], {"decision": "decline"})
    after = await srv.collect_until("turn/completed")
    assert [i["status"] for i in completed_items(after, "commandExecution")] == ["completed", "declined"]
    assert not (env.ws / "escaped").exists()


async def test_patch_accept_then_accept_for_session_skips_the_second_ask(env: Env) -> None:
    srv, _ = await begin(env, patch("patch-1", PATCH_ADD), patch("patch-2", PATCH_UPDATE), {"text": "patched twice"})
    started = await srv.read_until(
        lambda m: m.get("method") == "item/started" and m["params"]["item"]["type"] == "fileChange"
    )
    request = await srv.read_request("item/fileChange/requestApproval")
    assert started["params"]["item"]["changes"] == [
        {"path": str(env.ws / "README.md"), "kind": {"type": "add"}, "diff": "new line\n"}
    ]
    assert request["params"]["itemId"] == "patch-1"
    await srv.respond(request["id"], {"decision": "acceptForSession"})
    after = await srv.collect_until("turn/completed")
    assert "item/fileChange/requestApproval" not in methods(after)  # same file: remembered for the thread
    assert [i["status"] for i in completed_items(after, "fileChange")] == ["completed", "completed"]
    assert (env.ws / "README.md").read_text() == "newer line\n"
    assert "turn/diff/updated" in methods(after)
    custom = call_output(env.mock.response_requests[1], "patch-1", "custom_tool_call_output")
    assert "Success. Updated the following files:\nA README.md" in custom


async def test_declined_patch_leaves_the_file_untouched(env: Env) -> None:
    srv, _ = await begin(env, patch("patch-d", PATCH_ADD), {"text": "fine"})
    request = await srv.read_request("item/fileChange/requestApproval")
    await srv.respond(request["id"], {"decision": "decline"})
    after = await srv.collect_until("turn/completed")
    assert completed_items(after, "fileChange")[0]["status"] == "declined"
    assert not (env.ws / "README.md").exists()


async def test_interrupt_while_pending_resolves_the_request(env: Env) -> None:
    srv, thread = await begin(env, shell("call_I", "touch never.txt"), {"text": "unused"})
    request = await srv.read_request("item/commandExecution/requestApproval")
    turn = next(m for m in srv.buffer if m.get("method") == "turn/started")["params"]["turn"]["id"]
    await srv.call("turn/interrupt", {"threadId": thread, "turnId": turn})
    after = await srv.collect_until("turn/completed")
    resolved = [m["params"] for m in after if m.get("method") == "serverRequest/resolved"]
    assert resolved == [{"threadId": thread, "requestId": request["id"]}]
    assert after[-1]["params"]["turn"]["status"] == "interrupted"
    assert not (env.ws / "never.txt").exists()


async def test_resume_on_the_same_connection_resends_the_pending_request(env: Env) -> None:
    srv, thread = await begin(env, shell("call_R", "touch resumed.txt"), {"text": "finished"})
    request = await srv.read_request("item/commandExecution/requestApproval")
    resumed = await srv.call("thread/resume", {"threadId": thread})
    again = await srv.read_request("item/commandExecution/requestApproval")
    assert (again["id"], again["params"]) == (request["id"], request["params"])
    assert resumed["thread"]["id"] == thread
    await srv.respond(again["id"], {"decision": "accept"})
    assert (await srv.read_notification("turn/completed"))["params"]["turn"]["status"] == "completed"


async def test_disconnect_while_pending_ends_the_turn_interrupted(env: Env) -> None:
    srv, thread = await begin(env, shell("call_X", "touch gone.txt"), {"text": "unused"})
    await srv.read_request("item/commandExecution/requestApproval")
    assert await srv.close() == 0
    srv2 = await env.server()
    read = await srv2.call("thread/read", {"threadId": thread, "includeTurns": True})
    [turn] = read["thread"]["turns"]
    assert turn["status"] == "interrupted"
    assert not (env.ws / "gone.txt").exists()


async def test_never_policy_rejects_escalation_without_asking(env: Env) -> None:
    step = {
        "function_call": {
            "name": "exec_command",
            "call_id": "n",
            "arguments": {"cmd": "id", "sandbox_permissions": "require_escalated"},
        }
    }
    srv, _ = await begin(env, step, {"text": "understood"}, policy="never")
    after = await srv.collect_until("turn/completed")
    assert "item/commandExecution/requestApproval" not in methods(after)
    assert not completed_items(after, "commandExecution")  # no item events for a rejected escalation
    assert call_output(env.mock.response_requests[1], "n").startswith("approval policy is Never")


async def test_on_request_asks_for_escalation_and_runs_unsandboxed(env: Env) -> None:
    outside = env.ws.parent / "outside.txt"
    step = {"function_call": {"name": "exec_command", "call_id": "esc",
                              "arguments": {"cmd": f"touch {outside}", "sandbox_permissions": "require_escalated",
                                            "justification": "needs to write outside"}}}  # fmt: skip
    srv, _ = await begin(env, step, {"text": "escalated"}, policy="on-request")
    request = await srv.read_request("item/commandExecution/requestApproval")
    assert request["params"]["reason"] == "needs to write outside"
    await srv.respond(request["id"], {"decision": "accept"})
    await srv.read_notification("turn/completed")
    assert outside.exists()
