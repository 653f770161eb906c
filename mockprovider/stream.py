"""Put a Plan on the wire: timed chunk writes, clean or abrupt endings, and client departure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

from aiohttp import web

from .plan import Chunk, Plan

log = logging.getLogger("mockprovider")


async def send_plan(request: web.BaseRequest, plan: Plan, speed: float) -> web.StreamResponse:
    if plan.ending == "reset":
        _drop(request)
        return web.Response(status=499)  # never written: the transport is gone
    if speed == 0 and plan.instant:
        # Instant replay: the whole stream in one write, with a length (framing of the events is unchanged).
        return web.Response(status=plan.status, headers=plan.headers, body=plan.body)
    resp = web.StreamResponse(status=plan.status, headers=plan.headers)
    try:
        await resp.prepare(request)
        await _write_chunks(resp, plan.chunks, speed, plan.keep_splits)
        if plan.ending == "abort":
            _drop(request)
            return resp
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError):
        log.info("client went away during %s %s", request.method, request.path)
    return resp


async def _write_chunks(resp: web.StreamResponse, chunks: list[Chunk], speed: float, keep_splits: bool) -> None:
    loop = asyncio.get_running_loop()
    start, held = loop.time(), 0.0
    for batch in _batches(chunks, speed, keep_splits):
        held += batch[0].hold_ms
        if speed > 0 or held:
            offset = (batch[0].at_ms / speed if speed > 0 else 0.0) + held
            delay = start + offset / 1000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        await resp.write(b"".join(c.data for c in batch))


def _batches(chunks: list[Chunk], speed: float, keep_splits: bool) -> Iterator[list[Chunk]]:
    """One write (one HTTP chunk) per chunk in timed mode; at speed 0, everything between stalls in one write."""
    if speed > 0 or keep_splits:
        yield from ([c] for c in chunks)
        return
    batch: list[Chunk] = []
    for chunk in chunks:
        if chunk.hold_ms and batch:
            yield batch
            batch = []
        batch.append(chunk)
    if batch:
        yield batch


def _drop(request: web.BaseRequest) -> None:
    # Closing the transport without the terminating chunk is what a dropped upstream looks like.
    if request.transport is not None:
        request.transport.abort()
