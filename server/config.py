"""CODEX_HOME and config.toml: codex's keys, resolved once into frozen dataclasses.

Errors name the file and the key (`config.toml: model_providers.mock.base_url: expected a string`),
never a traceback. Writes go through a temp file and a rename, so the file is never half-written.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from reelkit_common.fsutil import atomic_write

from .provider import ProviderInfo

APPROVAL_POLICIES = ("untrusted", "on-failure", "on-request", "never")
SANDBOX_MODES = ("read-only", "workspace-write", "danger-full-access")
OPENAI_BASE_URL = "https://api.openai.com/v1"


class ConfigError(ValueError):
    """A configuration problem, phrased for the user (file, key, what is wrong)."""


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    id: str
    name: str
    base_url: str
    env_key: str | None = None
    query_params: dict[str, str] = field(default_factory=dict)
    http_headers: dict[str, str] = field(default_factory=dict)
    request_max_retries: int = 4
    stream_max_retries: int = 5
    stream_idle_timeout_ms: int = 300_000

    def resolve(self, env: dict[str, str] | None = None) -> ProviderInfo:
        """Read the API key from the environment; a missing variable is the turn's error, as in codex."""
        env = dict(os.environ) if env is None else env
        key = None
        if self.env_key:
            key = env.get(self.env_key)
            if not key:
                raise ConfigError(f"Missing environment variable: `{self.env_key}`.")
        return ProviderInfo(self.name, self.base_url, key, self.query_params, self.http_headers,
                            min(self.request_max_retries, 100), min(self.stream_max_retries, 100),
                            self.stream_idle_timeout_ms)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ModelInfo:
    slug: str
    display_name: str
    description: str = ""
    shell_type: str = "unified_exec"
    apply_patch_tool_type: str | None = "freeform"
    context_window: int | None = None
    default_reasoning_level: str | None = None
    supported_reasoning_levels: tuple[dict[str, str], ...] = ()
    base_instructions: str | None = None
    support_verbosity: bool = False
    default_verbosity: str | None = None
    hidden: bool = False
    output_token_limit: int = 10_000  # the catalog's truncation_policy: what a tool output may take
    reasoning_summary: str = "auto"  # sent unless the entry says the model has no summaries (codex 0.163)
    supports_image_detail_original: bool = False  # view_image then takes `detail` (codex 0.163)


@dataclass(frozen=True, slots=True)
class Config:
    home: Path
    path: Path
    raw: dict[str, Any]
    model: str | None
    model_provider: str
    providers: dict[str, ProviderConfig]
    approval_policy: str
    sandbox_mode: str
    reasoning_effort: str | None
    reasoning_summary: str | None
    catalog: tuple[ModelInfo, ...]

    def provider(self, provider_id: str | None = None) -> ProviderConfig:
        pid = provider_id or self.model_provider
        if pid not in self.providers:
            raise ConfigError(
                f"{self.path}: model_provider: unknown provider `{pid}` (known: {', '.join(sorted(self.providers))})"
            )
        return self.providers[pid]

    def model_info(self, slug: str) -> ModelInfo | None:
        return next((m for m in self.catalog if m.slug == slug), None)

    def default_model(self) -> str:
        if self.model:
            return self.model
        if not self.catalog:
            raise ConfigError(
                "No models are available. Set `model` explicitly or check your model catalog configuration."
            )
        return self.catalog[0].slug


def codex_home(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    return Path(env.get("CODEX_HOME") or Path.home() / ".codex").expanduser().resolve()


def load_config(home: Path, overrides: dict[str, Any] | None = None) -> Config:
    path = home / "config.toml"
    raw = _read_toml(path)
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value)
    return _build(home, path, raw)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _build(home: Path, path: Path, raw: dict[str, Any]) -> Config:
    get = _Getter(path, raw)
    providers = _providers(get, raw)
    return Config(
        home=home,
        path=path,
        raw=raw,
        model=get.text("model"),
        model_provider=get.text("model_provider") or "openai",
        providers=providers,
        approval_policy=get.choice("approval_policy", APPROVAL_POLICIES) or "on-request",
        sandbox_mode=get.choice("sandbox_mode", SANDBOX_MODES) or "read-only",
        reasoning_effort=get.text("model_reasoning_effort"),
        reasoning_summary=get.text("model_reasoning_summary"),
        catalog=_catalog(get.text("model_catalog_json"), path),
    )


def _providers(get: _Getter, raw: dict[str, Any]) -> dict[str, ProviderConfig]:
    base = get.text("openai_base_url") or OPENAI_BASE_URL
    providers = {"openai": ProviderConfig("openai", "OpenAI", base, env_key="OPENAI_API_KEY")}
    table = raw.get("model_providers") or {}
    if not isinstance(table, dict):
        raise ConfigError(f"{get.path}: model_providers: expected a table")
    for pid, entry in table.items():
        providers[pid] = _provider(get.sub(f"model_providers.{pid}", entry), pid)
    return providers


