"""Turns end to end: notification order, tools, failures with codexErrorInfo, retries, interrupt, steer."""

from __future__ import annotations

from tests.server.conftest import Env, call_output, start_thread
from tests.support.appserver import methods


async def start_turn(srv, thread: str, text: str = "go", **extra) -> str:
    result = await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": text}], **extra})
    return str(result["turn"]["id"])


async def test_text_turn_notification_order(env: Env) -> None:
    env.mock.enqueue({"reasoning": "**Plan**", "text": "Hello there"})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await srv.read_notification("thread/started")
    turn = await start_turn(srv, thread, "Say hello")
    messages = await srv.collect_until("turn/completed")
    got = methods(messages)
    assert got[0] == "remoteControl/status/changed"  # pushed once after initialize, as codex does
    assert got[1:] == [
        "thread/status/changed", "turn/started", "item/started", "item/completed",
        "item/started", "item/reasoning/summaryPartAdded", "item/reasoning/summaryTextDelta", "item/completed",
        "item/started", "item/agentMessage/delta", "item/completed", "thread/tokenUsage/updated",
        "account/rateLimits/updated", "thread/readState/changed", "thread/status/changed", "turn/completed",
    ]  # fmt: skip
    completed = messages[-1]["params"]["turn"]
    assert (completed["id"], completed["status"], completed["itemsView"], completed["error"]) == (
        turn,
        "completed",
        "summary",
        None,
    )
    assert [i["text"] for i in completed["items"]] == ["Hello there"]
    usage = messages[-5]["params"]["tokenUsage"]
    assert usage["total"] == usage["last"]
    assert usage["total"]["totalTokens"] > 0


async def test_request_body_is_shaped_like_codex(env: Env) -> None:
    env.mock.enqueue({"text": "ok"})
    srv = await env.server()
    thread = await start_thread(srv, env.ws, baseInstructions="Be terse.")
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    await start_turn(srv, thread, "hi", outputSchema=schema, effort="high")
    await srv.read_notification("turn/completed")
    request = env.mock.response_requests[0]
    body = request.body
    assert (body["store"], body["stream"], body["include"], body["prompt_cache_key"]) == (
        False,
        True,
        ["reasoning.encrypted_content"],
        thread,
    )
    assert body["input"][0] == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": "Be terse."}],
    }
    assert "instructions" not in body
    assert body["text"]["format"] == {
        "type": "json_schema",
        "strict": True,
        "schema": schema,
        "name": "codex_output_schema",
    }
    assert body["reasoning"]["effort"] == "high"
    # As 0.163 does, whatever the catalog entry's shell_type ("shell_command" here) says.
    assert request.tool_names() == ["exec_command", "write_stdin", "request_user_input", "apply_patch", "view_image"]
    assert (request.header("session-id"), request.header("thread-id"), request.header("originator")) == (
        thread,
        thread,
        "reelkit-tests",
    )
    assert "<environment_context>" in request.message_input_texts("user")[0]


async def test_tool_turn_runs_the_command_and_pairs_outputs(env: Env) -> None:
    env.mock.enqueue(
        {
            "function_call": {
                "name": "exec_command",
                "arguments": {"cmd": "echo from-the-sandbox > out.txt && cat out.txt"},
                "call_id": "c1",
            }
        },
        {"text": "done"},
    )
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await start_turn(srv, thread)
    messages = await srv.collect_until("turn/completed")
    command = [
        m["params"]["item"]
        for m in messages
        if m.get("method") == "item/completed" and m["params"]["item"]["type"] == "commandExecution"
    ]
    assert (env.ws / "out.txt").read_text() == "from-the-sandbox\n"
    assert command[0]["status"] == "completed"
    assert command[0]["exitCode"] == 0
    assert "from-the-sandbox" in command[0]["aggregatedOutput"]
    output = env.mock.response_requests[1].function_call_output("c1")
    assert output is not None
    assert "Process exited with code 0" in output["output"]


async def test_command_output_streams_once_the_command_is_announced(env: Env) -> None:
    # As codex: output from the first moments shows only in aggregatedOutput; later output streams.
    cmd = "echo early; sleep 0.6; echo late"
    env.mock.enqueue({"function_call": {"name": "exec_command", "arguments": {"cmd": cmd, "login": False},
                                        "call_id": "c1"}}, {"text": "done"})  # fmt: skip
    srv = await env.server()
    await start_turn(srv, await start_thread(srv, env.ws))
    messages = await srv.collect_until("turn/completed")
    deltas = [m["params"]["delta"] for m in messages if m.get("method") == "item/commandExecution/outputDelta"]
    started = methods(messages).index("item/started", methods(messages).index("item/completed"))
    assert deltas == ["late\n"]
    assert started < methods(messages).index("item/commandExecution/outputDelta")
    completed = [m["params"]["item"] for m in messages if m.get("method") == "item/completed"]
    assert completed[-2]["aggregatedOutput"] == "early\nlate\n"


async def test_a_quick_sandbox_denial_reaches_the_model_without_an_item(env: Env) -> None:
    # Measured on codex 0.163: a command the sandbox refused, under approval `never`, shows no item.
    env.mock.enqueue({"function_call": {"name": "exec_command", "arguments": {"cmd": "touch /usr/reelkit-denied",
                                        "login": False}, "call_id": "d1"}}, {"text": "done"})  # fmt: skip
    srv = await env.server()
    await start_turn(srv, await start_thread(srv, env.ws))
    messages = await srv.collect_until("turn/completed")
    kinds = [m["params"]["item"]["type"] for m in messages if m.get("method") == "item/started"]
    assert kinds == ["userMessage", "agentMessage"]
    output = call_output(env.mock.response_requests[1], "d1")
    assert "Process exited with code 1" in output
    assert "Read-only file system" in output  # EROFS, as codex says


