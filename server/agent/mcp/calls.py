"""The model's calls to MCP tools: codex's `mcpToolCall` item, its approval (asked as an elicitation), the
call through the server's connection, and the output text the model reads (`Wall time: ...\nOutput:`)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from server.agent import items
from server.agent.errors import BlockingRequestError

from .client import McpCallError
from .manager import McpManager, Route
from .ports import CallPort as Call
from .ports import Output

REJECTED, CANCELLED = "user rejected MCP tool call", "user cancelled MCP tool call"
NEVER = "MCP tool call requires approval, but approval policy is never"


async def call_tool(call: Call, manager: McpManager, route: Route) -> Output:
    server, tool = route.conn.cfg.name, route.tool
    arguments = _arguments(call.raw.get("arguments"))
    started = time.monotonic()
    call.state.started(items.mcp_tool_call(call.call_id, server, tool, arguments, route.read_only))
    error = await _approval(call, route, arguments)
    result: dict[str, Any] | None = None
    if error is None and not isinstance(arguments, dict):
        error = _failed(server, tool, f"MCP tool arguments must be a JSON object, got {json.dumps(arguments)}")
    if error is None:
        try:
            result = await _run(call, manager, route, arguments)
        except McpCallError as exc:
            error = _failed(server, tool, str(exc))
    took = time.monotonic() - started
    status = "failed" if error is not None or (result or {}).get("isError") else "completed"
    wire_result = _wire_result(result) if result is not None else None
    call.state.finished(items.mcp_tool_call(call.call_id, server, tool, arguments, route.read_only, status=status,
                                            result=wire_result, error=error, duration_ms=int(took * 1000)))  # fmt: skip
    return _for_model(took, result, error)


def _arguments(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw if raw is not None else {}
    try:
        return json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        return raw  # echoed in the item, then refused as not an object


def _failed(server: str, tool: str, cause: str) -> str:
    return f"tool call error: tool call failed for `{server}/{tool}`\n\nCaused by:\n    {cause}"


async def _run(call: Call, manager: McpManager, route: Route, arguments: dict[str, Any]) -> dict[str, Any]:
    """The call, with this turn answering the server's elicitations; a blocked run fails at once."""
    loop = asyncio.get_running_loop()
    blocked: asyncio.Future[BaseException] = loop.create_future()
    default = manager.asker
    manager.asker, manager.turn_id, manager.blocked = call.asker, call.state.turn_id, blocked
    meta = {"callId": call.call_id, "threadId": call.conv.id, "sessionId": call.conv.id,
            "itemId": call.raw.get("id"), "x-codex-turn-metadata": _turn_meta(call)}  # fmt: skip
    task = loop.create_task(route.conn.call_tool(route.tool, arguments, meta))
    waits: set[asyncio.Future[Any]] = {task, blocked}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if blocked.done() and isinstance(blocked.result(), BlockingRequestError):
            raise blocked.result()
        return await task
    finally:
        if not task.done():
            task.cancel()
        manager.asker, manager.turn_id, manager.blocked = default, None, None


def _turn_meta(call: Call) -> dict[str, Any]:
    s = call.conv.settings
    return {"session_id": call.conv.id, "thread_id": call.conv.id, "turn_id": call.state.turn_id, "model": s.model,
            "reasoning_effort": s.effort, "sandbox_mode": s.sandbox.mode.value, "codex_version": "0.163.0"}  # fmt: skip


# --- approval ------------------------------------------------------------------------------------


def _needs_approval(call: Call, route: Route) -> tuple[bool, bool]:
    """(ask?, may the answer persist for the session?)"""
    mode = route.conn.cfg.approval_mode(route.tool)
    if mode == "approve":
        return False, False
    if mode == "prompt":
        return True, False
    return route.read_only is not True, True


