"""aiohttp: `ClientSession._request`, which every `session.get/post/request` goes through.

A recorded answer is a real `ClientResponse` whose `content` is fed the recorded chunks, each as one HTTP
chunk, so `iter_chunks()` sees the recorded boundaries and `iter_any()`/`read()` the same bytes.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import ClientResponse, RequestInfo, streams
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from harness.tape import Tape

from .common import CUT, Answer, Capture, delay_s, forward_url

Restore = Callable[[], None]
_STREAM_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters  # aiohttp >= 3.14


def patch(tape: Tape) -> Restore:
    orig = aiohttp.ClientSession._request

    async def _request(self: aiohttp.ClientSession, method: str, str_or_url: Any, **kwargs: Any) -> ClientResponse:
        url = _url(self, str_or_url, kwargs.get("params"))
        body = _body(kwargs)
        item = tape.lookup(method, str(url), body)
        if item is None:
            item = await _record(orig, self, method, url, body, kwargs, tape)
        headers = CIMultiDict(self.headers)
        headers.update(CIMultiDict(kwargs.get("headers") or {}))
        response = _response(Answer.of(item), method, url, CIMultiDictProxy(headers), tape.speed)
        await _raise_for_status(self, response, kwargs.get("raise_for_status"))
        return response

    aiohttp.ClientSession._request = _request  # type: ignore[method-assign]

    def restore() -> None:
        aiohttp.ClientSession._request = orig  # type: ignore[method-assign]

    return restore


def _url(session: aiohttp.ClientSession, str_or_url: Any, params: Any) -> URL:
    url = session._build_url(str_or_url)
    return url.extend_query(params) if params else url


def _body(kwargs: dict[str, Any]) -> bytes | None:
    if kwargs.get("json") is not None:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, dict | list | tuple):
        return urlencode(data).encode()
    return None  # no body, or a stream/form the stub does not match on


async def _record(
    orig: Any, session: aiohttp.ClientSession, method: str, url: URL, body: bytes | None, kwargs: dict[str, Any],
    tape: Tape,
) -> Any:  # fmt: skip
    sent = {k: v for k, v in kwargs.items() if k != "raise_for_status"}
    response: ClientResponse = await orig(session, method, forward_url(str(url), tape.upstream), **sent,
                                          raise_for_status=False)  # fmt: skip
    capture, pending = Capture(), bytearray()
    try:
        # iter_chunks marks the end of each upstream HTTP chunk: those are the split points kept.
        async for data, end in response.content.iter_chunks():
            pending.extend(data)
            if end and pending:
                capture.add(pending)
                pending.clear()
    except aiohttp.ClientPayloadError:
        capture.ending = "abort"
    finally:
        capture.add(pending)
        response.release()
    item = capture.interaction(
        method, str(url), response.request_info.headers.items(), body, response.status, response.reason or "",
        response.headers.items(),
    )  # fmt: skip
    tape.add(item)
    return item


class _NoConnection:
    """The protocol a StreamReader expects; there is no connection to pause."""

    _reading_paused = False
    connected = False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self, resume_parser: bool = True) -> None:
        pass


def _response(answer: Answer, method: str, url: URL, headers: CIMultiDictProxy[str], speed: float) -> ClientResponse:
    loop = asyncio.get_running_loop()
    info = RequestInfo(url, method, headers, url)
    extra: dict[str, Any] = {"stream_writer": SimpleNamespace(output_size=0)} if _STREAM_WRITER else {}
    # No timer and no session: the response was never sent; aiohttp only needs them for a live connection.
    nothing: Any = None
    response = ClientResponse(
        method, url, writer=None, continue100=None, timer=nothing, request_info=info, traces=[], loop=loop,
        session=nothing, **extra,
    )  # fmt: skip
    response.status, response.reason = answer.status, answer.reason
    response._headers = CIMultiDictProxy(CIMultiDict(answer.headers))
    response._raw_headers = tuple((k.encode(), v.encode()) for k, v in answer.headers)
    limit = max(2**16, *(len(c.data) for c in answer.chunks)) if answer.chunks else 2**16
    content = streams.StreamReader(_NoConnection(), limit, loop=loop)  # type: ignore[arg-type]
    response.content = content
    if speed > 0:
        response._reelkit_feeder = loop.create_task(_feed_timed(content, answer, speed))  # type: ignore[attr-defined]
    else:
        _feed_all(content, answer)
    return response


def _feed(content: streams.StreamReader, data: bytes) -> None:
    content.begin_http_chunk_receiving()
    content.feed_data(data)
    content.end_http_chunk_receiving()


def _feed_all(content: streams.StreamReader, answer: Answer) -> None:
    for chunk in answer.chunks:
        _feed(content, chunk.data)
    _end(content, answer)


async def _feed_timed(content: streams.StreamReader, answer: Answer, speed: float) -> None:
    started = time.monotonic()
    for chunk in answer.chunks:
        wait = delay_s(chunk, speed, started)
        if wait:
            await asyncio.sleep(wait)
        _feed(content, chunk.data)
    _end(content, answer)


def _end(content: streams.StreamReader, answer: Answer) -> None:
    if answer.aborted:
        content.set_exception(aiohttp.ClientPayloadError(CUT))
    else:
        content.feed_eof()


async def _raise_for_status(session: aiohttp.ClientSession, response: ClientResponse, asked: Any) -> None:
    check = session._raise_for_status if asked is None else asked
    if check is True:
        response.raise_for_status()
    elif callable(check):
        await check(response)
