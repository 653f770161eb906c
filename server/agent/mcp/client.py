"""One MCP server connection, through the official `mcp` SDK: started, listed, called, closed.

The SDK's transports are anyio context managers that must be entered and left in one task, so each
connection lives in a task of its own (`_serve`) that holds the session until `close()`; calls from turns
and handlers go through the session from their own tasks. Closing leaves the contexts, which ends a stdio
server's process (stdin closed, then terminate, then kill), so no server outlives its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import McpServerConfig

if TYPE_CHECKING:
    from mcp import ClientSession, types

log = logging.getLogger("server.mcp")
CLIENT_INFO = {"name": "codex-mcp-client", "title": "Codex", "version": "0.163.0"}
Elicit = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]  # (server, params) -> ElicitResult fields


async def load_sdk() -> None:
    """Import the SDK in a worker thread: it takes 0.6-0.9 s here, which would stall every other request
    and thread if done on the event loop. Later calls find it loaded."""
    if "mcp.client.streamable_http" not in sys.modules:
        await asyncio.to_thread(_import_sdk)


def _import_sdk() -> None:
    import mcp.client.stdio
    import mcp.client.streamable_http  # noqa: F401


class McpCallError(Exception):
    """A call that got no result: the text after `Caused by:` in codex's tool-call error."""


@dataclass(slots=True)
class Catalog:
    """What a server said at start-up."""

    tools: list[types.Tool] = field(default_factory=list)
    instructions: str | None = None
    server_info: dict[str, Any] | None = None
    capabilities: dict[str, Any] | None = None
    resources: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)


class McpConnection:
    def __init__(self, cfg: McpServerConfig, cwd: Path, elicit: Elicit):
        self.cfg, self.cwd, self._elicit = cfg, cwd, elicit
        self.status = "starting"
        self.error: str | None = None
        self.tools_error: str | None = None
        self.lost = False  # it was ready and its process or connection ended: calls fail, tools stay listed
        self.catalog = Catalog()
        self.session: ClientSession | None = None
        self._ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # a start-up failure is reported through `status`; a close during start-up leaves nobody awaiting it
        self._ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- life cycle ---

    async def start(self) -> None:
        """Connect within the start-up timeout; afterwards `status` is `ready` or `failed` (with `error`)."""
        await load_sdk()
        self._task = asyncio.get_running_loop().create_task(self._serve())
        started = time.monotonic()
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self.cfg.startup_timeout_s)
            self.status = "ready"
        except TimeoutError:
            took = time.monotonic() - started
            self._fail(_timeout_text(self.cfg), f"timed out handshaking with MCP server after {took:.8g}s")
            await self.close()
        except Exception as exc:
            cause = _startup_cause(exc, self.cfg)
            self._fail(f"MCP client for `{self.cfg.name}` failed to start: MCP startup failed: {cause}", cause)
            await self.close()

    def _fail(self, text: str, cause: str) -> None:
        """`error` is the start-up notification's text; `tools_error` the status list's (`MCP startup failed: ...`)."""
        self.status, self.error, self.tools_error = "failed", text, f"MCP startup failed: {cause}"

    async def close(self) -> None:
        """Leave the session (a stdio server's process ends with it); one that will not stop is cancelled."""
        self._closing.set()
        task, self._task = self._task, None
        if task is None or task.done():
            return
        if not self._ready.done():  # still handshaking: nothing to wait for (a hung server never answers)
            task.cancel()
        await asyncio.wait({task}, timeout=5)
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=5)

    async def _serve(self) -> None:
        from mcp import ClientSession, types

        try:
            async with contextlib.AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport())
                info = types.Implementation(**CLIENT_INFO)
                session = await stack.enter_async_context(
                    ClientSession(read, write, elicitation_callback=self._on_elicit, client_info=info)
                )
                init = await session.initialize()
                self.catalog = Catalog(await _list_tools(session), init.instructions,
                                       _dump(init.server_info), _dump(init.capabilities))  # fmt: skip
                if init.capabilities.resources is not None:  # listed at start-up, as codex does
                    self.catalog.resources, self.catalog.templates = await _list_resources(session)
                self.session = session
                self._ready.set_result(None)
                await self._closing.wait()
            if not self._closing.is_set():
                self.lost = True
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc if isinstance(exc, Exception) else ConnectionError("cancelled"))
            elif not self._closing.is_set():
                log.warning("MCP server %s stopped: %s", self.cfg.name, exc)
                self.lost = True
            if not isinstance(exc, Exception):
                raise
        finally:
            self.session = None

    def _transport(self) -> Any:
        cfg = self.cfg
        if cfg.command is not None:
            from mcp import StdioServerParameters, stdio_client

            params = StdioServerParameters(command=cfg.command, args=list(cfg.args), env=cfg.stdio_env(),
                                           cwd=cfg.cwd or self.cwd, encoding_error_handler="replace")  # fmt: skip
            return stdio_client(params, errlog=_errlog())
        from mcp.client.streamable_http import streamable_http_client

        return _http_client(str(cfg.url), cfg.headers, streamable_http_client)

    async def _on_elicit(self, context: Any, params: Any) -> Any:
        from mcp import types

        answer = await self._elicit(self.cfg.name, params.model_dump(by_alias=True, exclude_none=True))
        return types.ElicitResult(action=answer.get("action", "decline"), content=answer.get("content"))

    # --- calls ---

    @property
    def runtime_status(self) -> str:
        """The status list's word: `connected` while it serves, `failed` once it failed or was lost."""
        return "connected" if self.status == "ready" and not self.lost else "failed"

    def _live(self) -> ClientSession:
        if self.session is None or self.lost:
            raise McpCallError("Transport closed" if self.lost else (self.error or "MCP server is not running"))
        return self.session

    async def call_tool(self, tool: str, arguments: Any, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """The raw MCP result (`content`, `structuredContent`, `isError`, `_meta`), or McpCallError."""
        return await self.request("tools/call", lambda s: s.call_tool(tool, arguments, meta=meta))  # type: ignore[arg-type]

    async def request(self, what: str, call: Callable[[ClientSession], Awaitable[Any]]) -> dict[str, Any]:
        """One MCP request within the tool timeout; every failure is an McpCallError in codex's words."""
        session = self._live()
        try:
            result = await asyncio.wait_for(call(session), self.cfg.tool_timeout_s)
        except TimeoutError:
            raise McpCallError(f"timed out awaiting {what} after {_secs(self.cfg.tool_timeout_s)}") from None
        except Exception as exc:
            cause = _call_cause(exc)
            self.lost = self.lost or cause == "Transport closed"  # codex does not restart a server that died
            raise McpCallError(cause) from None
        return dict(result.model_dump(by_alias=True, mode="json", exclude_none=True))


async def _list_tools(session: ClientSession) -> list[types.Tool]:
    from mcp import types

    tools: list[types.Tool] = []
    cursor: str | None = None
    while True:
        page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            return tools


async def _list_resources(session: ClientSession) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The first page of resources and templates (the status list's view); a server that fails them has none."""
    try:
        resources = (await session.list_resources()).resources
        templates = (await session.list_resource_templates()).resource_templates
    except Exception:  # optional: a server may declare the capability and still refuse
        return [], []
    return [_dump(r) or {} for r in resources], [_dump(t) or {} for t in templates]


def _http_client(url: str, headers: dict[str, str], connect: Callable[..., Any]) -> Any:
    if not headers:
        return connect(url)

    @contextlib.asynccontextmanager
    async def with_headers() -> Any:
        import httpx2  # the SDK's own HTTP client; headers ride on it

        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300))
        async with http, connect(url, http_client=http) as streams:
            yield streams

    return with_headers()


