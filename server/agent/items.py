"""ThreadItem payloads as the real server emits them (field order and explicit nulls included)."""

from __future__ import annotations

import shlex
from typing import Any

from .commandparse import command_actions

Item = dict[str, Any]


def user_message(item_id: str, content: list[dict[str, Any]]) -> Item:
    echoed = [{**c, "text_elements": c.get("text_elements", [])} if c.get("type") == "text" else c for c in content]
    return {"type": "userMessage", "id": item_id, "clientId": None, "content": echoed}


def message_text(item: Item) -> str:
    """A user message's text parts, joined (a thread's preview)."""
    return "".join(c.get("text", "") for c in item.get("content", []) if c.get("type") == "text")


def agent_message(item_id: str, text: str) -> Item:
    return {"type": "agentMessage", "id": item_id, "text": text, "phase": None, "memoryCitation": None,
            "delivery": None, "questions": None}  # fmt: skip


def reasoning(item_id: str, summary: list[str], content: list[str]) -> Item:
    return {"type": "reasoning", "id": item_id, "summary": summary, "content": content}


def shell_display(argv: list[str]) -> str:
    """One shell-quoted string, e.g. `/bin/bash -lc 'touch x && echo y'`."""
    return shlex.join(argv)


def command_execution(
    item_id: str,
    argv: list[str],
    cwd: str,
    command: str,
    *,
    status: str = "inProgress",
    source: str = "agent",
    process_id: str | None = None,
    output: str | None = None,
    exit_code: int | None = None,
    duration_ms: int | None = None,
) -> Item:
    return {
        "type": "commandExecution", "id": item_id, "pluginId": None, "scriptPath": None,
        "command": shell_display(argv), "cwd": cwd, "processId": process_id, "source": source, "status": status,
        "commandActions": command_actions(command, cwd), "aggregatedOutput": output, "exitCode": exit_code,
        "durationMs": duration_ms,
    }  # fmt: skip


def file_change(item_id: str, changes: list[dict[str, Any]], status: str = "inProgress") -> Item:
    return {"type": "fileChange", "id": item_id, "changes": changes, "status": status}


def change_entry(path: str, kind: str, diff: str, move_path: str | None = None) -> dict[str, Any]:
    kind_obj: dict[str, Any] = {"type": kind}
    if kind == "update":
        kind_obj["move_path"] = move_path
    return {"path": path, "kind": kind_obj, "diff": diff}


def image_view(item_id: str, path: str) -> Item:
    return {"type": "imageView", "id": item_id, "path": path}


def mcp_tool_call(item_id: str, server: str, tool: str, arguments: Any, read_only: bool | None, *,
                  status: str = "inProgress", result: dict[str, Any] | None = None, error: str | None = None,
                  duration_ms: int | None = None) -> Item:  # fmt: skip
    return {
        "type": "mcpToolCall", "id": item_id, "server": server, "tool": tool, "status": status,
        "arguments": arguments, "appContext": None, "mcpAppUi": None, "pluginId": None, "readOnlyHint": read_only,
        "result": result, "error": {"message": error} if error is not None else None, "durationMs": duration_ms,
    }  # fmt: skip
