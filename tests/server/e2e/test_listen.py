"""`--listen ws://` and `unix://`: several clients at once, each with its own connection state."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import pytest

from harness.transcript import Transcript
from server.listen_url import default_socket, socket_target
from tests.server.conftest import Env
from tests.server.tui.listening import ListeningServer, WsClient, wait_for_path


async def _ws_server(env: Env) -> tuple[ListeningServer, str]:
    server = await ListeningServer.start(env.home, env.ws, "ws://127.0.0.1:0")
    return server, await server.ws_url()


async def test_ws_start_up_lines_and_readyz(env: Env) -> None:
    server, url = await _ws_server(env)
    try:
        await server.line("note: binds localhost only")
        port = url.rsplit(":", 1)[1]
        assert "".join(server.stderr).splitlines()[-5:] == [
            "codex app-server (WebSockets)",
            f"  listening on: ws://127.0.0.1:{port}",
            f"  readyz: http://127.0.0.1:{port}/readyz",
            f"  healthz: http://127.0.0.1:{port}/healthz",
            "  note: binds localhost only (use SSH port-forwarding for remote access)",
        ]
        assert port != "0"
        async with aiohttp.ClientSession() as http:
            for path in ("readyz", "healthz"):
                async with http.get(f"http://127.0.0.1:{port}/{path}") as response:
                    assert response.status == 200
            async with http.get(f"http://127.0.0.1:{port}/") as response:
                assert (response.status, await response.text()) == (400, "Connection header did not include 'upgrade'")
    finally:
        assert await server.stop() == 0


async def _two_clients_no_cross_talk(first: WsClient, second: WsClient, ws: Path) -> None:
    """Both clients use the same request ids; each gets only its own answers and its own thread's events."""
    for client, name in ((first, "one"), (second, "two")):
        assert (await client.initialize(name))["platformFamily"] == "unix"
    a, b = await asyncio.gather(
        first.call("thread/start", {"cwd": str(ws)}, request_id=7),
        second.call("thread/start", {"cwd": str(ws)}, request_id=7),
    )
    assert a["thread"]["id"] != b["thread"]["id"]
    assert a["thread"]["originator"] == "one"
    assert b["thread"]["originator"] == "two"
    turn = await first.call(
        "turn/start", {"threadId": a["thread"]["id"], "input": [{"type": "text", "text": "hi"}]}, request_id=8
    )
    done = await first.notification("turn/completed")
    assert done["params"]["turn"]["id"] == turn["turn"]["id"]
    # The second client hears nothing of the first one's turn: its next message answers its own request.
    assert (await second.call("thread/loaded/list", {}, request_id=8))["data"]
    assert all(m.get("params", {}).get("threadId") != a["thread"]["id"] for m in second.buffer)


async def test_ws_serves_several_clients_without_cross_talk(env: Env) -> None:
    env.mock.enqueue({"text": "Hello one"})
    server, url = await _ws_server(env)
    first, second = await WsClient.connect(url), await WsClient.connect(url)
    try:
        await _two_clients_no_cross_talk(first, second, env.ws)
        # Each connection has its own handshake: a third one must initialize before anything else.
        third = await WsClient.connect(url)
        error = await third.read_until(lambda m: "id" in m) if await third.request("thread/loaded/list", {}) else {}
        assert error["error"]["message"] == "Not initialized"
        await third.close()
    finally:
        await first.close()
        await second.close()
        assert await server.stop() == 0


async def test_unix_default_socket_serves_several_clients(env: Env) -> None:
    env.mock.enqueue({"text": "Hello one"})
    server = await ListeningServer.start(env.home, env.ws, "unix://")
    socket = default_socket(env.home)
    try:
        await wait_for_path(socket)
        assert socket.is_symlink()  # the real socket has a short path; ours can be longer than sun_path allows
        real = socket.resolve()  # connect to the short path: the link's own can exceed sun_path
        first, second = await WsClient.connect(unix=real), await WsClient.connect(unix=real)
        try:
            await _two_clients_no_cross_talk(first, second, env.ws)
        finally:
            await first.close()
            await second.close()
    finally:
        assert await server.stop() == 0
    assert not socket.exists()
    assert not socket.is_symlink()


async def test_unix_socket_closes_newline_json(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "app.sock"
    server = await ListeningServer.start(env.home, env.ws, f"unix://{path}")
    try:
        await wait_for_path(path)
        reader, writer = await asyncio.open_unix_connection(str(path))
        writer.write(b'{"id":1,"method":"initialize","params":{"clientInfo":{"name":"x","version":"1"}}}\n')
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 20)  # read() returns at EOF: the server closed it
        assert b'"result"' not in reply
        writer.close()
    finally:
        assert await server.stop() == 0


