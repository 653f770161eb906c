"""httpx and httpx2 (so the openai and anthropic SDKs): the default transports' request methods.

Patching the transport classes, not clients, catches clients built at import time too; a recorded
answer goes back as a response whose stream yields the recorded chunks one by one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any

from harness.tape import Tape

from .common import CUT, IDENTITY, Answer, Capture, delay_s, forward_url

Restore = Callable[[], None]


def patch(mod: ModuleType, tape: Tape) -> Restore:
    sync_cls, async_cls = mod.HTTPTransport, mod.AsyncHTTPTransport
    sync_orig, async_orig = sync_cls.handle_request, async_cls.handle_async_request
    sync_stream, async_stream = _stream_classes(mod)

    def handle_request(self: Any, request: Any) -> Any:
        body = request.read()
        item = tape.lookup(request.method, str(request.url), body)
        if item is None:
            item = _record_sync(mod, sync_orig, self, request, body, tape)
        answer = Answer.of(item)
        return _response(mod, answer, request, sync_stream(answer, tape.speed))

    async def handle_async_request(self: Any, request: Any) -> Any:
        body = await request.aread()
        item = tape.lookup(request.method, str(request.url), body)
        if item is None:
            item = await _record_async(mod, async_orig, self, request, body, tape)
        answer = Answer.of(item)
        return _response(mod, answer, request, async_stream(answer, tape.speed))

    sync_cls.handle_request = handle_request
    async_cls.handle_async_request = handle_async_request

    def restore() -> None:
        sync_cls.handle_request, async_cls.handle_async_request = sync_orig, async_orig

    return restore


def _outgoing(mod: ModuleType, request: Any, body: bytes, tape: Tape) -> Any:
    headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != IDENTITY[0]]
    url = forward_url(str(request.url), tape.upstream)
    return mod.Request(request.method, url, headers=[*headers, IDENTITY], content=body, extensions=request.extensions)


def _record_sync(mod: ModuleType, orig: Any, transport: Any, request: Any, body: bytes, tape: Tape) -> Any:
    response = orig(transport, _outgoing(mod, request, body, tape))
    capture = Capture()
    try:
        for data in response.stream:
            capture.add(data)
    except mod.TransportError:
        capture.ending = "abort"
    finally:
        response.stream.close()
    return _keep(capture, request, body, response, tape)


async def _record_async(mod: ModuleType, orig: Any, transport: Any, request: Any, body: bytes, tape: Tape) -> Any:
    response = await orig(transport, _outgoing(mod, request, body, tape))
    capture = Capture()
    try:
        async for data in response.stream:
            capture.add(data)
    except mod.TransportError:
        capture.ending = "abort"
    finally:
        await response.stream.aclose()
    return _keep(capture, request, body, response, tape)


def _keep(capture: Capture, request: Any, body: bytes, response: Any, tape: Tape) -> Any:
    reason = response.extensions.get("reason_phrase", b"")
    item = capture.interaction(
        request.method, str(request.url), request.headers.multi_items(), body, response.status_code,
        reason.decode("latin-1") if isinstance(reason, bytes) else str(reason), response.headers.multi_items(),
    )  # fmt: skip
    tape.add(item)
    return item


def _response(mod: ModuleType, answer: Answer, request: Any, stream: Any) -> Any:
    extensions = {"http_version": b"HTTP/1.1", "reason_phrase": answer.reason.encode("latin-1", "replace")}
    return mod.Response(answer.status, headers=answer.headers, stream=stream, request=request, extensions=extensions)


_CLASSES: dict[str, tuple[Any, Any]] = {}


def _stream_classes(mod: ModuleType) -> tuple[Any, Any]:
    """Byte streams of the module's own base classes (its transports check them with isinstance)."""
    if mod.__name__ in _CLASSES:
        return _CLASSES[mod.__name__]

    class ReplayStream(mod.SyncByteStream):  # type: ignore[name-defined,misc]
        def __init__(self, answer: Answer, speed: float) -> None:
            self.answer, self.speed = answer, speed

        def __iter__(self) -> Iterator[bytes]:
            started = time.monotonic()
            for chunk in self.answer.chunks:
                wait = delay_s(chunk, self.speed, started)
                if wait:
                    time.sleep(wait)  # noqa: TID251 - replaying the recorded timing is the point
                yield chunk.data
            if self.answer.aborted:
                raise mod.RemoteProtocolError(CUT)

    class AsyncReplayStream(mod.AsyncByteStream):  # type: ignore[name-defined,misc]
        def __init__(self, answer: Answer, speed: float) -> None:
            self.answer, self.speed = answer, speed

        async def __aiter__(self) -> AsyncIterator[bytes]:
            started = time.monotonic()
            for chunk in self.answer.chunks:
                wait = delay_s(chunk, self.speed, started)
                if wait:
                    await _sleep(wait)
                yield chunk.data
            if self.answer.aborted:
                raise mod.RemoteProtocolError(CUT)

    _CLASSES[mod.__name__] = (ReplayStream, AsyncReplayStream)
    return _CLASSES[mod.__name__]


async def _sleep(seconds: float) -> None:
    # anyio's sleep works under asyncio and trio alike; asyncio is the fallback when anyio is missing.
    try:
        import anyio
    except ImportError:  # pragma: no cover - httpx depends on anyio
        await asyncio.sleep(seconds)
        return
    await anyio.sleep(seconds)