async def test_unknown_tools_and_bad_arguments_are_reported_to_the_model(env: Env) -> None:
    env.mock.enqueue(
        {"output": [{"function_call": {"name": "teleport", "arguments": "{}", "call_id": "u1"}},
                    {"function_call": {"name": "exec_command", "arguments": "{not json", "call_id": "u2"}}]},
        {"text": "ok"},
    )  # fmt: skip
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await start_turn(srv, thread)
    await srv.read_notification("turn/completed")
    follow_up = env.mock.response_requests[1]
    assert call_output(follow_up, "u1") == "unsupported call: teleport"
    assert call_output(follow_up, "u2").startswith("failed to parse function arguments")


async def test_failed_turn_reports_codex_error_info(env: Env) -> None:
    env.mock.enqueue({"failed": {"code": "context_length_exceeded", "message": "too long"}})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    await start_turn(srv, thread)
    messages = await srv.collect_until("turn/completed")
    tail = methods(messages)[-4:]
    turn = messages[-1]["params"]["turn"]
    assert tail == ["thread/status/changed", "error", "thread/readState/changed", "turn/completed"]
    assert messages[-4]["params"]["status"] == {"type": "systemError"}
    assert turn["status"] == "failed"
    assert turn["error"]["codexErrorInfo"] == "contextWindowExceeded"
    assert messages[-3]["params"]["willRetry"] is False


async def test_retries_are_announced_then_succeed(env: Env) -> None:
    env.config(approval_policy="never")
    env.mock.enqueue({"text": "dropped", "disconnect_after": 3}, {"text": "recovered"})
    srv = await env.server()
    # Retries come from the provider config: one stream retry allowed.
    await srv.call(
        "config/value/write",
        {"keyPath": "model_providers.mock.stream_max_retries", "value": 1, "mergeStrategy": "replace"},
    )
    thread = await start_thread(srv, env.ws)
    await start_turn(srv, thread)
    messages = await srv.collect_until("turn/completed")
    retry = [m["params"] for m in messages if m.get("method") == "error"]
    assert messages[-1]["params"]["turn"]["status"] == "completed"
    assert [r["willRetry"] for r in retry] == [True]
    assert retry[0]["error"]["message"] == "Reconnecting... 1/1"
    assert retry[0]["error"]["codexErrorInfo"] == {"responseStreamDisconnected": {"httpStatusCode": None}}
    assert len(env.mock.response_requests) == 2


async def test_missing_api_key_env_fails_the_turn(env: Env) -> None:
    env.mock.enqueue({"text": "never reached"})
    srv = await env.server()
    await srv.call(
        "config/value/write",
        {"keyPath": "model_providers.mock.env_key", "value": "REELKIT_NO_SUCH_KEY", "mergeStrategy": "replace"},
    )
    thread = await start_thread(srv, env.ws)
    await start_turn(srv, thread)
    turn = (await srv.read_notification("turn/completed"))["params"]["turn"]
    assert turn["error"] == {
        "message": "Missing environment variable: `REELKIT_NO_SUCH_KEY`.",
        "codexErrorInfo": "other",
        "additionalDetails": None,
        "misalignment": None,
    }


async def test_interrupt_ends_the_turn_as_interrupted(env: Env) -> None:
    env.mock.enqueue({"text": "slow " * 50, "chunk_size": 5, "stall_ms": 30_000, "stall_after": 6})
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    turn = await start_turn(srv, thread)
    await srv.read_notification("item/agentMessage/delta")
    assert await srv.call("turn/interrupt", {"threadId": thread, "turnId": turn}) == {}
    completed = (await srv.read_notification("turn/completed"))["params"]["turn"]
    assert (completed["status"], completed["error"], completed["items"]) == ("interrupted", None, [])
    again = await srv.read_response(await srv.request("turn/interrupt", {"threadId": thread, "turnId": turn}))
    assert again["error"]["message"] == "no active turn to interrupt"


async def test_steer_injects_input_into_the_running_turn(env: Env) -> None:
    env.mock.enqueue(
        {"function_call": {"name": "exec_command", "arguments": {"cmd": "sleep 0.3; echo slept"}, "call_id": "s1"}},
        {"text": "steered"},
    )
    srv = await env.server()
    thread = await start_thread(srv, env.ws)
    turn = await start_turn(srv, thread)
    await srv.read_until(
        lambda m: m.get("method") == "item/started" and m["params"]["item"]["type"] == "commandExecution"
    )
    steered = await srv.call(
        "turn/steer", {"threadId": thread, "expectedTurnId": turn, "input": [{"type": "text", "text": "also this"}]}
    )
    wrong = await srv.read_response(
        await srv.request("turn/steer", {"threadId": thread, "expectedTurnId": "nope", "input": []})
    )
    await srv.read_notification("turn/completed")
    assert steered == {"turnId": turn}
    assert wrong["error"]["message"] == f"expected active turn id `nope` but found `{turn}`"
    assert env.mock.response_requests[1].message_input_texts("user")[-1] == "also this"
