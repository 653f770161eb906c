"""MCP methods while no `[mcp_servers]` client is running (MCP servers are not implemented yet): every
name is unknown, and the answers are codex 0.163's for a config without MCP servers."""

from __future__ import annotations

from typing import Any

from server.errors import InternalError, InvalidRequest
from server.protocol.params_more import McpResourceReadParams, McpToolCallParams, NameParams
from server.state import Ctx


async def oauth_login(ctx: Ctx, params: NameParams) -> dict[str, Any]:
    raise InvalidRequest(f"No MCP server named '{params.name}' found.")


async def reload(ctx: Ctx, params: None) -> dict[str, Any]:
    return {}


async def status_list(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"data": [], "nextCursor": None}


async def resource_read(ctx: Ctx, params: McpResourceReadParams) -> dict[str, Any]:
    raise InternalError(f"unknown MCP server '{params.server}'")


async def tool_call(ctx: Ctx, params: McpToolCallParams) -> dict[str, Any]:
    raise InternalError(f"unknown MCP server '{params.server}'")
