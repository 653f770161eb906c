"""Small real upstreams for recording tests: a Chat Completions SSE service on its own loop and thread
(the mock provider speaks the Responses API)."""

from __future__ import annotations

import asyncio
import json
import threading
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from mockprovider.serving import start_site

CHAT_PIECES = ["Hello ", "from ", "chat."]


def chat_chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice]}
    return f"data: {json.dumps(body)}\n\n".encode()


async def chat_completions(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    for piece in CHAT_PIECES:
        await resp.write(chat_chunk({"content": piece}))
        await asyncio.sleep(0.005)  # the upstream's pacing: each piece is its own chunk on the wire
    await resp.write(chat_chunk({}, "stop") + b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


class ThreadedChatUpstream:
    """`with ThreadedChatUpstream() as chat: chat.url` serves POST /v1/chat/completions."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chat-upstream", daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def __enter__(self) -> Self:
        self._thread.start()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat_completions)
        self._runner, port = self._call(start_site(app, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._runner is not None:
            self._call(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
