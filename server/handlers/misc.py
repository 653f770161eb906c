"""Small, local answers of codex 0.163 for an API-key user: feature flags, permission profiles, provider
capabilities, config requirements, hooks, collaboration modes, Windows sandbox and external-agent import."""

from __future__ import annotations

import functools
import os
import time
import uuid
from importlib import resources
from typing import Any

from server.protocol.params import CursorParams
from server.protocol.params_more import (
    EnablementParams,
    HooksListParams,
    ImportHistoryParams,
    ImportParams,
    WindowsSandboxSetupParams,
)
from server.state import Ctx

from .extras import extras


@functools.cache
def features() -> tuple[tuple[str, str, bool], ...]:
    text = resources.files("server").joinpath("data/features.txt").read_text(encoding="utf-8")
    rows = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    return tuple((name, stage, default == "on") for name, stage, default in rows)


def _page(data: list[Any], params: CursorParams | None) -> dict[str, Any]:
    start = int(params.cursor) if params and params.cursor and params.cursor.isdigit() else 0
    limit = (params.limit if params and params.limit else None) or len(data) or 1
    end = start + limit
    return {"data": data[start:end], "nextCursor": str(end) if end < len(data) else None}


async def feature_list(ctx: Ctx, params: CursorParams | None) -> dict[str, Any]:
    chosen = extras(ctx.state).enablement
    data = [{"name": name, "stage": stage, "displayName": None, "description": None, "announcement": None,
             "enabled": chosen.get(name, default), "defaultEnabled": default}
            for name, stage, default in features()]  # fmt: skip
    return _page(data, params)


# The features a client may switch at run time (codex ignores the others and answers without them).
_SETTABLE = frozenset({"apps", "plugins", "tool_search", "tool_suggest", "tool_call_mcp_elicitation", "memories"})


async def feature_enablement_set(ctx: Ctx, params: EnablementParams) -> dict[str, Any]:
    kept = {name: on for name, on in params.enablement.items() if name in _SETTABLE}
    extras(ctx.state).enablement.update(kept)
    return {"enablement": kept}


async def permission_profiles(ctx: Ctx, params: Any) -> dict[str, Any]:
    data = [{"id": pid, "description": None, "allowed": True} for pid in (":read-only", ":workspace",
                                                                          ":danger-full-access")]  # fmt: skip
    return {"data": data, "nextCursor": None}


async def provider_capabilities(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"imageGeneration": True, "webSearch": True}


async def config_requirements(ctx: Ctx, params: None) -> dict[str, Any]:
    # No managed (MDM / requirements.toml) layer on this machine: nothing is required.
    return {"supportsIndependentSpeedModes": True, "requirements": None}


async def hooks_list(ctx: Ctx, params: HooksListParams | None) -> dict[str, Any]:
    cwds = (params.cwds if params else None) or [os.getcwd()]
    return {"data": [{"cwd": cwd, "hooks": [], "warnings": [], "errors": []} for cwd in cwds]}


async def collaboration_modes(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"data": [{"name": "Plan", "mode": "plan", "model": None, "reasoning_effort": "medium"},
                     {"name": "Default", "mode": "default", "model": None, "reasoning_effort": None}]}  # fmt: skip


async def windows_setup(ctx: Ctx, params: WindowsSandboxSetupParams) -> dict[str, Any]:
    mode = params.mode
    message = f"{mode} Windows sandbox setup is only supported on Windows"
    ctx.after(lambda: ctx.conn.notify("windowsSandbox/setupCompleted",
                                      {"mode": mode, "success": False, "error": message}))  # fmt: skip
    return {"started": True}


async def windows_readiness(ctx: Ctx, params: None) -> dict[str, Any]:
    return {"status": "notConfigured"}


async def external_detect(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"items": [], "connectors": []}


async def external_import(ctx: Ctx, params: ImportParams) -> dict[str, Any]:
    return {"importId": str(uuid.uuid4())}


async def external_record(ctx: Ctx, params: ImportHistoryParams) -> dict[str, Any]:
    import_id = str(uuid.uuid4())
    extras(ctx.state).import_histories.insert(0, {
        "importId": import_id, "providerId": params.provider_id, "completedAtMs": int(time.time() * 1000),
        "successes": [], "failures": [],
    })  # fmt: skip
    return {"importId": import_id}


async def external_histories(ctx: Ctx, params: None) -> dict[str, Any]:
    return {"data": list(extras(ctx.state).import_histories), "connectors": []}
