"""Point the real codex CLI at a mock: write `CODEX_HOME/config.toml` and a minimal model catalog."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MODEL = "mock-mini"

# The smallest catalog entry codex 0.163 accepts; short base instructions keep requests small and stable.
CATALOG_ENTRY: dict[str, object] = {
    "slug": MODEL,
    "display_name": MODEL,
    "shell_type": "shell_command",
    "apply_patch_tool_type": "freeform",
    "visibility": "list",
    "supported_in_api": True,
    "priority": 13,
    "context_window": 272000,
    "default_reasoning_level": "medium",
    "supported_reasoning_levels": [{"effort": "medium", "description": "medium"}],
    "support_verbosity": True,
    "truncation_policy": {"mode": "tokens", "limit": 10000},
    "experimental_supported_tools": [],
    "base_instructions": "You are a test agent.",
}


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    base_url: str
    request_max_retries: int = 0
    stream_max_retries: int = 0
    stream_idle_timeout_ms: int = 5000
    env_key: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_codex_home(home: Path, provider: ProviderSettings, *, model: str = MODEL, **top: object) -> Path:
    """Write config.toml (+ catalog.json) so codex talks only to `provider`; returns the config path."""
    home.mkdir(parents=True, exist_ok=True)
    catalog = home / "catalog.json"
    catalog.write_text(json.dumps({"models": [{**CATALOG_ENTRY, "slug": model, "display_name": model}]}))
    # Top-level keys must come before any [table], or TOML files them under that table.
    lines = [f"model = {_toml_value(model)}", 'model_provider = "mock"', f"model_catalog_json = {_toml_value(catalog)}"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    lines += ["", "[model_providers.mock]", 'name = "mock"', f"base_url = {_toml_value(provider.base_url)}"]
    lines += ['wire_api = "responses"', f"request_max_retries = {provider.request_max_retries}"]
    lines += [f"stream_max_retries = {provider.stream_max_retries}"]
    lines += [f"stream_idle_timeout_ms = {provider.stream_idle_timeout_ms}"]
    if provider.env_key:
        lines.append(f"env_key = {_toml_value(provider.env_key)}")
    lines += [f"{k} = {_toml_value(v)}" for k, v in provider.extra.items()]
    config = home / "config.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def find_codex() -> Path:
    """The pinned codex CLI: $REELKIT_CODEX_BIN, then the repo's .tools install, then PATH."""
    candidates = [os.environ.get("REELKIT_CODEX_BIN"), Path(__file__).parent.parent / ".tools/node_modules/.bin/codex"]
    for cand in candidates:
        if cand and Path(cand).is_file():
            return Path(cand)
    found = shutil.which("codex")
    if found:
        return Path(found)
    raise FileNotFoundError("codex CLI not found: run scripts/bootstrap or set REELKIT_CODEX_BIN")


def codex_exec_args(prompt: str, *extra: str) -> list[str]:
    """Arguments for a non-interactive, offline-safe `codex exec` run."""
    return ["exec", "--skip-git-repo-check", "--disable", "unbounded_connection_retries", *extra, prompt]
