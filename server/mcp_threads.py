"""A thread's MCP servers on the app-server side: read from config.toml when the thread is created,
started after `thread/started` (each reports `mcpServer/startupStatus/updated`), asked through the
thread's host (the wire, or exec/run's fail-fast host), closed with the thread.

A thread whose config names no MCP server gets no manager, and the SDK is never imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .agent.approvals import Asker
from .agent.host import AgentHost
from .agent.mcp.config import McpServerConfig, parse_servers
from .config import Config, ConfigError
from .errors import InternalError, InvalidRequest

if TYPE_CHECKING:
    from .threads import ThreadRuntime


def servers(config: Config) -> list[McpServerConfig]:
    try:
        return parse_servers(config.raw.get("mcp_servers"), config.path)
    except ConfigError as exc:
        raise InvalidRequest(f"failed to load configuration: {exc}") from None


def attach(thread: ThreadRuntime, config: Config, host: AgentHost) -> None:
    """Give the thread its manager (not started yet), if config.toml names MCP servers."""
    configured = servers(config)
    if not configured:
        return
    from .agent.mcp.manager import McpManager

    thread.mcp = McpManager(thread.id, configured, thread.settings.cwd, thread.notify)
    thread.mcp.asker = _IdleAsker(host)


class _IdleAsker(Asker):
    """Elicitations outside a turn (a direct `mcpServer/tool/call`): asked, with the thread's status left as
    it is — `active`/`waitingOn...` belong to a running turn."""

    async def ask(
        self, method: str, params: dict[str, Any], flag: str = "waitingOnApproval", restore: bool = True
    ) -> Any:
        self.forbid_if_unattended(method)
        return await self.host.request(method, params)

    def resume_status(self) -> None:
        pass


def has_required(thread: ThreadRuntime) -> bool:
    return thread.mcp is not None and any(s.required and s.enabled for s in thread.mcp.servers)


async def start(thread: ThreadRuntime) -> None:
    """Start the servers; a `required` one that fails fails the thread's creation, as in codex."""
    manager = thread.mcp
    if manager is None:
        return
    manager.start()
    if not has_required(thread):
        return
    await manager.ready()
    failures = manager.required_failures()
    if failures:
        await manager.close()
        thread.mcp = None
        raise InternalError(
            "error creating thread: Fatal error: Failed to initialize session: required MCP servers failed to "
            f"initialize: {'; '.join(failures)}"
        )


def status_entries(thread: ThreadRuntime | None, configured: list[McpServerConfig]) -> list[dict[str, Any]]:
    """`mcpServerStatus/list` entries, sorted by name; runtime status only when a thread is named."""
    conns = thread.mcp.conns if thread is not None and thread.mcp is not None else {}
    return [_entry(cfg, conns.get(cfg.name), thread is not None) for cfg in sorted(configured, key=lambda c: c.name)]


def _entry(cfg: McpServerConfig, conn: Any, with_runtime: bool) -> dict[str, Any]:
    runtime = None
    if with_runtime:
        runtime = "disabled" if not cfg.enabled else (conn.runtime_status if conn is not None else "failed")
    catalog = conn.catalog if conn is not None and conn.status == "ready" else None
    tools = (
        {t.name: t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in catalog.tools} if catalog else {}
    )
    origin = None
    if cfg.url:
        from urllib.parse import urlsplit

        parts = urlsplit(cfg.url)
        origin = f"{parts.scheme}://{parts.netloc}"
    error = conn.tools_error if conn is not None else None
    return {
        "name": cfg.name, "runtimeStatus": runtime, "pluginId": None, "httpOrigin": origin,
        "serverInfo": _server_info(catalog.server_info) if catalog else None,
        "serverCapabilities": catalog.capabilities if catalog else None, "tools": tools,
        "toolsError": error,
        "resources": catalog.resources if catalog else [], "resourceTemplates": catalog.templates if catalog else [],
        "authStatus": "bearerToken" if "Authorization" in cfg.headers else "unsupported",
    }  # fmt: skip


def _server_info(info: dict[str, Any] | None) -> dict[str, Any] | None:
    if info is None:
        return None
    keys = ("name", "title", "version", "description", "icons", "websiteUrl")
    return {k: info.get(k) for k in keys}
