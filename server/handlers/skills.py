"""skills/*: skills read from their directories (`SKILL.md` with a front matter `name` and `description`):
the repo's `.codex/skills` and `.agents/skills`, `$CODEX_HOME/skills` (its `.system` folder is the system
scope) and the extra roots a client sets. Disabled skills are remembered per path and per name."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from server.errors import InvalidParams
from server.protocol.params_more import CwdsParams, SkillsConfigWriteParams, SkillsExtraRootsParams
from server.state import Ctx

from .extras import extras


def _front_matter(text: str) -> dict[str, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    out: dict[str, str] = {}
    for line in lines[1:]:
        if line.strip() == "---":
            return out
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip().strip("\"'")
    return {}


def _up_to_repo_root(cwd: Path) -> list[Path]:
    """cwd and its parents up to the nearest one holding `.git` (only cwd when there is none)."""
    for depth, path in enumerate((cwd, *cwd.parents)):
        if (path / ".git").exists():
            return [cwd, *cwd.parents][: depth + 1]
    return [cwd]


def _roots(ctx: Ctx, cwd: Path) -> list[tuple[Path, str]]:
    roots = [(d / sub / "skills", "repo") for d in _up_to_repo_root(cwd) for sub in (".codex", ".agents")]
    roots.append((ctx.state.home / "skills", "user"))
    roots += [(Path(r), "user") for r in extras(ctx.state).skill_roots]
    return roots


def _scan(root: Path, scope: str, disabled: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    skills, errors = [], []
    for path in sorted(root.rglob("SKILL.md")) if root.is_dir() else []:
        kind = "system" if ".system" in path.relative_to(root).parts else scope
        meta = _front_matter(path.read_text(encoding="utf-8", errors="replace"))
        if not meta.get("name") or "description" not in meta:
            errors.append({"path": str(path), "message": "missing YAML frontmatter `name` or `description`"})
            continue
        on = str(path) not in disabled and meta["name"] not in disabled
        skills.append({"name": meta["name"], "description": meta["description"], "interface": None,
                       "path": str(path), "scope": kind, "enabled": on, "pluginId": None})  # fmt: skip
    return skills, errors


async def list_skills(ctx: Ctx, params: CwdsParams | None) -> dict[str, Any]:
    disabled = {k for k, on in extras(ctx.state).enablement.items() if k.startswith("skill:") and not on}
    disabled = {k.removeprefix("skill:") for k in disabled}
    cwds = (params.cwds if params else None) or [os.getcwd()]
    roots = {cwd: _roots(ctx, Path(cwd)) for cwd in cwds}
    return {"data": await asyncio.to_thread(lambda: [_entry(cwd, roots[cwd], disabled) for cwd in cwds])}


def _entry(cwd: str, roots: list[tuple[Path, str]], disabled: set[str]) -> dict[str, Any]:
    skills, errors = [], []
    for root, scope in roots:
        found, bad = _scan(root, scope, disabled)
        skills += found
        errors += bad
    return {"cwd": cwd, "skills": skills, "errors": errors}


async def set_extra_roots(ctx: Ctx, params: SkillsExtraRootsParams) -> dict[str, Any]:
    extras(ctx.state).skill_roots = list(params.extra_roots)
    return {}


async def config_write(ctx: Ctx, params: SkillsConfigWriteParams) -> dict[str, Any]:
    if (params.path is None) == (params.name is None):
        raise InvalidParams("skills/config/write requires exactly one of path or name")
    key = params.path if params.path is not None else params.name
    extras(ctx.state).enablement[f"skill:{key}"] = params.enabled
    return {"effectiveEnabled": params.enabled}
