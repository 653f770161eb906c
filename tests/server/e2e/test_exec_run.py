"""exec/run: the two tests of the originating change, plus ephemerality and every blocking failure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Env, call_output
from tests.support.appserver import RpcFailure, methods

REMOTE = "remoteControl/status/changed"  # the one notice after initialize

BLOCKING = "exec/run encountered a blocking approval or input request"


def text(value: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": value, "text_elements": []}]


async def test_exec_run_completes_turn_and_returns_final_message(env: Env) -> None:
    env.config(approval_policy="never", sandbox_mode="read-only")
    env.mock.enqueue({"text": "Done"})
    srv = await env.server()
    response = await srv.call("exec/run", {"input": text("Generate a title")})
    assert (response["status"], response["lastAgentMessage"], response["error"]) == ("completed", "Done", None)
    assert response["threadId"]
    assert response["turnId"]
    assert methods(srv.buffer) == [REMOTE]  # initialize's notice; nothing streamed for the exec/run thread
    assert not (env.home / "sessions").exists()  # ephemeral: no rollout
    assert (await srv.call("thread/list", {}))["data"] == []
    assert response["threadId"] not in (await srv.call("thread/loaded/list", {}))["data"]


async def test_exec_run_rejects_empty_input(env: Env) -> None:
    srv = await env.server()
    with pytest.raises(RpcFailure) as info:
        await srv.call("exec/run", {"input": []})
    assert info.value.error == {"code": -32600, "message": "input must not be empty"}


async def test_exec_run_forces_never_and_read_only(env: Env) -> None:
    env.config(approval_policy="untrusted", sandbox_mode="danger-full-access")
    env.mock.enqueue(
        {"function_call": {"name": "exec_command", "arguments": {"cmd": "touch written.txt"}, "call_id": "w"}},
        {"text": "tried"},
    )
    srv = await env.server()
    response = await srv.call("exec/run", {"input": text("write a file"), "cwd": str(env.ws)})
    output = call_output(env.mock.response_requests[1], "w")
    assert response["status"] == "completed"
    assert not (env.ws / "written.txt").exists()
    assert "Process exited with code 1" in output  # denied by the read-only sandbox, never asked about


async def test_exec_run_output_schema_and_failure_mapping(env: Env) -> None:
    env.mock.enqueue({"text": '{"title": "x"}'}, {"failed": {"code": "insufficient_quota", "message": "no"}})
    srv = await env.server()
    schema = {
        "type": "object",
        "properties": {"title": {"type": "string"}},
        "required": ["title"],
        "additionalProperties": False,
    }
    ok = await srv.call("exec/run", {"input": text("title"), "outputSchema": schema})
    failed = await srv.call("exec/run", {"input": text("again")})
    assert env.mock.response_requests[0].body["text"]["format"]["schema"] == schema
    assert ok["lastAgentMessage"] == '{"title": "x"}'
    assert (failed["status"], failed["error"]["codexErrorInfo"]) == ("failed", "usageLimitExceeded")
    assert failed["error"]["message"] == "Quota exceeded. Check your plan and billing details."


@pytest.mark.parametrize(
    ("step", "params"),
    [
        ({"function_call": {"name": "request_user_input", "call_id": "q",
                            "arguments": {"questions": [{"id": "a", "header": "h", "question": "?", "options": []}]}}},
         {"collaborationMode": {"mode": "plan", "settings": {}}}),
        ({"function_call": {"name": "exec_command", "call_id": "e",
                            "arguments": {"cmd": "touch e.txt", "sandbox_permissions": "require_escalated",
                                          "justification": "x"}}},
         {}),
        ({"custom_tool_call": {"name": "apply_patch", "call_id": "p",
                               "input": "*** Begin Patch\n*** Add File: ../outside.txt\n+x\n*** End Patch\n"}},
         {}),
        ({"function_call": {"name": "client_tool", "call_id": "d", "arguments": {"x": 1}}},
         {"config": {"dynamic_tools": [{"name": "client_tool", "description": "d",
                                        "inputSchema": {"type": "object"}}]}}),
    ],
    ids=["request_user_input", "escalated-command", "patch-outside-sandbox", "dynamic-tool"],
)  # fmt: skip
async def test_blocking_requests_fail_fast_and_touch_nothing(
    env: Env, step: dict[str, Any], params: dict[str, Any]
) -> None:
    env.mock.enqueue(step, {"text": "should never be requested"})
    srv = await env.server()
    response = await srv.call("exec/run", {"input": text("try"), "cwd": str(env.ws), **params})
    assert (response["status"], response["error"]) == (
        "failed",
        {"message": BLOCKING, "codexErrorInfo": None, "additionalDetails": None, "misalignment": None},
    )
    assert methods(srv.buffer) == [REMOTE]  # initialize's notice; no server request was sent
    assert len(env.mock.response_requests) == 1  # failed at once, no follow-up request
    assert list(env.ws.iterdir()) == []
    assert not (env.ws.parent / "outside.txt").exists()


async def test_exec_run_refused_when_constraints_forbid_its_policy(env: Env) -> None:
    env.config(allowed_approval_policies=["on-request"])
    srv = await env.server()
    with pytest.raises(RpcFailure) as info:
        await srv.call("exec/run", {"input": text("x")})
    assert info.value.error["code"] == -32600
    assert info.value.error["message"].startswith("invalid approval policy")