def _errlog() -> Any:
    """A stdio server's stderr goes to ours (never our stdout: that is the wire)."""
    return sys.stderr


def _dump(model: Any) -> dict[str, Any] | None:
    return model.model_dump(by_alias=True, mode="json", exclude_none=True) if model is not None else None


def _secs(value: float) -> str:
    """codex's way of printing a tool timeout: milliseconds up to a second, whole seconds above."""
    return f"{int(value * 1000)}ms" if value <= 1 else f"{int(value)}s"


def _timeout_text(cfg: McpServerConfig) -> str:
    return (
        f"MCP client for `{cfg.name}` timed out after {cfg.startup_timeout_s:g} seconds. Add or adjust "
        f"`startup_timeout_sec` in your config.toml:\n[mcp_servers.{cfg.name}]\nstartup_timeout_sec = XX"
    )


def _startup_cause(exc: BaseException, cfg: McpServerConfig) -> str:
    exc = _leaf(exc)
    if isinstance(exc, OSError) and exc.errno is not None and cfg.command is not None:
        return f"{os.strerror(exc.errno)} (os error {exc.errno})"
    if cfg.url is not None and "connect" in type(exc).__name__.lower():
        return (f"handshaking with MCP server failed: Client error: HTTP request failed: error sending request for url "
                f"({cfg.url}), when send initialize request: {exc}")  # fmt: skip
    if _closed(exc):
        closed = "connection closed: initialize response"
        return f"handshaking with MCP server failed: {closed}: {closed}"
    return f"handshaking with MCP server failed: {exc}"


def _call_cause(exc: BaseException) -> str:
    exc = _leaf(exc)
    if _closed(exc):
        return "Transport closed"
    error = getattr(exc, "error", None)  # the SDK's MCPError carries the server's JSON-RPC error
    if getattr(error, "code", None) is not None:
        return f"Mcp error: {error.code}: {getattr(error, 'message', exc)}"  # type: ignore[union-attr]
    return str(exc) or type(exc).__name__


def _leaf(exc: BaseException) -> BaseException:
    """The one real error inside anyio's exception groups."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _closed(exc: BaseException) -> bool:
    """A transport that ended (the SDK says "Connection closed"; anyio raises ClosedResourceError)."""
    return "closed" in str(exc).lower() or "closed" in type(exc).__name__.lower()
