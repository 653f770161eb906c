"""Catalog capabilities that `ModelInfo` does not carry yet, read from the catalog file codex reads.

Why a separate reader: `ModelInfo` (server/config.py) is being changed in parallel for MCP; once that
settles, these flags belong there as fields (`_model` picks up any field `ModelInfo` declares) and this
module goes. It reads the same source config.py does: `model_catalog_json`, else the bundled catalog.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


def catalog_flag(config_raw: dict[str, Any], slug: str, key: str) -> bool:
    """Whether the catalog entry for `slug` sets `key` to true (absent, false or unreadable: false)."""
    custom = config_raw.get("model_catalog_json")
    if isinstance(custom, str):
        source = Path(custom).expanduser()
        try:
            stamp = source.stat().st_mtime_ns
        except OSError:
            return False
        entries = _custom_entries(str(source), stamp)
    else:
        entries = _bundled_entries()
    return entries.get(slug, {}).get(key) is True


@lru_cache(maxsize=8)
def _custom_entries(source: str, _mtime_ns: int) -> dict[str, dict[str, Any]]:
    # Keyed on the file's mtime so an edited catalog is read again, as a new config load would.
    try:
        return _by_slug(json.loads(Path(source).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}  # config.py already reported a malformed catalog when it loaded


@lru_cache(maxsize=1)
def _bundled_entries() -> dict[str, dict[str, Any]]:
    return _by_slug(json.loads(resources.files("server").joinpath("data/models.json").read_text(encoding="utf-8")))


def _by_slug(data: Any) -> dict[str, dict[str, Any]]:
    models = data.get("models") if isinstance(data, dict) else None
    entries = [m for m in models or [] if isinstance(m, dict) and isinstance(m.get("slug"), str)]
    return {m["slug"]: m for m in entries}
