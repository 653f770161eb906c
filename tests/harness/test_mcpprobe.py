"""The bundled MCP probe on its own, spoken to as a client would: its tools, its errors, its fault flags."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.mcp import PROBE_ARGV, exited, http_probe

INIT = {
    "protocolVersion": "2025-06-18",
    "capabilities": {"elicitation": {"form": {}}},
    "clientInfo": {"name": "t", "version": "1"},
}


class Stdio:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc, self.next_id = proc, 0

    async def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", **message}) + "\n").encode())
        await self.proc.stdin.drain()

    async def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        return dict(json.loads(await asyncio.wait_for(self.proc.stdout.readline(), timeout=20)))

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        await self.send({"id": self.next_id, "method": method, "params": params})
        return await self.read()


async def start(*flags: str) -> Stdio:
    proc = await asyncio.create_subprocess_exec(
        *PROBE_ARGV, *flags, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return Stdio(proc)


async def test_tools_answers_and_errors_over_stdio(tmp_path: Path) -> None:
    probe = await start("--pid-file", str(tmp_path / "pid"))
    try:
        assert (await probe.call("initialize", INIT))["result"]["serverInfo"] == {"name": "probe", "version": "1.0.0"}
        await probe.send({"method": "notifications/initialized"})
        tools = {t["name"]: t for t in (await probe.call("tools/list", {}))["result"]["tools"]}
        assert sorted(tools) == ["ask", "die", "echo", "image", "rpcerr", "slow", "structured", "write_thing"]
        assert [n for n, t in tools.items() if t.get("annotations", {}).get("readOnlyHint") is not True] == [
            "write_thing"
        ]
        echo = await probe.call("tools/call", {"name": "echo", "arguments": {"text": "hi"}})
        assert echo["result"] == {"content": [{"type": "text", "text": "hi"}], "isError": False}
        structured = await probe.call("tools/call", {"name": "structured", "arguments": {}})
        assert structured["result"]["structuredContent"] == {"answer": 42, "unit": "things"}
        image = (await probe.call("tools/call", {"name": "image", "arguments": {}}))["result"]["content"][0]
        assert (image["type"], image["mimeType"]) == ("image", "image/png")
        rpcerr = await probe.call("tools/call", {"name": "rpcerr", "arguments": {}})
        assert rpcerr["error"] == {"code": -32000, "message": "server exploded"}
        readme = await probe.call("resources/read", {"uri": "probe://readme"})
        assert readme["result"]["contents"][0]["text"].startswith("The reelkit MCP probe")

        await probe.send({"id": 50, "method": "tools/call", "params": {"name": "ask", "arguments": {}}})
        asked = await probe.read()
        assert asked["method"] == "elicitation/create"
        # No `title` anywhere: codex 0.163 cancels a form whose schema has keys beyond these, unasked.
        assert asked["params"]["requestedSchema"] == {
            "type": "object", "properties": {"colour": {"type": "string"}}, "required": ["colour"],
        }  # fmt: skip
        await probe.send({"id": asked["id"], "result": {"action": "accept", "content": {"colour": "blue"}}})
        assert (await probe.read())["result"]["content"] == [{"type": "text", "text": 'accept {"colour": "blue"}'}]

        await probe.send({"id": 51, "method": "tools/call", "params": {"name": "die", "arguments": {}}})
        assert await asyncio.wait_for(probe.proc.wait(), timeout=20) == 3
        assert await exited(tmp_path / "pid")
    finally:
        if probe.proc.returncode is None:
            probe.proc.kill()
            await probe.proc.wait()


async def test_fault_flags() -> None:
    crash = await start("--crash-at-start")
    assert await asyncio.wait_for(crash.proc.wait(), timeout=20) == 2
    junk = await start("--junk", "start")
    try:
        assert junk.proc.stdout is not None
        assert await asyncio.wait_for(junk.proc.stdout.readline(), timeout=20) == b"this line is not JSON-RPC\n"
        assert "result" in await junk.call("initialize", INIT)
    finally:
        junk.proc.kill()
        await junk.proc.wait()


async def test_streamable_http_prints_its_url_and_answers_there(tmp_path: Path) -> None:
    url_file = tmp_path / "url"
    async with http_probe("--url-file", str(url_file)) as url, aiohttp.ClientSession() as http:
        assert url_file.read_text() == url + "\n"
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT}
        headers = {"Accept": "application/json, text/event-stream"}
        async with http.post(url, json=body, headers=headers) as response:
            assert response.status == 200
            text = await response.text()
    assert '"name":"probe"' in text.replace(" ", "")
