"""MCP methods: the status list, direct tool calls and resource reads on a thread's servers, reload, and
OAuth login (refused: no server here logs in with OAuth). Texts and codes are codex 0.163's."""

from __future__ import annotations

from typing import Any

from server import mcp_threads
from server.agent.mcp.client import McpCallError, McpConnection
from server.errors import InternalError, InvalidRequest, RpcError
from server.protocol.params_more import McpResourceReadParams, McpStatusListParams, McpToolCallParams, NameParams
from server.state import Ctx


async def oauth_login(ctx: Ctx, params: NameParams) -> dict[str, Any]:
    raise InvalidRequest(f"No MCP server named '{params.name}' found.")


async def reload(ctx: Ctx, params: None) -> dict[str, Any]:
    """Every loaded thread restarts its servers from the config as it is now."""
    configured = mcp_threads.servers(ctx.state.config())
    for thread in list(ctx.state.threads.values()):
        if thread.mcp is not None:
            await thread.mcp.reload(configured)
    return {}


async def status_list(ctx: Ctx, params: McpStatusListParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id) if params.thread_id else None
    entries = mcp_threads.status_entries(thread, mcp_threads.servers(ctx.state.config()))
    if params.server_name:
        entries = [e for e in entries if e["name"] == params.server_name]
    start = int(params.cursor) if params.cursor and params.cursor.isdigit() else 0
    end = start + params.limit if params.limit else len(entries)
    return {"data": entries[start:end], "nextCursor": str(end) if end < len(entries) else None}


def _connection(ctx: Ctx, server: str, thread_id: str | None) -> McpConnection:
    threads = [ctx.state.thread(thread_id)] if thread_id else list(ctx.state.threads.values())
    for thread in threads:
        conn = thread.mcp.connection(server) if thread.mcp is not None else None
        if conn is not None:
            return conn
    for thread in threads:
        failed = thread.mcp.failed(server) if thread.mcp is not None else None
        if failed is not None:
            raise InternalError(f"failed to get client: {failed.tools_error}")
    raise InternalError(f"unknown MCP server '{server}'")


async def resource_read(ctx: Ctx, params: McpResourceReadParams) -> dict[str, Any]:
    conn = _connection(ctx, params.server, params.thread_id)
    try:
        result = await conn.request("resources/read", lambda s: s.read_resource(params.uri))
    except McpCallError as exc:
        raise InternalError(str(exc)) from None
    return {"contents": result.get("contents", []), "originCallId": None}


async def tool_call(ctx: Ctx, params: McpToolCallParams) -> dict[str, Any]:
    """A direct call: no approval, no thread item, the raw MCP result; an MCP error passes through."""
    conn = _connection(ctx, params.server, params.thread_id)
    session = conn.session
    if session is None:
        raise InternalError(f"unknown MCP server '{params.server}'")
    from mcp.shared.exceptions import MCPError

    try:
        result = await session.call_tool(params.tool, params.arguments if isinstance(params.arguments, dict) else None)
    except MCPError as exc:
        raise _PassedThrough(exc.error.code, exc.error.message) from None
    except Exception as exc:
        raise InternalError(f"tool call failed: {exc}") from None
    raw = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    return {k: raw[k] for k in ("content", "structuredContent", "isError", "_meta") if k in raw}


class _PassedThrough(RpcError):
    """The MCP server's own JSON-RPC error, code and message as it sent them."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.passed_code = code

    def wire(self) -> dict[str, Any]:
        return {"code": self.passed_code, "message": self.message}
