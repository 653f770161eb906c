"""The recording proxy: forward every request upstream, tee each chunk to the client as it arrives,
and keep a cassette of what passed (chunk boundaries and arrival offsets included).

Clients use `http://HOST:PORT/v1` as base URL; `/v1/<path>` goes to `<upstream>/<path>`, so
`--upstream https://api.openai.com/v1` records the real service.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDictProxy
from yarl import URL

from mockprovider.cassette import FORMAT_VERSION, Cassette, Interaction, RecordedChunk
from mockprovider.ids import IdFactory
from mockprovider.matching import CassetteResponder
from mockprovider.render import RequestContext, render
from mockprovider.stream import send_plan

from .redact import Redactor, SecretLeakError, describe, save_cassette

log = logging.getLogger("harness.proxy")
RECORDER = "reelkit/0.1.0"
# Per-hop headers describe one connection, not the exchange; aiohttp sets its own.
_HOP = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
     "content-length", "content-encoding", "accept-encoding"}
)  # fmt: skip


@dataclass(slots=True)
class Recording:
    upstream: str
    cassette_path: Path
    redactor: Redactor
    interactions: list[Interaction] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # new_episodes: requests an earlier recording answers are replayed from it, not sent upstream
    episodes: CassetteResponder | None = None
    auth: str | None = None  # an Authorization value built from user:password in the upstream URL
    autosave: bool = False  # False: the owner saves once, when the whole recording succeeded
    failures: list[str] = field(default_factory=list)  # upstream errors nobody scripted: the recording failed

    def cassette(self) -> Cassette:
        return Cassette(list(self.interactions), dict(self.metadata), self.cassette_path)

    def add(self, item: Interaction) -> None:
        """Keep `item` scrubbed; one still holding a secret is refused alone, with one log line naming it."""
        label = f"{self.cassette_path}: interaction #{len(self.interactions)} ({describe(item)})"
        try:
            self.interactions.append(self.redactor.clean(item, label))
        except SecretLeakError as exc:
            log.error("Error: not saved: %s (the rest of the cassette is kept)", exc)

    def save(self) -> None:
        if not self.autosave:
            return
        try:
            save_cassette(self.cassette(), self.cassette_path, self.redactor, scrubbed=True)
        except (SecretLeakError, OSError) as exc:
            log.error("Error: %s", exc)


RECORDING = web.AppKey("reelkit_recording", Recording)
SESSION = web.AppKey("reelkit_session", aiohttp.ClientSession)
PUMPS = web.AppKey("reelkit_pumps", set[asyncio.Task[None]])


def target_url(upstream: str, path: str, query: str) -> str:
    rest = path[3:] if path == "/v1" or path.startswith("/v1/") else path
    return upstream.rstrip("/") + rest + (f"?{query}" if query else "")


def _multi(headers: CIMultiDictProxy[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in headers.items():
        out.setdefault(key.lower(), []).append(value)
    return out


async def forward(request: web.Request) -> web.StreamResponse:
    recording, session = request.app[RECORDING], request.app[SESSION]
    body = await request.read()
    if recording.episodes is not None:
        replayed = await _replay_episode(request, recording, recording.episodes, body)
        if replayed is not None:
            return replayed
    url = target_url(recording.upstream, request.path, request.query_string)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
    if recording.auth is not None:  # credentials given in --upstream win over the client's own header
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = recording.auth
    try:
        up = await session.request(request.method, url, headers=headers, data=body, allow_redirects=False)
    except aiohttp.ClientConnectionError as exc:
        if request.transport is None or request.transport.is_closing():
            raise
        message = f"reelkit proxy: upstream {recording.redactor.url(url)} failed: {type(exc).__name__}: {exc}"
        log.warning("%s", message)
        recording.failures.append(message)
        return web.json_response({"error": {"message": message, "type": "proxy_error", "code": None}}, status=502)
    return await _relay(request, up, body, recording)


class _Cut:
    """Queued by the pump when the upstream cut its body."""


_CUT = _Cut()


async def _relay(
    request: web.Request, up: aiohttp.ClientResponse, body: bytes, recording: Recording
) -> web.StreamResponse:
    """Tee the upstream's answer to the client. The upstream is read and recorded by a task of its own, so a
    client that hangs up early (a server closing as soon as it has `response.completed`, which cancels this
    handler) costs the recording nothing: the exchange is still read to its end and kept whole."""
    queue: asyncio.Queue[bytes | _Cut | None] = asyncio.Queue()
    pump = asyncio.get_running_loop().create_task(_pump(request, up, body, recording, queue))
    request.app[PUMPS].add(pump)
    pump.add_done_callback(request.app[PUMPS].discard)
    resp = web.StreamResponse(status=up.status, reason=up.reason)
    resp.headers.extend((k, v) for k, v in up.headers.items() if k.lower() not in _HOP)
    await resp.prepare(request)
    while (data := await queue.get()) is not None:
        if isinstance(data, _Cut):
            _drop(request)  # the upstream cut the body: cut the client's too, as the real exchange did
            return resp
        await resp.write(data)
    await resp.write_eof()
    return resp


async def _pump(
    request: web.Request, up: aiohttp.ClientResponse, body: bytes, recording: Recording,
    queue: asyncio.Queue[bytes | _Cut | None],
) -> None:  # fmt: skip
    loop = asyncio.get_running_loop()
    started, chunks, pending, first_at, ending = loop.time(), [], bytearray(), 0.0, "abort"
    try:
        # iter_chunks ends each upstream HTTP chunk with end=True: those are the split points we keep.
        async for data, end in up.content.iter_chunks():
            if not pending:
                first_at = (loop.time() - started) * 1000
            queue.put_nowait(data)
            pending.extend(data)
            if end and pending:
                chunks.append(RecordedChunk(first_at, bytes(pending)))
                pending.clear()
        ending = "eof"
    except aiohttp.ClientPayloadError:
        queue.put_nowait(_CUT)
    except asyncio.CancelledError:
        ending = "cancelled"  # the proxy is stopping with this stream unfinished: not what the upstream did
        raise
    finally:
        up.release()
        queue.put_nowait(None)
        if pending:
            chunks.append(RecordedChunk(first_at, bytes(pending)))
        if ending != "cancelled":
            _record(recording, request, up, body, chunks, ending)


async def _finish_pumps(app: web.Application) -> None:
    """On stop, streams still being read (their client gone) get a moment to end and be recorded."""
    pumps = app[PUMPS].copy()
    if pumps:
        _, late = await asyncio.wait(pumps, timeout=5)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


async def _replay_episode(
    request: web.Request, recording: Recording, episodes: CassetteResponder, body: bytes
) -> web.StreamResponse | None:
    """Answer from the earlier recording when it holds this request (kept in the new cassette as it was)."""
    picked = episodes.pick(request.method, request.path, body.decode("utf-8", errors="replace") if body else None)
    if isinstance(picked, str):
        return None
    index, step = picked
    # A recorded step renders from its chunks alone: the request body plays no part.
    ctx = RequestContext({}, len(body), True, 20, IdFactory())
    recording.add(episodes.cassette.interactions[index])  # scrubbed like a fresh one: it may predate today's rules
    recording.save()
    return await send_plan(request, render(step, ctx), speed=1)  # as recorded: same chunks, same timing


def _drop(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()


def _record(
    recording: Recording,
    request: web.Request,
    up: aiohttp.ClientResponse,
    body: bytes,
    chunks: list[RecordedChunk],
    ending: str = "eof",
) -> None:
    item = Interaction(
        method=request.method,
        uri=str(up.url),
        request_headers=_multi(request.headers),
        request_body=body.decode("utf-8", errors="replace") if body else None,
        status=up.status,
        reason=up.reason or "",
        response_headers=_multi(up.headers),
        body=b"".join(c.data for c in chunks),
        chunks=chunks,
        ending=ending,
    )
    recording.add(item)
    _note_model(recording, body)
    recording.save()  # only with autosave: otherwise the owner saves once the whole recording succeeded


def _note_model(recording: Recording, body: bytes) -> None:
    if "model" in recording.metadata or not body:
        return
    try:
        model = json.loads(body).get("model")
    except (json.JSONDecodeError, AttributeError):
        return
    if isinstance(model, str):
        recording.metadata["model"] = model


def create_proxy_app(
    upstream: str, cassette_path: Path, redactor: Redactor, synthetic: bool | None = None, new_episodes: bool = False,
    autosave: bool = True,
) -> web.Application:  # fmt: skip
    """The proxy app; with `new_episodes`, an existing cassette at `cassette_path` answers what it holds.
    With `autosave` it rewrites the cassette after each interaction; `Recorder` turns that off and saves once."""
    app = web.Application(client_max_size=64 * 1024**2)
    meta = {
        "format": FORMAT_VERSION,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "upstream": redactor.url(upstream),
        "recorder": RECORDER,
        "synthetic": _is_loopback(upstream) if synthetic is None else synthetic,
    }
    upstream, auth, password = split_credentials(upstream)
    if auth is not None:
        redactor = redactor.with_secrets(password, auth, auth.split()[1])
    recording = Recording(upstream, cassette_path, redactor, metadata=meta, auth=auth, autosave=autosave)
    if new_episodes and cassette_path.exists():
        earlier = Cassette.load(cassette_path)
        recording.episodes = CassetteResponder(earlier)
        recording.metadata = {
            **earlier.metadata,
            **meta,
            "recorded_at": earlier.metadata.get("recorded_at", meta["recorded_at"]),
        }
        recording.metadata["extended_at"] = meta["recorded_at"]
    app[RECORDING] = recording
    app[PUMPS] = set()
    app.on_shutdown.append(_finish_pumps)
    app.router.add_route("*", "/{tail:.*}", forward)

    async def session_ctx(app: web.Application) -> Any:
        # No timeout on the whole exchange: streams may legitimately run for minutes.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
        async with aiohttp.ClientSession(timeout=timeout, auto_decompress=True) as session:
            app[SESSION] = session
            yield
        app[RECORDING].save()

    app.cleanup_ctx.append(session_ctx)
    return app


def split_credentials(upstream: str) -> tuple[str, str | None, str]:
    """`http://user:pass@host/v1` -> (`http://host/v1`, a Basic Authorization value, the password): aiohttp
    refuses a URL with credentials beside an Authorization header, and the URL is written into the cassette."""
    url = URL(upstream)
    if url.user is None and url.password is None:
        return upstream, None, ""
    pair = f"{url.user or ''}:{url.password or ''}".encode()
    return str(url.with_user(None)), f"Basic {base64.b64encode(pair).decode()}", url.password or ""


def _is_loopback(url: str) -> bool:
    host = URL(url).host or ""
    return host in {"localhost", "::1"} or host.startswith("127.")