async def _approval(call: Call, route: Route, arguments: Any) -> str | None:
    """None to run the tool, else the error the call ends with."""
    ask, persist = _needs_approval(call, route)
    key = f"mcp:{route.conn.cfg.name}/{route.tool}"
    if not ask or key in call.conv.session_approvals:
        return None
    if call.policy == "never":
        call.asker.forbid_if_unattended("mcpServer/elicitation/request")  # exec/run: blocked, as escalations are
        return NEVER
    params = _approval_params(call, route, arguments, persist)
    answer = await call.asker.ask("mcpServer/elicitation/request", params)
    action = answer.get("action") if isinstance(answer, dict) else None
    if action == "accept":
        if persist and ((answer.get("_meta") or {}).get("persist") in ("session", "always")):
            call.conv.session_approvals.add(key)
        return None
    return CANCELLED if action == "cancel" else REJECTED


def _approval_params(call: Call, route: Route, arguments: Any, persist: bool) -> dict[str, Any]:
    server, tool = route.conn.cfg.name, route.tool
    params = arguments if isinstance(arguments, dict) else {}
    meta: dict[str, Any] = {"codex_approval_kind": "mcp_tool_call"}
    if persist:
        meta["persist"] = ["session", "always"]
    display = [{"name": k, "value": v, "display_name": k} for k, v in params.items()]
    meta |= {"tool_description": route.description, "tool_params": params, "tool_params_display": display}
    return {**call.state.ids(), "serverName": server, "mode": "form", "_meta": meta,
            "message": f'Allow the {server} MCP server to run tool "{tool}"?',
            "requestedSchema": {"type": "object", "properties": {}}}  # fmt: skip


# --- what the client and the model see -----------------------------------------------------------------


def _wire_result(result: dict[str, Any]) -> dict[str, Any]:
    return {"content": result.get("content", []), "structuredContent": result.get("structuredContent"),
            "_meta": result.get("_meta")}  # fmt: skip


def _for_model(took: float, result: dict[str, Any] | None, error: str | None) -> Output:
    head = f"Wall time: {took:.4f} seconds\nOutput:"
    if error is not None or result is None:
        return [{"type": "input_text", "text": head}, {"type": "input_text", "text": str(error)}]
    if result.get("structuredContent") is not None:
        return f"{head}\n{json.dumps(result['structuredContent'], separators=(',', ':'))}"
    return [{"type": "input_text", "text": head}, *(_content(block) for block in result.get("content", []))]


def _content(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("type") == "text":
        return {"type": "input_text", "text": block.get("text", "")}
    if block.get("type") == "image":
        url = f"data:{block.get('mimeType', 'image/png')};base64,{block.get('data', '')}"
        return {"type": "input_image", "image_url": url, "detail": "high"}
    return {"type": "input_text", "text": json.dumps(block, separators=(",", ":"))}


# --- resources -------------------------------------------------------------------------------------


async def resource_tool(call: Call, manager: McpManager) -> Output:
    """list_mcp_resources / list_mcp_resource_templates / read_mcp_resource: the servers' answers as JSON."""
    args = call.args()
    server = args.get("server")
    conns = [manager.connection(str(server))] if server else manager.ready_conns()
    if not conns or conns[0] is None:
        return f"resources/list failed: unknown MCP server '{server}'"
    try:
        if call.name == "read_mcp_resource":
            uri = str(args.get("uri") or "")
            result = await conns[0].request("resources/read", lambda s: s.read_resource(uri))
            return json.dumps({"server": server, "uri": uri, **result}, separators=(",", ":"))
        return json.dumps(await _listing(call.name, conns, args.get("cursor")), separators=(",", ":"))
    except McpCallError as exc:
        return f"{call.name} failed: {exc}"


async def _listing(name: str, conns: list[Any], cursor: Any) -> dict[str, Any]:
    from mcp import types

    key = "resources" if name == "list_mcp_resources" else "resourceTemplates"
    params = types.PaginatedRequestParams(cursor=str(cursor)) if cursor else None
    entries: list[dict[str, Any]] = []
    next_cursor = None
    for conn in conns:
        if key == "resources":
            page = await conn.request("resources/list", lambda s: s.list_resources(params=params))
        else:
            page = await conn.request("resources/templates/list", lambda s: s.list_resource_templates(params=params))
        entries += [{"server": conn.cfg.name, **entry} for entry in page.get(key, [])]
        next_cursor = page.get("nextCursor") if len(conns) == 1 else None
    return {key: entries, "nextCursor": next_cursor}
