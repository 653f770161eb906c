"""Responses request bodies and headers shaped like codex 0.163's (a pure function of its inputs)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from server.config import ModelInfo
from server.sandbox import SandboxMode, SandboxPolicy


def default_instructions() -> str:
    return resources.files("server").joinpath("data/base_instructions.md").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class RequestInputs:
    thread_id: str
    turn_id: str
    model: str
    model_info: ModelInfo | None
    history: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    base_instructions: str | None
    effort: str | None
    summary: str | None
    output_schema: dict[str, Any] | None
    originator: str
    user_agent: str


def message(role: str, text: str) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]}


def initial_context(cwd: Path, sandbox: SandboxPolicy, approval: str, developer: str | None) -> list[dict[str, Any]]:
    """The developer permissions message and the user's environment context, added once per thread."""
    perms = _permissions(sandbox, approval, cwd)
    dev = message("developer", f"{developer}\n\n{perms}" if developer else perms)
    shell = Path(os.environ.get("SHELL", "/bin/bash")).name
    env = (
        f"<environment_context>\n  <cwd>{cwd}</cwd>\n  <shell>{shell}</shell>\n"
        f"  <current_date>{time.strftime('%Y-%m-%d')}</current_date>\n  <timezone>{time.strftime('%Z')}</timezone>\n"
        "</environment_context>"
    )
    return [dev, message("user", env)]


def _permissions(sandbox: SandboxPolicy, approval: str, cwd: Path) -> str:
    mode = sandbox.mode
    if mode is SandboxMode.DANGER_FULL_ACCESS:
        access = "Commands run without a sandbox: full filesystem and network access."
    elif mode is SandboxMode.WORKSPACE_WRITE:
        access = f"Commands may write inside {cwd} (and temporary directories); network access is off."
    else:
        access = "Commands may read the filesystem but not write it; network access is off."
    return f"<permissions instructions>\n{access}\nApproval policy: {approval}.\n</permissions instructions>"


def build_body(inp: RequestInputs) -> dict[str, Any]:
    instructions = inp.base_instructions or (inp.model_info.base_instructions if inp.model_info else None)
    body: dict[str, Any] = {
        "model": inp.model,
        "stream": True,
        "input": [message("developer", instructions or default_instructions()), *inp.history],
        "tools": inp.tools,
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "reasoning": _reasoning(inp),
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": inp.thread_id,
        "client_metadata": {
            "root_turn_id": inp.turn_id,
            "session_id": inp.thread_id,
            "thread_id": inp.thread_id,
            "turn_id": inp.turn_id,
        },
    }
    text = _text(inp)
    if text:
        body["text"] = text
    return body


def _reasoning(inp: RequestInputs) -> dict[str, Any]:
    effort = inp.effort or (inp.model_info.default_reasoning_level if inp.model_info else None)
    reasoning: dict[str, Any] = {"effort": effort} if effort else {}
    summary = inp.summary or (inp.model_info.reasoning_summary if inp.model_info else None)
    if effort and summary and summary != "none":
        reasoning["summary"] = summary
    return reasoning


def _text(inp: RequestInputs) -> dict[str, Any]:
    text: dict[str, Any] = {}
    info = inp.model_info
    if info and info.support_verbosity and info.default_verbosity:
        text["verbosity"] = info.default_verbosity
    if inp.output_schema is not None:
        text["format"] = {
            "type": "json_schema",
            "strict": True,
            "schema": inp.output_schema,
            "name": "codex_output_schema",
        }
    return text


def build_headers(inp: RequestInputs) -> dict[str, str]:
    metadata = {"session_id": inp.thread_id, "thread_id": inp.thread_id, "turn_id": inp.turn_id,
                "request_kind": "turn", "model": inp.model}  # fmt: skip
    return {
        "originator": inp.originator,
        "user-agent": inp.user_agent,
        "session-id": inp.thread_id,
        "thread-id": inp.thread_id,
        "x-client-request-id": inp.thread_id,
        "x-codex-window-id": f"{inp.thread_id}:0",
        "x-codex-turn-metadata": json.dumps(metadata, separators=(",", ":")),
    }
