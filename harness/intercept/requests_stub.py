"""requests: `HTTPAdapter.send`. A recorded answer is a `requests.Response` whose raw stream yields the
recorded chunks one by one (what `iter_content`/`iter_lines` read); `stream=False` reads it whole, as requests does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, cast

from harness.tape import Tape

from .common import CUT, IDENTITY, Answer, Capture, delay_s, forward_url

Restore = Callable[[], None]


def patch(tape: Tape) -> Restore:
    import requests
    from requests.adapters import HTTPAdapter

    orig = HTTPAdapter.send

    def send(self: HTTPAdapter, request: Any, stream: bool = False, **kwargs: Any) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        body = body if isinstance(body, bytes) else None
        item = tape.lookup(request.method or "GET", request.url or "", body)
        if item is None:
            item = _record(orig, self, request, body, kwargs, tape)
        response = _response(Answer.of(item), request, self, tape.speed)
        if not stream:
            _ = response.content
        return cast(requests.Response, response)

    HTTPAdapter.send = send  # type: ignore[method-assign,assignment]

    def restore() -> None:
        HTTPAdapter.send = orig  # type: ignore[method-assign]

    return restore


def _record(orig: Any, adapter: Any, request: Any, body: bytes | None, kwargs: dict[str, Any], tape: Tape) -> Any:
    import requests
    import urllib3

    out = request.copy()
    out.url = forward_url(request.url, tape.upstream)
    out.headers[IDENTITY[0]] = IDENTITY[1]
    response = orig(adapter, out, stream=True, **kwargs)
    capture = Capture()
    try:
        for data in response.raw.stream(2**16, decode_content=True):
            capture.add(data)
    except (urllib3.exceptions.HTTPError, requests.RequestException):
        capture.ending = "abort"
    finally:
        response.close()
    item = capture.interaction(
        request.method, request.url, request.headers.items(), body, response.status_code, response.reason or "",
        response.headers.items(),
    )  # fmt: skip
    tape.add(item)
    return item


class _Raw:
    """Stands in for urllib3's HTTPResponse: what requests reads a body through."""

    def __init__(self, answer: Answer, speed: float) -> None:
        self._chunks = self._iterate(answer, speed)
        self._buffer = b""
        self.closed = False

    @staticmethod
    def _iterate(answer: Answer, speed: float) -> Iterator[bytes]:
        import requests

        started = time.monotonic()
        for chunk in answer.chunks:
            wait = delay_s(chunk, speed, started)
            if wait:
                time.sleep(wait)  # noqa: TID251 - replaying the recorded timing is the point
            yield chunk.data
        if answer.aborted:
            raise requests.exceptions.ChunkedEncodingError(CUT)

    def stream(self, amt: int | None = None, decode_content: bool = True) -> Iterator[bytes]:
        if self._buffer:
            data, self._buffer = self._buffer, b""
            yield data
        yield from self._chunks

    def read(self, amt: int | None = None, decode_content: bool = True, cache_content: bool = False) -> bytes:
        while amt is None or len(self._buffer) < amt:
            data = next(self._chunks, None)
            if data is None:
                break
            self._buffer += data
        size = len(self._buffer) if amt is None else amt
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def close(self) -> None:
        self.closed = True

    def release_conn(self) -> None:
        pass


def _response(answer: Answer, request: Any, adapter: Any, speed: float) -> Any:
    import requests
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    response = requests.Response()
    response.status_code, response.reason = answer.status, answer.reason
    response.headers = CaseInsensitiveDict(dict(answer.headers))
    response.encoding = get_encoding_from_headers(response.headers)
    response.url, response.request, response.connection = request.url, request, adapter
    response.raw = _Raw(answer, speed)
    return response
