"""Process-wide server state shared by every connection's handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .connection import Connection
from .errors import InvalidRequest

if TYPE_CHECKING:
    import aiohttp

    from .config import Config
    from .store import Store
    from .threads import ThreadRuntime


@dataclass(slots=True)
class ServerState:
    home: Path
    threads: dict[str, ThreadRuntime] = field(default_factory=dict)
    commands: dict[str, Any] = field(default_factory=dict)  # command/exec processes by processId
    _http: aiohttp.ClientSession | None = None
    # The imports `initialize` did not wait for, run in a thread after its answer (handlers/session.py);
    # requests wait while a batch runs rather than import the same modules at the same time.
    warming: asyncio.Future[None] | None = None
    warm_next: Callable[[], None] | None = None  # the next batch, begun once a request is answered after this one

    # config, store and threads (and the agent core behind them) are imported on first use, not before the
    # `initialize` answer: start-up is measured against codex's (bench/appserver.py).
    @property
    def store(self) -> Store:
        from .store import Store

        return Store(self.home)

    def config(self, overrides: dict[str, Any] | None = None) -> Config:
        from .config import ConfigError, load_config

        try:
            return load_config(self.home, overrides)
        except ConfigError as exc:
            raise InvalidRequest(f"failed to load configuration: {exc}") from None

    def http(self) -> aiohttp.ClientSession:
        """One shared client session (connection pooling to the provider)."""
        import aiohttp  # imported on first use: it costs ~130 ms, which start-up should not pay

        if self._http is None or self._http.closed:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
            self._http = aiohttp.ClientSession(timeout=timeout, auto_decompress=True)
        return self._http

    def thread(self, thread_id: str) -> ThreadRuntime:
        thread = self.threads.get(thread_id)
        if thread is None:
            raise InvalidRequest(f"thread not found: {thread_id}")
        return thread

    async def close(self) -> None:
        for thread in list(self.threads.values()):
            if thread.active and thread.active.task:
                thread.active.task.cancel()
                with contextlib.suppress(BaseException):
                    await thread.active.task
            await thread.close_services()
            if thread.writer:
                thread.sync()
                thread.writer.close()
        if self._http is not None:
            await self._http.close()


@dataclass(slots=True)
class Ctx:
    """What a handler gets: the server state, its connection, and a way to act after the response."""

    state: ServerState
    conn: Connection
    _after: list[Callable[[], Any]] = field(default_factory=list)

    def after(self, action: Callable[[], Any]) -> None:
        """Run `action` right after the response is queued (notifications that follow a response)."""
        self._after.append(action)

    def run_after(self) -> None:
        for action in self._after:
            result = action()
            if asyncio.iscoroutine(result):
                asyncio.get_running_loop().create_task(result)
