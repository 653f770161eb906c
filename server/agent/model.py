"""The Responses API client: stream events as they arrive, with codex's two retry layers.

Request level: HTTP 5xx and transport errors are retried `request_max_retries` times (backoff
200 ms * 2^(n-1) +-10 %, or the server's Retry-After). Stream level: a retryable failure after
that (dropped stream, idle timeout, retryable `response.failed`, a 429 that says when to come
back) re-sends the whole request up to `stream_max_retries` times, announcing each retry.
Failures carry codex's messages and `codexErrorInfo` so the turn can report them verbatim.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp

from reelkit_common.sse import SSEDecoder
from server.provider import ProviderInfo

from .errors import ModelError

Event = dict[str, Any]
RetryHook = Callable[[int, int, ModelError], None]
Sleep = Callable[[float], Awaitable[None]]

HIGH_DEMAND = "We\u2019re currently experiencing high demand, which may cause temporary errors."
_FATAL_FAILED = {
    "context_length_exceeded": ("Codex ran out of room in the model's context window. Start a new thread or clear "
                                "earlier history before retrying.", "contextWindowExceeded"),
    "insufficient_quota": ("Quota exceeded. Check your plan and billing details.", "usageLimitExceeded"),
    "usage_not_included": ("To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.",
                           "usageLimitExceeded"),
    "invalid_prompt": (None, "badRequest"),
    "cyber_policy": (None, "cyberPolicy"),
    "server_is_overloaded": ("Selected model is at capacity. Please try a different model.", "serverOverloaded"),
}  # fmt: skip
_TRY_AGAIN = re.compile(r"try again in\s*([0-9.]+)\s*(ms|s|seconds?)\b", re.IGNORECASE)


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): 0.2 * 2^(attempt-1), jittered by +-10 %."""
    return float(0.2 * 2 ** (attempt - 1) * random.uniform(0.9, 1.1))


def _retry_after(headers: Any) -> float | None:
    raw = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


class _Failure(Exception):
    """A failed attempt: the error, and the delay the server asked for (None: use backoff)."""

    def __init__(self, error: ModelError, delay: float | None = None):
        super().__init__(error.message)
        self.error, self.delay = error, delay


class ModelClient:
    def __init__(self, session: aiohttp.ClientSession, provider: ProviderInfo, sleep: Sleep = asyncio.sleep):
        self.session, self.provider, self.sleep = session, provider, sleep

    async def stream(
        self, body: dict[str, Any], headers: dict[str, str], on_retry: RetryHook | None = None
    ) -> AsyncIterator[Event]:
        """Yield events of one successful response; raise ModelError when retries are exhausted or fatal."""
        limit = min(self.provider.stream_max_retries, 100)
        for attempt in range(limit + 1):
            try:
                async for event in self._attempt(body, headers):
                    yield event
                return
            except _Failure as failure:
                if not failure.error.retryable or attempt == limit:
                    raise failure.error from None
                if on_retry is not None:
                    on_retry(attempt + 1, limit, failure.error)
                await self.sleep(failure.delay if failure.delay is not None else backoff(attempt + 1))

    async def _attempt(self, body: dict[str, Any], headers: dict[str, str]) -> AsyncIterator[Event]:
        resp = await self._post(body, headers)
        async with resp:
            async for event in self._events(resp):
                yield event

    async def _post(self, body: dict[str, Any], headers: dict[str, str]) -> aiohttp.ClientResponse:
        limit = min(self.provider.request_max_retries, 100)
        for attempt in range(limit + 1):
            try:
                resp = await self.session.post(
                    self.provider.responses_url,
                    json=body,
                    headers=self._headers(headers),
                    params=self.provider.query_params or None,
                )
            except (aiohttp.ClientConnectionError, TimeoutError):
                failure = _disconnected("error sending request")
            else:
                if resp.status < 400:
                    return resp
                failure = await _http_failure(resp, self.provider.responses_url)
                resp.release()
                if resp.status < 500 or attempt == limit:
                    raise failure
            if attempt == limit:
                raise failure
            await self.sleep(failure.delay if failure.delay is not None else backoff(attempt + 1))
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        headers = {"accept": "text/event-stream", **self.provider.http_headers, **extra}
        if self.provider.api_key:
            headers["authorization"] = f"Bearer {self.provider.api_key}"
        return headers

    async def _events(self, resp: aiohttp.ClientResponse) -> AsyncIterator[Event]:
        decoder, idle = SSEDecoder(), self.provider.stream_idle_timeout_ms / 1000
        while True:
            try:
                async with asyncio.timeout(idle):
                    chunk = await resp.content.readany()
            except TimeoutError:
                raise _disconnected("idle timeout waiting for SSE") from None
            except aiohttp.ClientPayloadError:  # the body broke off mid-chunk
                raise _disconnected("Transport error: network error: error decoding response body") from None
            except aiohttp.ClientError:
                raise _disconnected("stream closed before response.completed") from None
            if not chunk:
                raise _disconnected("stream closed before response.completed")
            for sse in decoder.feed(chunk):
                event = _parse(sse.data)
                if event is None:
                    continue
                _raise_for_terminal(event)
                yield event
                if event.get("type") == "response.completed":
                    return  # codex stops reading here; the server may keep the socket open


