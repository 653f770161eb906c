"""Route each incoming line: requests to handlers (via the method table), responses to waiting futures.

This is the one place exceptions become wire errors. Malformed input is logged and dropped exactly
where the real server drops it (§1.4); a request always gets exactly one answer.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .connection import Connection
from .errors import InternalError, InvalidRequest, Overloaded, RpcError
from .protocol.initialize import InitializeView, read_initialize
from .protocol.methods import ALL_METHODS, CLIENT_NOTIFICATIONS, METHODS, MethodSpec
from .state import Ctx, ServerState

if TYPE_CHECKING:
    from .protocol.base import WireModel

    Params = WireModel | InitializeView | None

log = logging.getLogger("server.dispatch")
MAX_IN_FLIGHT = 1024
# json.loads accepts "\ud800" on its own; the real server's parser (and UTF-8) does not.
_LONE_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
Handler = Callable[[Ctx, Any], Awaitable[Any]]


def _encodable(message: Any) -> bool:
    try:
        json.dumps(message, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _handler(spec: MethodSpec) -> Handler:
    module, name = spec.handler.rsplit(".", 1)
    fn: Handler = getattr(importlib.import_module(f"server.handlers.{module}"), name)
    return fn


class Dispatcher:
    def __init__(self, state: ServerState, conn: Connection):
        self.state, self.conn = state, conn
        self.tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    def feed(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, bad UTF-8, nested too deep, an int too long
            log.warning("dropped a line that is not JSON: %.200r", line)
            return
        if _LONE_SURROGATE_ESCAPE.search(line) and not _encodable(message):
            log.warning("dropped a line with a lone UTF-16 surrogate: %.200r", line)
            return
        if not isinstance(message, dict):
            log.warning("dropped a non-object message (batches are not supported)")
            return
        self._route(message)

    def _route(self, message: dict[str, Any]) -> None:
        has_id, method = "id" in message, message.get("method")
        if isinstance(method, str) and has_id:
            self._request(message)
        elif isinstance(method, str):
            self._notification(method)
        elif has_id and ("result" in message or "error" in message):
            if not self.conn.resolve(message["id"], message.get("result"), message.get("error")):
                log.warning("dropped a response to unknown server request %r", message["id"])
        else:
            log.warning("dropped a message with neither method nor id")

    def _notification(self, method: str) -> None:
        if method not in CLIENT_NOTIFICATIONS:
            log.warning("dropped unknown client notification %s", method)

    def _request(self, message: dict[str, Any]) -> None:
        request_id = message["id"]
        if isinstance(request_id, bool) or not isinstance(request_id, int | str):
            log.warning("dropped a request with an invalid id %r", request_id)
            return
        if len(self.tasks) >= MAX_IN_FLIGHT:
            self.conn.error(request_id, Overloaded().wire())
            return
        task = asyncio.get_running_loop().create_task(self._answer(request_id, message))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, request_id: int | str, message: dict[str, Any]) -> None:
        ctx = Ctx(self.state, self.conn)
        while self.state.warming is not None and not self.state.warming.done():  # see handlers/session.py
            await self.state.warming
        try:
            spec, params = self._parse(message)
            result = await self._call(spec, ctx, params)
        except RpcError as exc:
            self.conn.error(request_id, exc.wire())
            return
        except Exception:
            log.exception("internal error handling %s", message.get("method"))
            self.conn.error(request_id, InternalError("Internal error").wire())
            return
        self.conn.respond(request_id, result)
        ctx.run_after()
        self._warm_next()

    def _warm_next(self) -> None:
        """The rest of the start-up imports (aiohttp) begin after the first answer that had the first part:
        begun earlier, they would hold that request (thread/start) up for no gain."""
        state = self.state
        if state.warm_next is not None and state.warming is not None and state.warming.done():
            start, state.warm_next = state.warm_next, None
            start()

    def _parse(self, message: dict[str, Any]) -> tuple[MethodSpec, Params]:
        method = message["method"]
        spec = METHODS.get(method)
        if spec is None:
            if method in ALL_METHODS:
                raise InvalidRequest(f"Invalid request: `{method}` is not implemented by this server")
            expected = ", ".join(f"`{m}`" for m in ALL_METHODS)
            raise InvalidRequest(f"Invalid request: unknown variant `{method}`, expected one of {expected}")
        params = self._params(spec, message)
        if method == "initialize":
            if self.conn.initialized:
                raise InvalidRequest("Already initialized")
        elif not self.conn.initialized:
            raise InvalidRequest("Not initialized")
        if spec.experimental and not self.conn.experimental:
            raise InvalidRequest(f"{method} requires experimentalApi capability")
        return spec, params

    def _params(self, spec: MethodSpec, message: dict[str, Any]) -> Params:
        raw = message.get("params")
        if message["method"] == "initialize" and (quick := read_initialize(raw)) is not None:
            return quick  # the first answer need not wait for pydantic (see protocol/initialize.py)
        # pydantic and the models are imported here, on the first request that needs them.
        from pydantic import ValidationError

        from .protocol.base import describe, serde_message

        model = spec.model()
        if model is None:  # a unit: absent, null or {} (serde reads an empty map as unit)
            if raw is None or raw == {}:
                return None
            raise InvalidRequest(f"Invalid request: invalid type: {describe(raw)}, expected unit")
        if raw is None:
            raise InvalidRequest("Invalid request: missing field `params`")
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise InvalidRequest(f"Invalid request: {serde_message(exc)}") from None

    async def _call(self, spec: MethodSpec, ctx: Ctx, params: Params) -> Any:
        handler = _handler(spec)
        thread_id = getattr(params, "thread_id", None) if spec.thread_scoped else None
        if thread_id is None:
            return await handler(ctx, params)
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        async with lock:  # requests for one thread are answered in arrival order
            return await handler(ctx, params)

    async def drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
