"""Drive an app-server process over stdio, like codex's McpProcess: every read is bounded by a timeout,
and messages that do not match what a test waits for are kept for later reads."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Message = dict[str, Any]
DEFAULT_TIMEOUT = 20.0


class AppServerProcess:
    def __init__(self, proc: asyncio.subprocess.Process, transcript: list[tuple[str, Message]] | None = None):
        self.proc = proc
        self.buffer: list[Message] = []
        self.transcript = transcript if transcript is not None else []
        self._next_id = 100

    @classmethod
    async def start(
        cls,
        codex_home: Path,
        argv: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> AppServerProcess:
        command = list(argv or [sys.executable, "-m", "server"])
        # codex makes no helper aliases for a CODEX_HOME under $TMPDIR (default /tmp), and then cannot start its
        # sandbox with a system bwrap ("execvp codex-linux-sandbox"): give each server a TMPDIR beside its home.
        tmpdir = codex_home.parent / f"{codex_home.name}-tmp"
        tmpdir.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, "CODEX_HOME": str(codex_home), "TMPDIR": str(tmpdir), **(env or {})}
        proc = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=full_env, cwd=cwd, limit=64 * 1024 * 1024,
        )  # fmt: skip
        return cls(proc)

    # --- sending ---

    async def send(self, message: Message) -> None:
        assert self.proc.stdin is not None
        self.transcript.append(("C->S", message))
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        await self.proc.stdin.drain()

    async def send_raw(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line)
        await self.proc.stdin.drain()

    async def request(self, method: str, params: Any = None) -> int:
        self._next_id += 1
        message: Message = {"id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        await self.send(message)
        return self._next_id

    async def call(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Send a request and return its result (raising on an error response)."""
        response = await self.read_response(await self.request(method, params), timeout)
        if "error" in response:
            raise RpcFailure(response["error"])
        return response["result"]

    async def respond(self, request_id: Any, result: Any) -> None:
        await self.send({"id": request_id, "result": result})

    async def initialize(self, name: str = "reelkit-tests", experimental: bool = True, **caps: Any) -> Any:
        result = await self.call("initialize", {"clientInfo": {"name": name, "title": "Tests", "version": "0.1.0"},
                                                "capabilities": {"experimentalApi": experimental, **caps}})  # fmt: skip
        await self.send({"method": "initialized"})
        return result

    # --- reading ---

    async def _next(self, timeout: float) -> Message:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            stderr = (await self.proc.stderr.read()).decode() if self.proc.stderr else ""
            raise EOFError(f"server closed stdout (exit {self.proc.returncode}); stderr:\n{stderr[-4000:]}")
        message: Message = json.loads(line)
        self.transcript.append(("S->C", message))
        return message

    async def read_until(self, match: Callable[[Message], bool], timeout: float = DEFAULT_TIMEOUT) -> Message:
        for i, message in enumerate(self.buffer):
            if match(message):
                return self.buffer.pop(i)
        async with asyncio.timeout(timeout):
            while True:
                message = await self._next(timeout)
                if match(message):
                    return message
                self.buffer.append(message)

    async def read_response(self, request_id: Any, timeout: float = DEFAULT_TIMEOUT) -> Message:
        return await self.read_until(lambda m: m.get("id") == request_id and "method" not in m, timeout)

    async def read_notification(self, method: str, timeout: float = DEFAULT_TIMEOUT) -> Message:
        return await self.read_until(lambda m: m.get("method") == method and "id" not in m, timeout)

    async def read_request(self, method: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Message:
        return await self.read_until(
            lambda m: "id" in m and "method" in m and (method is None or m["method"] == method), timeout
        )

    async def collect_until(self, method: str, timeout: float = DEFAULT_TIMEOUT) -> list[Message]:
        """Every message up to and including the first notification `method` (buffered ones first)."""
        out: list[Message] = []
        while self.buffer:
            out.append(self.buffer.pop(0))
            if out[-1].get("method") == method and "id" not in out[-1]:
                return out
        async with asyncio.timeout(timeout):
            while True:
                out.append(await self._next(timeout))
                if out[-1].get("method") == method and "id" not in out[-1]:
                    return out

    # --- lifecycle ---

    async def close(self, timeout: float = 20) -> int:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


class RpcFailure(Exception):
    def __init__(self, error: Message):
        super().__init__(error.get("message"))
        self.error = error


def methods(messages: list[Message]) -> list[str]:
    return [m["method"] for m in messages if "method" in m]