def _parse(data: str) -> Event | None:
    try:
        event = json.loads(data)
    except json.JSONDecodeError:
        return None  # [DONE], keep-alives and garbage are skipped, as codex does
    return event if isinstance(event, dict) else None


def _disconnected(reason: str) -> _Failure:
    # Retries announce responseStreamDisconnected; once they run out codex reports the error as "other".
    return _Failure(ModelError(f"stream disconnected before completion: {reason}", "other", retryable=True))


def _raise_for_terminal(event: Event) -> None:
    kind = event.get("type")
    if kind == "response.completed" and not isinstance((event.get("response") or {}).get("id"), str):
        raise _disconnected("failed to parse ResponseCompleted: missing field `id`")  # retried, as codex does
    if kind == "response.failed":
        raise _failed(((event.get("response") or {}).get("error")) or {})
    if kind == "response.incomplete":
        reason = ((event.get("response") or {}).get("incomplete_details") or {}).get("reason", "unknown")
        raise _Failure(ModelError(f"Incomplete response returned, reason: {reason}", "other"))


def _failed(error: dict[str, Any]) -> _Failure:
    code, message = str(error.get("code") or ""), str(error.get("message") or "")
    if code in _FATAL_FAILED:
        fixed, info = _FATAL_FAILED[code]
        return _Failure(ModelError(fixed or message, info))
    if code in ("rate_limit_exceeded", "slow_down"):
        match = _TRY_AGAIN.search(message)
        delay = (float(match.group(1)) / (1000 if match.group(2).lower() == "ms" else 1)) if match else None
        return _Failure(ModelError(f"rate limit exceeded: {message}", "rateLimitExceeded", retryable=True), delay)
    return _disconnected(message)


async def _http_failure(resp: aiohttp.ClientResponse, url: str) -> _Failure:
    text = await resp.text(errors="replace")
    try:
        error = json.loads(text).get("error") or {}
    except (json.JSONDecodeError, AttributeError):
        error = {}
    message = str(error.get("message") or text) if isinstance(error, dict) else text
    status, reason = resp.status, resp.reason or ""
    return _Failure(_http_error(status, reason, message, text, error, url, resp.headers), _retry_after(resp.headers))


def _http_error(status: int, reason: str, message: str, text: str, error: Any, url: str, headers: Any) -> ModelError:
    if status == 500:
        return ModelError(HIGH_DEMAND, "internalServerError", retryable=True)  # codex keeps no status here
    if status == 503 and isinstance(error, dict) and error.get("code") == "server_is_overloaded":
        return ModelError(_FATAL_FAILED["server_is_overloaded"][0] or "", "serverOverloaded", status=status)
    if status == 429:
        return _too_many(error, headers)
    if status >= 500 or status == 401:
        info = {"httpConnectionFailed": {"httpStatusCode": status}}
        text = f"unexpected status {status} {reason}: {message}, url: {url}{_request_id(headers)}"
        return ModelError(text, info, retryable=True, status=status)
    return ModelError(text, "other" if status == 400 else "badRequest", status=status)


def _request_id(headers: Any) -> str:
    request_id = headers.get("x-request-id") if headers is not None else None
    return f", request id: {request_id}" if request_id else ""


def _too_many(error: Any, headers: Any) -> ModelError:
    if isinstance(error, dict) and error.get("type") == "usage_limit_reached":
        return ModelError("You\u2019ve hit your usage limit. Try again later.", "usageLimitExceeded", status=429)
    info = {"responseTooManyFailedAttempts": {"httpStatusCode": 429}}
    # Only a Retry-After makes a 429 worth retrying (codex ignores hints in the body).
    return ModelError(f"exceeded retry limit, last status: 429 Too Many Requests{_request_id(headers)}", info,
                      retryable=_retry_after(headers) is not None, status=429)  # fmt: skip
