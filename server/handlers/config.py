"""config/read, config/value/write, config/batchWrite, model/list."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from server.config import ConfigError, write_value
from server.errors import InvalidRequest
from server.protocol import params as p
from server.state import Ctx


def _version(path: Path) -> str:
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "sha256:" + hashlib.sha256(b"").hexdigest()


async def read(ctx: Ctx, params: p.ConfigReadParams) -> dict[str, Any]:
    config = ctx.state.config()
    origin = {"name": {"type": "user", "file": str(config.path)}, "version": _version(config.path)}
    origins = dict.fromkeys(_keys(config.raw), origin)
    result: dict[str, Any] = {"config": config.raw, "origins": origins}
    if params.include_layers:
        result["layers"] = [{"name": origin["name"], "version": origin["version"], "config": config.raw}]
    return result


def _keys(raw: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        out.extend(_keys(value, dotted + ".") if isinstance(value, dict) else [dotted])
    return out


def _target(ctx: Ctx, file_path: str | None, expected: str | None) -> Path:
    path = Path(file_path) if file_path else ctx.state.home / "config.toml"
    if expected is not None and expected != _version(path):
        raise InvalidRequest(
            "config version conflict: the file changed since it was read", {"reason": "versionConflict"}
        )
    return path


async def value_write(ctx: Ctx, params: p.ConfigValueWriteParams) -> dict[str, Any]:
    path = _target(ctx, params.file_path, params.expected_version)
    try:
        write_value(path, params.key_path, params.value, params.merge_strategy)
    except ConfigError as exc:
        raise InvalidRequest(f"config write failed: {exc}") from None
    return {"status": "ok", "version": _version(path), "filePath": str(path), "overriddenMetadata": None}


async def batch_write(ctx: Ctx, params: p.ConfigBatchWriteParams) -> dict[str, Any]:
    path = _target(ctx, params.file_path, params.expected_version)
    original = path.read_bytes() if path.exists() else None
    try:
        for edit in params.edits:
            write_value(path, edit.key_path, edit.value, edit.merge_strategy)
    except ConfigError as exc:
        _restore(path, original)  # all or nothing
        raise InvalidRequest(f"config write failed: {exc}") from None
    return {"status": "ok", "version": _version(path), "filePath": str(path), "overriddenMetadata": None}


def _restore(path: Path, original: bytes | None) -> None:
    from reelkit_common.fsutil import atomic_write

    if original is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, original.decode("utf-8"))


async def model_list(ctx: Ctx, params: p.ModelListParams) -> dict[str, Any]:
    config = ctx.state.config()
    default = config.default_model()
    models = [m for m in config.catalog if params.include_hidden or not m.hidden]
    data = [
        {
            "id": m.slug,
            "model": m.slug,
            "displayName": m.display_name,
            "description": m.description,
            "hidden": m.hidden,
            "isDefault": m.slug == default,
            "defaultReasoningEffort": m.default_reasoning_level or "medium",
            "supportedReasoningEfforts": [
                {"reasoningEffort": lvl.get("effort"), "description": lvl.get("description", "")}
                for lvl in m.supported_reasoning_levels
            ],
            "inputModalities": ["text", "image"],
            "supportsPersonality": False,
            "additionalSpeedTiers": [],
            "serviceTiers": [],
            "defaultServiceTier": None,
            "upgrade": None,
            "upgradeInfo": None,
        }
        for m in models
    ]
    start = int(params.cursor) if params.cursor and params.cursor.isdigit() else 0
    limit = params.limit or len(data) or 1
    page = data[start : start + limit]
    return {"data": page, "nextCursor": str(start + limit) if start + limit < len(data) else None}
