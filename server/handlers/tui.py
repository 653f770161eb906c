"""What codex's terminal UI asks that nothing else here answers, answered as codex 0.163 answers an API-key
user with no plugins, hooks or managed requirements (shapes taken from the real server, side by side).

The TUI quits when account/read, model/list or configRequirements/read fails and shows an error line
when skills/list fails, so these answer plainly rather than "not implemented". Two of them
(account/bedrock/checkGovCloudRequirements, collaborationMode/list) are outside the published schema.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import Field

from server.errors import InvalidRequest
from server.protocol.base import WireModel
from server.state import Ctx

# Plan mode asks for medium effort; default mode keeps the thread's own (codex's built-in presets).
COLLABORATION_MODES = [
    {"mode": "plan", "model": None, "name": "Plan", "reasoning_effort": "medium"},
    {"mode": "default", "model": None, "name": "Default", "reasoning_effort": None},
]


class CwdsParams(WireModel):
    cwds: list[str] | None = None


class SkillsListParams(CwdsParams):
    force_reload: bool | None = None


class PluginListParams(CwdsParams):
    marketplace_kinds: list[str] | None = None
    force_refetch: bool | None = None


class AccountReadParams(WireModel):
    refresh_token: bool | None = None


class TurnsListParams(WireModel):
    thread_id: str
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=0)
    sort_direction: str | None = None
    items_view: str | None = None


async def account_read(ctx: Ctx, params: AccountReadParams) -> dict[str, Any]:
    # An API key (env_key of the provider) needs no login: no account, and OpenAI auth is not required.
    return {"account": None, "requiresOpenaiAuth": False, "workspaceRouting": None}


async def hooks_list(ctx: Ctx, params: CwdsParams) -> dict[str, Any]:
    return {"data": [{"cwd": cwd, "errors": [], "hooks": [], "warnings": []} for cwd in _cwds(params)]}


async def govcloud(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"isGovCloud": False, "shouldWarn": False}


async def collaboration_modes(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"data": COLLABORATION_MODES}


async def config_requirements(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"requirements": None, "supportsIndependentSpeedModes": True}


async def skills_list(ctx: Ctx, params: SkillsListParams) -> dict[str, Any]:
    return {"data": [{"cwd": cwd, "errors": [], "skills": []} for cwd in _cwds(params)]}


async def plugin_list(ctx: Ctx, params: PluginListParams) -> dict[str, Any]:
    return {"featuredPluginIds": [], "marketplaceLoadErrors": [], "marketplaces": []}


async def turns_list(ctx: Ctx, params: TurnsListParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    if not thread.persisted and not thread.turns:
        raise InvalidRequest(
            f"thread {thread.id} is not materialized yet; thread/turns/list is unavailable before first user message"
        )
    turns = list(thread.turns)
    if (params.sort_direction or "desc") == "desc":
        turns.reverse()
    start = _offset(params.cursor)
    limit = params.limit or len(turns) or 1
    page = turns[start : start + limit]
    view = params.items_view or "summary"
    return {
        "data": [t.wire(view) for t in page],
        "nextCursor": _cursor(start + limit) if start + limit < len(turns) else None,
        "backwardsCursor": _cursor(start) if page else None,
    }


def _cwds(params: CwdsParams | None) -> list[str]:
    import os

    return (params.cwds if params and params.cwds else None) or [os.getcwd()]


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": position}).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        raise InvalidRequest(f"invalid cursor: {cursor}") from None