async def test_dropped_client_mid_turn_loses_nothing(env: Env) -> None:
    """The turn keeps running without its client; a client that resumes the thread sees every item."""
    gate = env.ws / "go"
    command = f"while [ ! -e {gate} ]; do sleep 0.02; done; echo released"
    env.mock.enqueue({"function_call": {"name": "exec_command", "arguments": {"cmd": command}, "call_id": "c1"}})
    env.mock.enqueue({"text": "All done"})
    server, url = await _ws_server(env)
    try:
        first = await WsClient.connect(url)
        await first.initialize()
        thread = (await first.call("thread/start", {"cwd": str(env.ws)}))["thread"]["id"]
        await first.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "wait"}]})
        await first.read_until(lambda m: m.get("method") == "item/started"
                               and m["params"]["item"]["type"] == "commandExecution")  # fmt: skip
        await first.close()
        second = await WsClient.connect(url)
        await second.initialize()
        resumed = await second.call("thread/resume", {"threadId": thread})
        assert resumed["thread"]["status"]["type"] == "active"
        gate.touch()
        done = await second.notification("turn/completed")
        assert done["params"]["turn"]["status"] == "completed"
        turns = (await second.call("thread/read", {"threadId": thread, "includeTurns": True}))["thread"]["turns"]
        kinds = [item["type"] for item in turns[-1]["items"]]
        assert kinds == ["userMessage", "commandExecution", "agentMessage"]
        assert "released" in turns[-1]["items"][1]["aggregatedOutput"]
        await second.close()
    finally:
        assert await server.stop() == 0


@pytest.mark.parametrize(
    ("listen", "message"),
    [
        ("off", "Error: no transport configured; use --listen or enable remote control"),
        ("ws://localhost:1", "invalid websocket --listen URL `ws://localhost:1`; expected `ws://IP:PORT`"),
        ("tcp://x", "unsupported --listen URL `tcp://x`"),
        ("ws://0.0.0.0:0", "Error: refusing to start non-loopback websocket listener 0.0.0.0:0 without auth"),
    ],
)
async def test_listen_values_codex_refuses(tmp_path: Path, listen: str, message: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "--listen", listen, env={"CODEX_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode != 0
    assert message in err.decode()


async def test_harness_relay_command_writes_the_client_side_transcript(env: Env, tmp_path: Path) -> None:
    """`python -m harness relay`: each client gets the server on stdio; its session lands in --out."""
    out = tmp_path / "session.jsonl"
    relay = await ListeningServer.start(
        env.home, env.ws, "ws://127.0.0.1:0", [sys.executable, "-m", "harness", "relay", "--out", str(out)]
    )
    try:
        url = (await relay.line(r"relay listening on: (ws://\S+)")).group(1)
        client = await WsClient.connect(url)
        await client.initialize("relayed")
        thread = await client.call("thread/start", {"cwd": str(env.ws)})
        await client.close()
        await relay.line(f"wrote {out}")
    finally:
        assert await relay.stop() == 0
    remote = "remoteControl/status/changed"  # pushed after initialize: where the relay logs it is a race
    lines = [x for x in Transcript.load(out).lines if x.message.get("method") != remote]
    assert len(Transcript.load(out).lines) == len(lines) + 1
    assert [(x.direction, x.message.get("method")) for x in lines[:4]] == [
        ("C->S", "initialize"), ("S->C", None), ("C->S", "initialized"), ("C->S", "thread/start"),
    ]  # fmt: skip
    started = next(x.message for x in lines if x.direction == "S->C" and x.message.get("id") == 2)
    assert started["result"]["thread"]["cwd"] == "<CWD>"
    assert thread["thread"]["cwd"] == str(env.ws)


async def test_unix_socket_left_by_a_killed_server_is_reused_and_a_live_one_refused(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "app.sock"
    servers = [await ListeningServer.start(env.home, env.ws, f"unix://{path}")]
    try:
        await wait_for_path(path)
        # A second server on the same path while the first is alive: refused, the first one keeps its socket.
        servers.append(await ListeningServer.start(env.home, env.ws, f"unix://{path}"))
        await servers[1].line("is in use by a running app-server")
        assert await asyncio.wait_for(servers[1].proc.wait(), 20) == 1
        servers[0].proc.kill()  # dies without cleaning up: the link and the socket stay behind
        await servers[0].proc.wait()
        assert path.is_symlink()
        servers.append(await ListeningServer.start(env.home, env.ws, f"unix://{path}"))
        client = await _connect_when_served(path)
        assert (await client.initialize())["platformFamily"] == "unix"
        await client.close()
        assert await servers[2].stop() == 0
    finally:
        for server in servers:
            await server.stop()


async def _connect_when_served(path: Path, timeout: float = 20) -> WsClient:
    """The stale link is already there: wait until the new server answers on it (poll with a deadline)."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                return await WsClient.connect(unix=socket_target(path))
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
