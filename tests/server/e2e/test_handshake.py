"""Framing, handshake and error behaviour of the real process (compare framing_errors.jsonl)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.server.conftest import Env


async def test_errors_before_and_after_initialize(env: Env) -> None:
    srv = await env.server(initialize=False)
    early = await srv.read_response(await srv.request("thread/start", {}))
    unknown = await srv.read_response(await srv.request("foo/bar", {}))
    init = await srv.initialize()
    again = await srv.read_response(await srv.request("initialize", {"clientInfo": {"name": "x", "version": "1"}}))
    assert early["error"] == {"code": -32600, "message": "Not initialized"}
    assert unknown["error"]["message"].startswith(
        "Invalid request: unknown variant `foo/bar`, expected one of `initialize`"
    )
    assert again["error"] == {"code": -32600, "message": "Already initialized"}
    assert init["userAgent"].startswith("reelkit-tests/0.163.0 (")
    assert (init["codexHome"], init["platformFamily"]) == (str(env.home.resolve()), "unix")


async def test_params_errors_use_serde_wording(env: Env) -> None:
    srv = await env.server()
    cases = {
        "missing params": ("thread/read", None),
        "missing field": ("thread/read", {}),
        "wrong type": ("thread/read", {"threadId": 5}),
        "bad enum": ("thread/start", {"sandbox": "workspaceWrite"}),
    }
    got = {}
    for name, case in cases.items():
        response = await srv.read_response(await srv.request(*case))
        got[name] = response["error"]["message"]
    assert got == {
        "missing params": "Invalid request: missing field `params`",
        "missing field": "Invalid request: missing field `threadId`",
        "wrong type": "Invalid request: invalid type: integer `5`, expected a string",
        "bad enum": "Invalid request: unknown variant `workspaceWrite`, expected one of "
        "`read-only`, `workspace-write`, `danger-full-access`",
    }


async def test_malformed_lines_are_dropped_and_the_server_keeps_going(env: Env) -> None:
    srv = await env.server()
    junk = [b"not json", b"[1, 2]", b'{"jsonrpc": "2.0"}', b'{"id": 1.5, "method": "thread/list", "params": {}}',
            b'{"id": null, "method": "thread/list", "params": {}}', b'{"method": "foo/notify"}',
            b'{"id": 999, "result": {}}', b"   ", b"\xff\xfe"]  # fmt: skip
    for line in junk:
        await srv.send_raw(line + b"\n")
    # A string id and the jsonrpc member are accepted; the answer echoes the id's type.
    await srv.send({"jsonrpc": "2.0", "id": "abc", "method": "thread/loaded/list", "params": {}})
    response = await srv.read_response("abc")
    assert response == {"id": "abc", "result": {"data": [], "nextCursor": None}}
    # nothing at all was answered for the junk (the one notice is initialize's)
    assert [m.get("method") for m in srv.buffer] == ["remoteControl/status/changed"]


async def test_opt_out_suppresses_notifications(env: Env) -> None:
    env.mock.enqueue({"text": "quiet"})
    srv = await env.server(optOutNotificationMethods=["item/agentMessage/delta", "thread/tokenUsage/updated"])
    thread = (await srv.call("thread/start", {"cwd": str(env.ws)}))["thread"]["id"]
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "hi"}]})
    seen = [m.get("method") for m in await srv.collect_until("turn/completed")]
    assert "item/agentMessage/delta" not in seen
    assert "thread/tokenUsage/updated" not in seen
    assert "item/completed" in seen


async def test_stdin_close_exits_zero_and_stdout_is_only_the_wire(env: Env) -> None:
    srv = await env.server()
    await srv.call("thread/loaded/list", {})
    assert await srv.close() == 0
    assert all(direction in ("C->S", "S->C") for direction, _ in srv.transcript)


def test_requests_from_a_file_and_answers_into_a_file(env: Env) -> None:
    """`python -m server < requests.jsonl > answers.jsonl`: regular files cannot join the event loop."""
    requests = env.ws / "requests.jsonl"
    lines = [
        {"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "batch", "version": "1"}}},
        {"method": "initialized"},
        {"id": 2, "method": "thread/list", "params": {}},
    ]
    requests.write_text("".join(json.dumps(line) + "\n" for line in lines))
    answers = env.ws / "answers.jsonl"
    with requests.open("rb") as stdin, answers.open("wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "server"], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                              env={**os.environ, "CODEX_HOME": str(env.home)}, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    replies = {m["id"]: m for m in map(json.loads, answers.read_text().splitlines()) if "id" in m}
    assert replies[1]["result"]["userAgent"].startswith("batch/")
    assert replies[2]["result"]["data"] == []
