"""Run the mock provider in-process: `async with MockProvider(...) as mock`, or in a thread for sync code."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .app import STATE, ProviderConfig, ProviderState, create_app
from .cassette import Cassette
from .faults import FaultError, RecordingFault, check_faults, parse_fault
from .journal import CapturedRequest
from .matching import MatchConfig
from .script import Script, StepLike, parse_step
from .serving import start_site


class MockProvider:
    """An aiohttp mock Responses API on a random loopback port.

    `url` is the base URL clients use (`http://127.0.0.1:PORT/v1`); `enqueue()` adds steps;
    `requests` is the journal; `assert_all_consumed()` fails if scripted steps were never asked for.
    """

    def __init__(
        self,
        steps: Iterable[StepLike] | Script | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        chunk_size: int = 20,
        strict: bool = False,
        seed: int | None = None,
        loop_script: bool = False,
        cassette: Cassette | str | Path | None = None,
        match: MatchConfig | None = None,
        journal_max: int = 0,
        faults: Iterable[str | Mapping[str, Any] | RecordingFault] = (),
    ) -> None:
        script = steps if isinstance(steps, Script) else Script([parse_step(s) for s in steps or []], loop_script)
        config = ProviderConfig(speed=speed, chunk_size=chunk_size, strict=strict, journal_max=journal_max)
        if isinstance(cassette, str | Path):
            cassette = Cassette.load(cassette)
        self.app = create_app(script, config, seed, cassette, match)
        self.state.faults = tuple(parse_fault(f) for f in faults)
        if self.state.faults:
            if cassette is None:
                raise FaultError("faults on recordings need a cassette (script steps carry their own faults)")
            check_faults(self.state.faults, cassette)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None

    @property
    def state(self) -> ProviderState:
        return self.app[STATE]

    @property
    def origin(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    async def start(self) -> None:
        self._runner, self._port = await start_site(self.app, self._host, self._port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def enqueue(self, *steps: StepLike) -> None:
        self.state.script.append([parse_step(s) for s in steps])

    @property
    def requests(self) -> list[CapturedRequest]:
        return list(self.state.journal.entries)

    @property
    def response_requests(self) -> list[CapturedRequest]:
        """Only the POSTs to `/responses` (what a test usually means by 'model calls')."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/responses")]

    @property
    def model_requests(self) -> list[CapturedRequest]:
        """The POSTs to any model API: `/responses`, `/chat/completions` and `/messages`."""
        ends = ("/responses", "/chat/completions", "/messages")
        return [r for r in self.requests if r.method == "POST" and r.path.endswith(ends)]

    async def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[CapturedRequest]:
        return await self.state.journal.wait_for(count, timeout)

    def unplayed(self) -> list[str]:
        """Recorded interactions never asked for (cassette mode)."""
        replay = self.state.cassette
        return [f"{replay.cassette.name}#{i}" for i in replay.unplayed] if replay else []

    def assert_all_consumed(self) -> None:
        if self.unplayed():
            raise AssertionError(f"unplayed recorded interactions: {', '.join(self.unplayed())}")
        script = self.state.script
        if script.remaining and not script.loop:
            left = [script.steps[i].label or f"step {i}" for i in script.pending()]
            raise AssertionError(
                f"{script.remaining} scripted response(s) never requested: {', '.join(left)}\n"
                f"journal:\n{self.state.journal.dump()}"
            )


class ThreadedMockProvider:
    """The same server on its own event loop in a daemon thread, for synchronous tests and tools."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mockprovider", daemon=True)
        self.provider = MockProvider(*args, **kwargs)

    def _call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def __enter__(self) -> Self:
        self._thread.start()
        self._call(self.provider.start())
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self._call(self.provider.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def url(self) -> str:
        return self.provider.url

    def enqueue(self, *steps: StepLike) -> None:
        async def add() -> None:
            self.provider.enqueue(*steps)

        self._call(add())

    @property
    def requests(self) -> list[CapturedRequest]:
        return self.provider.requests

    @property
    def response_requests(self) -> list[CapturedRequest]:
        return self.provider.response_requests

    def assert_all_consumed(self) -> None:
        self.provider.assert_all_consumed()