def _provider(get: _Getter, pid: str) -> ProviderConfig:
    wire_api = get.text("wire_api") or "responses"
    if wire_api != "responses":
        raise ConfigError(f'{get.path}: {get.prefix}.wire_api: `{wire_api}` is not supported; use "responses"')
    base_url = get.text("base_url")
    if not base_url:
        raise ConfigError(f"{get.path}: {get.prefix}.base_url: required")
    return ProviderConfig(
        id=pid,
        name=get.text("name") or pid,
        base_url=base_url,
        env_key=get.text("env_key"),
        query_params=get.table("query_params"),
        http_headers=get.table("http_headers"),
        request_max_retries=get.integer("request_max_retries", 4),
        stream_max_retries=get.integer("stream_max_retries", 5),
        stream_idle_timeout_ms=get.integer("stream_idle_timeout_ms", 300_000),
    )


def _catalog(custom: str | None, path: Path) -> tuple[ModelInfo, ...]:
    if custom:
        source = Path(custom).expanduser()
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: model_catalog_json: cannot load {source}: {exc}") from None
    else:
        data = json.loads(resources.files("server").joinpath("data/models.json").read_text(encoding="utf-8"))
    try:
        return tuple(_model(m) for m in data["models"])
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: model_catalog_json: malformed catalog ({exc})") from None


def _model(entry: dict[str, Any]) -> ModelInfo:
    known = set(ModelInfo.__dataclass_fields__)
    values = {k: v for k, v in entry.items() if k in known}
    values["supported_reasoning_levels"] = tuple(entry.get("supported_reasoning_levels") or ())
    values["hidden"] = entry.get("visibility", "list") != "list"
    values.setdefault("display_name", entry["slug"])
    values["supports_image_detail_original"] = entry.get("supports_image_detail_original") is True
    if entry.get("supports_reasoning_summaries") is False:
        values["reasoning_summary"] = "none"
    elif isinstance(entry.get("default_reasoning_summary"), str):
        values["reasoning_summary"] = entry["default_reasoning_summary"]
    policy = entry.get("truncation_policy")
    if isinstance(policy, dict) and isinstance(policy.get("limit"), int):
        # codex counts a token as about 4 bytes; a byte policy becomes the same budget in tokens
        values["output_token_limit"] = policy["limit"] if policy.get("mode") != "bytes" else policy["limit"] // 4
    return ModelInfo(**values)


@dataclass(frozen=True, slots=True)
class _Getter:
    """Typed reads from one TOML table, with errors that name the file and the dotted key."""

    path: Path
    raw: dict[str, Any]
    prefix: str = ""

    def sub(self, prefix: str, raw: Any) -> _Getter:
        if not isinstance(raw, dict):
            raise ConfigError(f"{self.path}: {prefix}: expected a table")
        return _Getter(self.path, raw, prefix)

    def _key(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.path}: {self._key(key)}: expected a string, got {type(value).__name__}")
        return value

    def integer(self, key: str, default: int) -> int:
        value = self.raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{self.path}: {self._key(key)}: expected a non-negative integer")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.text(key)
        if value is not None and value not in allowed:
            raise ConfigError(f"{self.path}: {self._key(key)}: `{value}` is not one of {', '.join(allowed)}")
        return value

    def table(self, key: str) -> dict[str, str]:
        value = self.raw.get(key) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: {self._key(key)}: expected a table")
        return {str(k): str(v) for k, v in value.items()}


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"config: {key}: `{part}` is not a table")
    node[parts[-1]] = value


def write_value(path: Path, key: str, value: Any, merge: str) -> dict[str, Any]:
    """Set one dotted key in config.toml (atomically) and return the new document."""
    raw = _read_toml(path)
    if merge == "upsert" and isinstance(value, dict):
        value = {**_lookup(raw, key), **value}
    _set_dotted(raw, key, value)
    _build(path.parent, path, raw)  # refuse to write a config we could not load back
    atomic_write(path, dump_toml(raw))
    return raw


def _lookup(raw: dict[str, Any], key: str) -> dict[str, Any]:
    node: Any = raw
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def dump_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for config documents (scalars first, then tables, as TOML requires)."""
    lines: list[str] = []
    _dump_table(data, [], lines)
    return "\n".join(lines).strip() + "\n"


def _dump_table(table: dict[str, Any], prefix: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if prefix and (scalars or not tables):
        lines.append(f"\n[{'.'.join(_toml_key(p) for p in prefix)}]")
    lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
    for key, sub in tables.items():
        _dump_table(sub, [*prefix, key], lines)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if value is None:
        raise ConfigError("config: TOML has no null; remove the key instead")
    return json.dumps(str(value))
