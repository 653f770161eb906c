"""Run `python -m server --listen ...` (or codex's app-server) and talk JSON-RPC to it over WebSocket frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

Message = dict[str, Any]
TIMEOUT = 20.0
_WS_ADDRESS = re.compile(r"listening on: (ws://\S+)")


class ListeningServer:
    """A server process started with `--listen`; stderr is read all along (a full pipe would stall the
    server) and kept, so a test can wait for start-up lines."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.stderr: list[str] = []
        self._grew = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read_stderr())

    @classmethod
    async def start(
        cls, home: Path, cwd: Path, listen: str, argv: Sequence[str] | None = None, env: dict[str, str] | None = None
    ) -> ListeningServer:
        """Start with `env` alone when given (plus CODEX_HOME), else with this process's environment."""
        command = [*(argv or [sys.executable, "-m", "server"]), "--listen", listen]
        proc = await asyncio.create_subprocess_exec(
            *command, cwd=cwd, env={**(os.environ if env is None else env), "CODEX_HOME": str(home)},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: stop() ends the helpers it spawned too
        )  # fmt: skip
        return cls(proc)

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while raw := await self.proc.stderr.readline():
            self.stderr.append(raw.decode(errors="replace"))
            self._grew.set()
        self._grew.set()

    async def line(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """Wait until a stderr line matches `pattern`."""
        async with asyncio.timeout(timeout):
            seen = 0
            while True:
                for text in self.stderr[seen:]:
                    if found := re.search(pattern, text):
                        return found
                seen = len(self.stderr)
                if self._reader.done():
                    raise EOFError("server exited before printing " + pattern + ":\n" + "".join(self.stderr))
                self._grew.clear()
                await self._grew.wait()

    async def ws_url(self) -> str:
        return (await self.line(_WS_ADDRESS.pattern)).group(1)

    async def stop(self, timeout: float = 10) -> int:
        """SIGTERM to the whole group (codex's launcher does not pass it on to its binary), then SIGKILL."""
        self._signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self._signal(signal.SIGKILL)
            code = await self.proc.wait()
        self._signal(signal.SIGKILL)  # helpers left behind would hold stderr open
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._reader, timeout)
        return code

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


async def wait_for_path(path: Path, timeout: float = TIMEOUT) -> None:
    """A unix socket appears when the server is ready (codex announces nothing): poll with a deadline."""
    async with asyncio.timeout(timeout):
        # Another process makes the file: there is no event to wait on, so poll (a local stat is cheap).
        while not path.exists():  # noqa: ASYNC110, ASYNC240
            await asyncio.sleep(0.02)


class WsClient:
    """A JSON-RPC client over one WebSocket connection (TCP or a unix socket)."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self.session, self.ws = session, ws
        self.buffer: list[Message] = []
        self._next_id = 0

    @classmethod
    async def connect(cls, url: str | None = None, unix: Path | None = None) -> WsClient:
        connector = aiohttp.UnixConnector(path=str(unix)) if unix else aiohttp.TCPConnector()
        session = aiohttp.ClientSession(connector=connector)
        try:
            ws = await session.ws_connect(url or "ws://localhost/", max_msg_size=0)
        except BaseException:
            await session.close()
            raise
        return cls(session, ws)

    async def send(self, message: Message) -> None:
        await self.ws.send_str(json.dumps(message))

    async def request(self, method: str, params: Any = None, request_id: Any = None) -> Any:
        if request_id is None:
            self._next_id += 1
            request_id = self._next_id
        message: Message = {"id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)
        return request_id

    async def call(self, method: str, params: Any = None, request_id: Any = None) -> Any:
        rid = await self.request(method, params, request_id)
        response = await self.read_until(lambda m: m.get("id") == rid and "method" not in m)
        if "error" in response:
            raise AssertionError(f"{method} failed: {response['error']}")
        return response["result"]

    async def initialize(self, name: str = "listen-tests") -> Any:
        result = await self.call("initialize", {"clientInfo": {"name": name, "version": "0.1.0"},
                                                "capabilities": {"experimentalApi": True}})  # fmt: skip
        await self.send({"method": "initialized"})
        return result

    async def next(self, timeout: float = TIMEOUT) -> Message:
        msg = await self.ws.receive(timeout)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise EOFError(f"connection ended: {msg.type.name}")
        message: Message = json.loads(msg.data)
        return message

    async def read_until(self, match: Callable[[Message], bool], timeout: float = TIMEOUT) -> Message:
        for i, message in enumerate(self.buffer):
            if match(message):
                return self.buffer.pop(i)
        async with asyncio.timeout(timeout):
            while True:
                message = await self.next(timeout)
                if match(message):
                    return message
                self.buffer.append(message)

    async def notification(self, method: str, timeout: float = TIMEOUT) -> Message:
        return await self.read_until(lambda m: m.get("method") == method and "id" not in m, timeout)

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()
