"""The remaining tool flows end to end over stdio: on-failure retry without the sandbox, request_user_input,
write_stdin into a running session, view_image, and the tools 0.163 dropped. Each asserts what the client saw, what
happened on disk and what the model got back in the next request."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.server.conftest import Env, call_output, start_thread
from tests.support.appserver import AppServerProcess, RpcFailure

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def call(name: str, call_id: str, **arguments: object) -> dict[str, Any]:
    return {"function_call": {"name": name, "arguments": arguments, "call_id": call_id}}


async def turn(env: Env, *steps: dict[str, Any], **thread_params: object) -> AppServerProcess:
    env.mock.enqueue(*steps)
    srv = await env.server()
    thread = await start_thread(srv, env.ws, **thread_params)
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "go"}]})
    return srv


@pytest.mark.parametrize(("decision", "created"), [("accept", True), ("decline", False)])
async def test_on_failure_asks_to_retry_a_sandbox_denial_unsandboxed(env: Env, decision: str, created: bool) -> None:
    # 0.163 takes `on-failure` only from config.toml (the wire enum dropped it) and reports it as on-request.
    env.config(approval_policy="on-failure", sandbox_mode="read-only")
    srv = await turn(env, call("exec_command", "c1", cmd="touch made.txt"), {"text": "ok"})
    request = await srv.read_request("item/commandExecution/requestApproval")
    assert request["params"]["reason"] == "command failed; retry without sandbox?"
    assert not (env.ws / "made.txt").exists()  # the sandboxed attempt was denied
    await srv.respond(request["id"], {"decision": decision})
    done = (await srv.read_notification("turn/completed"))["params"]["turn"]
    assert done["status"] == "completed"
    assert (env.ws / "made.txt").exists() is created
    output = call_output(env.mock.response_requests[1], "c1")
    assert ("exited with code 0" in output or "Exit code: 0" in output) is created, output


async def test_on_failure_is_refused_on_the_wire_as_the_real_server_does(env: Env) -> None:
    srv = await env.server()
    with pytest.raises(RpcFailure) as refused:
        await start_thread(srv, env.ws, approvalPolicy="on-failure")
    assert refused.value.error["message"] == (
        "Invalid request: unknown variant `on-failure`, expected one of `untrusted`, `on-request`, `granular`, `never`"
    )


async def test_request_user_input_round_trip(env: Env) -> None:
    option = {"label": "blue", "description": "the blue one"}
    question = {"id": "color", "header": "Color", "question": "Which color?", "options": [option]}
    srv = await turn(env, call("request_user_input", "q1", questions=[question]), {"text": "blue it is"})
    request = await srv.read_request("item/tool/requestUserInput")
    assert request["params"]["questions"] == [question]
    await srv.respond(request["id"], {"answers": {"color": {"answers": ["blue"]}}})
    await srv.read_notification("serverRequest/resolved")
    assert (await srv.read_notification("turn/completed"))["params"]["turn"]["status"] == "completed"
    output = call_output(env.mock.response_requests[1], "q1")
    assert json.loads(output) == {"color": {"answers": ["blue"]}}


@pytest.mark.parametrize("name", ["update_plan", "shell_command"])
async def test_tools_0163_no_longer_offers_are_unsupported_calls(env: Env, name: str) -> None:
    srv = await turn(env, call(name, "x1", plan=[], command="true"), {"text": "ok"})
    messages = await srv.collect_until("turn/completed")
    assert "turn/plan/updated" not in [m.get("method") for m in messages]
    assert name not in env.mock.response_requests[0].tool_names()
    assert call_output(env.mock.response_requests[1], "x1") == f"unsupported call: {name}"


async def test_write_stdin_reaches_a_running_session(env: Env) -> None:
    # The session id is random and first shown to the model, so the test reads it from the journal: the
    # model's next answer stalls until the idle timeout, and the retry gets the write_stdin step added here.
    start = call("exec_command", "e1", cmd="read line; echo got-$line", yield_time_ms=250, login=False)
    env.mock.enqueue(start, {"text": "stalled", "stall_ms": 60_000, "stall_after": 0})
    srv = await env.server()
    for key, value in (("stream_max_retries", 1), ("stream_idle_timeout_ms", 3000)):
        await srv.call("config/value/write", {"keyPath": f"model_providers.mock.{key}", "value": value,
                                              "mergeStrategy": "replace"})  # fmt: skip
    thread = await start_thread(srv, env.ws)
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "go"}]})
    first = call_output((await env.mock.wait_for_requests(2))[1], "e1")
    session = int(re.search(r"Process running with session ID (\d+)", first).group(1))  # type: ignore[union-attr]
    env.mock.enqueue(call("write_stdin", "w1", session_id=session, chars="hello\n", yield_time_ms=2000),
                     {"text": "typed"})  # fmt: skip
    assert (await srv.read_notification("turn/completed"))["params"]["turn"]["status"] == "completed"
    typed = call_output(env.mock.response_requests[3], "w1")
    assert "got-hello" in typed
    assert "exited with code 0" in typed, typed


async def test_view_image_sends_the_picture_to_the_model(env: Env) -> None:
    (env.ws / "pic.png").write_bytes(PNG)
    srv = await turn(env, call("view_image", "v1", path="pic.png"), {"text": "a dot"})
    item = (await srv.read_notification("item/completed"))["params"]["item"]
    while item["type"] != "imageView":
        item = (await srv.read_notification("item/completed"))["params"]["item"]
    assert item["path"] == str(env.ws / "pic.png")
    await srv.read_notification("turn/completed")
    output = call_output(env.mock.response_requests[1], "v1")
    assert output == [{"type": "input_image", "image_url": "data:image/png;base64," + base64.b64encode(PNG).decode()}]
