"""`Recorder`: the recording proxy as a Python object, like `MockProvider`.

    async with Recorder(upstream="https://api.openai.com/v1", cassette=path) as rec:
        client = AsyncOpenAI(base_url=rec.url)
        ...                                   # the cassette is written when the block ends without error

Nothing is written while it runs. `save()` (called by a clean exit) writes the cassette, and the files
passed as `extra` (a golden transcript), in one atomic step, and refuses when the recording failed: an
upstream that could not be reached, or nothing recorded. A killed or interrupted recorder leaves the old
files as they were. `ThreadedRecorder` runs it on its own loop for synchronous code.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from mockprovider.cassette import Cassette
from mockprovider.serving import start_site

from .integrity import seal
from .proxy import RECORDING, Recording, create_proxy_app
from .redact import Redactor
from .vault import commit_files, recover


class RecordError(RuntimeError):
    """A recording that did not succeed; nothing was saved. The message says why."""


class Recorder:
    def __init__(
        self, upstream: str, cassette: str | Path, *, host: str = "127.0.0.1", port: int = 0,
        redactor: Redactor | None = None, synthetic: bool | None = None, new_episodes: bool = False,
    ) -> None:  # fmt: skip
        self.path = Path(cassette)
        recover(self.path)  # an earlier run killed mid-commit is finished (or undone) before we read anything
        self.redactor = redactor or Redactor.from_env()
        self.app = create_proxy_app(upstream, self.path, self.redactor, synthetic, new_episodes, autosave=False)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None

    @property
    def recording(self) -> Recording:
        return self.app[RECORDING]

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}/v1"

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        self._runner, self._port = await start_site(self.app, self._host, self._port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def problems(self) -> list[str]:
        if self.recording.failures:
            return list(self.recording.failures)
        if not self.recording.interactions:
            return [f"nothing was recorded into {self.path} (no request reached the recorder)"]
        return []

    def cassette(self) -> Cassette:
        return self.recording.cassette()

    def save(self, cassette: Cassette | None = None, extra: dict[Path, str] | None = None) -> Path:
        """Write the cassette (and `extra` files) in one atomic step; RecordError if the recording failed."""
        problems = self.problems()
        if problems:
            raise RecordError(f"not saved, {self.path} is unchanged: " + "; ".join(problems))
        clean = seal(self.redactor.cassette(cassette or self.cassette()))
        text = clean.dumps()
        self.redactor.check(text, str(self.path))
        for path, content in (extra or {}).items():
            self.redactor.check(content, str(path))
        commit_files({self.path: text, **(extra or {})})
        return self.path

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if et is None:
            self.save()


class ThreadedRecorder:
    """The same recorder on its own event loop in a daemon thread, for synchronous tests and tools."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="reelkit-recorder", daemon=True)
        self.recorder = Recorder(*args, **kwargs)

    def _call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def url(self) -> str:
        return self.recorder.url

    def __enter__(self) -> Self:
        self._thread.start()
        self._call(self.recorder.start())
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self._call(self.recorder.stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
        if et is None:
            self.recorder.save()
