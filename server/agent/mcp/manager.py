"""A thread's MCP servers: started together when the thread starts, each reporting its start-up status,
offered to the model once ready, closed with the thread.

Elicitations from a server go to whoever asks the user for this thread (`asker`): during a turn that is the
turn's host with its turn id, otherwise the thread's. Where nobody may be asked (exec/run) the request
raises; the pending tool call is then failed with that error (`blocked`), and the server is told `cancel`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import names
from .client import McpConnection
from .config import McpServerConfig
from .forms import form_schema_ok
from .ports import AskerPort

Emit = Callable[[str, dict[str, Any]], None]


@dataclass(slots=True)
class Route:
    """A model-visible tool name resolved to its server and raw tool."""

    conn: McpConnection
    tool: str
    read_only: bool | None
    description: str
    schema: dict[str, Any]  # the tool's input schema, as the server listed it


class McpManager:
    def __init__(self, thread_id: str, servers: list[McpServerConfig], cwd: Path, emit: Emit):
        self.thread_id, self.servers, self.cwd, self.emit = thread_id, servers, cwd, emit
        self.conns: dict[str, McpConnection] = {}
        self._starting: dict[str, asyncio.Task[None]] = {}
        self.asker: AskerPort | None = None  # the thread's default asker; a turn sets its own around calls
        self.turn_id: str | None = None
        self.blocked: asyncio.Future[BaseException] | None = None

    @property
    def configured(self) -> bool:
        return bool(self.servers)

    def start(self, announce: bool = True) -> None:
        for cfg in self.servers:
            if cfg.enabled:
                self._start_one(cfg, announce)

    def _start_one(self, cfg: McpServerConfig, announce: bool) -> None:
        conn = McpConnection(cfg, self.cwd, self._elicit)
        self.conns[cfg.name] = conn
        if announce:
            self._status(cfg.name, "starting", None)
        self._starting[cfg.name] = asyncio.get_running_loop().create_task(self._started(conn))

    async def _started(self, conn: McpConnection) -> None:
        await conn.start()
        self._status(conn.cfg.name, conn.status, conn.error)

    def _status(self, name: str, status: str, error: str | None) -> None:
        self.emit("mcpServer/startupStatus/updated",
                  {"threadId": self.thread_id, "name": name, "status": status, "error": error,
                   "failureReason": None})  # fmt: skip

    async def ready(self) -> None:
        """Wait for every server still starting (a turn waits so, as codex's first model request does)."""
        pending = [t for t in self._starting.values() if not t.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def required_failures(self) -> list[str]:
        """`name: cause` for each required server that failed (codex's short form, without the prefix)."""
        prefix = "MCP startup failed: "
        failed = [c for c in self.conns.values() if c.cfg.required and c.status == "failed"]
        return [f"{c.cfg.name}: {(c.tools_error or '').removeprefix(prefix)}" for c in failed]

    async def reload(self, servers: list[McpServerConfig]) -> None:
        """`config/mcpServer/reload`: restart every server from the new config; as codex, only how each
        ended up is announced (no `starting`)."""
        await self.close()
        self.servers = servers
        self.start(announce=False)
        await self.ready()

    async def close(self) -> None:
        for task in self._starting.values():
            task.cancel()
        conns, self.conns, self._starting = list(self.conns.values()), {}, {}
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)

    # --- the model's view ---

    def ready_conns(self) -> list[McpConnection]:
        return [c for _, c in sorted(self.conns.items()) if c.status == "ready"]

    def routes(self) -> dict[tuple[str, str], Route]:
        """(namespace, model tool name) -> route, for every tool offered."""
        table: dict[tuple[str, str], Route] = {}
        for conn in self.ready_conns():
            offered = [t for t in conn.catalog.tools if conn.cfg.offers(t.name)]
            mapped = names.model_names(conn.cfg.name, [t.name for t in offered])
            for tool in offered:
                hint = tool.annotations.read_only_hint if tool.annotations is not None else None
                route = Route(conn, tool.name, hint, tool.description or "", tool.input_schema)
                table[(names.namespace(conn.cfg.name), mapped[tool.name])] = route
        return table

    def tool_specs(self) -> list[dict[str, Any]]:
        if not self.configured:
            return []
        by_ns: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        for (ns, name), route in self.routes().items():
            by_ns.setdefault(ns, []).append((name, route.description, route.schema))
        specs = list(names.RESOURCE_SPECS)
        for conn in self.ready_conns():
            ns = names.namespace(conn.cfg.name)
            if ns in by_ns:
                specs.append(names.namespace_tool(conn.cfg.name, conn.catalog.instructions, by_ns.pop(ns)))
        return specs

    def connection(self, server: str) -> McpConnection | None:
        conn = self.conns.get(server)
        return conn if conn is not None and conn.status == "ready" else None

    def failed(self, server: str) -> McpConnection | None:
        conn = self.conns.get(server)
        return conn if conn is not None and conn.status == "failed" else None

    # --- elicitations ---

    async def _elicit(self, server: str, params: dict[str, Any]) -> dict[str, Any]:
        asker = self.asker
        mode = params.get("mode", "form")
        wire = {"threadId": self.thread_id, "turnId": self.turn_id, "serverName": server, "mode": mode,
                "_meta": params.get("_meta"), **_elicit_fields(params)}  # fmt: skip
        if asker is None:
            return {"action": "decline"}
        try:
            if mode == "form" and not form_schema_ok(params.get("requestedSchema")):
                # codex cannot show a form outside its schema: it flags the wait, then cancels unasked
                asker.forbid_if_unattended("mcpServer/elicitation/request")
                if self.turn_id is not None:
                    asker.host.set_status({"type": "active", "activeFlags": ["waitingOnApproval"]})
                    asker.resume_status()
                return {"action": "cancel"}
            answer = await asker.ask("mcpServer/elicitation/request", wire)
        except Exception as exc:  # a blocked run or a failed request: the server hears cancel
            if self.blocked is not None and not self.blocked.done():
                self.blocked.set_result(exc)
            return {"action": "cancel"}
        return answer if isinstance(answer, dict) else {"action": "decline"}


def _elicit_fields(params: dict[str, Any]) -> dict[str, Any]:
    if params.get("mode") == "url":
        return {k: params.get(k) for k in ("elicitationId", "message", "url")}
    return {"message": params.get("message", ""), "requestedSchema": params.get("requestedSchema")}
