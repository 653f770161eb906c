"""`[mcp_servers.NAME]` tables as codex 0.163 reads them: transport from `command` (stdio) else `url`
(streamable HTTP), the keys each transport refuses, enabled/required, tool filters, approval modes and
timeouts. Unknown keys are ignored, as in codex. Errors are codex's words, prefixed with where they are."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.config import ConfigError

# What reaches a stdio server from our environment (codex's list), before `env_vars` and `env`.
PASSED_ENV = ("HOME", "LANG", "LC_ALL", "LOGNAME", "PATH", "SHELL", "TERM", "TMPDIR", "TZ", "USER", "CURL_CA_BUNDLE",
              "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS", "PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")  # fmt: skip
APPROVAL_MODES = ("auto", "prompt", "writes", "approve")
_STDIO_ONLY = ("args", "env", "env_vars", "cwd")
_HTTP_ONLY = ("url", "http_headers", "env_http_headers", "http_headers_helper", "oauth", "oauth_resource",
              "bearer_token_env_var")  # fmt: skip
DEFAULT_STARTUP_TIMEOUT_S = 30.0
DEFAULT_TOOL_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class McpServerConfig:
    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # bearer token and http headers, resolved
    enabled: bool = True
    required: bool = False
    startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S
    tool_timeout_s: float = DEFAULT_TOOL_TIMEOUT_S
    enabled_tools: tuple[str, ...] | None = None
    disabled_tools: tuple[str, ...] = ()
    default_approval: str = "auto"
    tool_approvals: dict[str, str] = field(default_factory=dict)

    @property
    def transport(self) -> str:
        return "stdio" if self.command is not None else "streamable_http"

    def offers(self, tool: str) -> bool:
        allowed = self.enabled_tools is None or tool in self.enabled_tools
        return allowed and tool not in self.disabled_tools

    def approval_mode(self, tool: str) -> str:
        return self.tool_approvals.get(tool, self.default_approval)

    def stdio_env(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        return _stdio_env(self, dict(os.environ) if environ is None else environ)


def parse_servers(raw: Any, path: Path) -> list[McpServerConfig]:
    """Every `[mcp_servers.*]` table, sorted by name (codex lists them so)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: mcp_servers: expected a table")
    servers = []
    for name in sorted(raw):
        entry = raw[name]
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: mcp_servers.{name}: expected a table")
        try:
            servers.append(_server(name, entry))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: mcp_servers.{name}: {exc}") from None
    return servers


def _server(name: str, t: dict[str, Any]) -> McpServerConfig:
    if "bearer_token" in t:
        raise ValueError(f"bearer_token is not supported for {'stdio' if 'command' in t else 'streamable_http'}")
    if "command" in t:
        _refuse(t, _HTTP_ONLY, "stdio")
        cwd = Path(_str(t, "cwd")).expanduser() if "cwd" in t else None
        return McpServerConfig(name, command=_str(t, "command"), args=tuple(_strs(t, "args")), env=_env(t), cwd=cwd,
                               **_common(t))  # fmt: skip
    if "url" in t:
        _refuse(t, _STDIO_ONLY, "streamable_http")
        return McpServerConfig(name, url=_str(t, "url"), headers=_headers(t), **_common(t))
    raise ValueError("invalid transport: set `command` (a stdio server) or `url` (streamable HTTP)")


def _common(t: dict[str, Any]) -> dict[str, Any]:
    tools = t.get("tools") or {}
    approvals = {str(k): _mode(v.get("approval_mode")) for k, v in tools.items() if isinstance(v, dict)}
    return {
        "enabled": bool(t.get("enabled", True)),
        "required": bool(t.get("required", False)),
        "startup_timeout_s": _startup_timeout(t),
        "tool_timeout_s": _seconds(t.get("tool_timeout_sec", DEFAULT_TOOL_TIMEOUT_S)),
        "enabled_tools": tuple(_strs(t, "enabled_tools")) if "enabled_tools" in t else None,
        "disabled_tools": tuple(_strs(t, "disabled_tools")),
        "default_approval": _mode(t.get("default_tools_approval_mode")),
        "tool_approvals": approvals,
    }


def _startup_timeout(t: dict[str, Any]) -> float:
    if "startup_timeout_sec" in t:
        return _seconds(t["startup_timeout_sec"])
    if "startup_timeout_ms" in t:
        return _seconds(t["startup_timeout_ms"]) / 1000
    return DEFAULT_STARTUP_TIMEOUT_S


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"invalid type: {type(value).__name__}, expected a duration in seconds")
    if value < 0:
        raise ValueError("cannot convert float seconds to Duration: value is negative")
    return float(value)


def _mode(value: Any) -> str:
    if value is None:
        return "auto"
    if value not in APPROVAL_MODES:
        raise ValueError(f"unknown variant `{value}`, expected one of {', '.join(f'`{m}`' for m in APPROVAL_MODES)}")
    return str(value)


def _refuse(t: dict[str, Any], keys: tuple[str, ...], transport: str) -> None:
    for key in keys:
        if key in t:
            raise ValueError(f"{key} is not supported for {transport}")


def _str(t: dict[str, Any], key: str) -> str:
    value = t.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a string")
    return value


def _strs(t: dict[str, Any], key: str) -> list[str]:
    value = t.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: expected an array of strings")
    return list(value)


def _table(t: dict[str, Any], key: str) -> dict[str, str]:
    value = t.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{key}: expected a table")
    return {str(k): str(v) for k, v in value.items()}


def _env(t: dict[str, Any]) -> dict[str, str]:
    """`env`, and `env_vars` names kept as `$NAME` markers: copied from our environment when the server starts."""
    names: list[str] = []
    for entry in t.get("env_vars") or []:
        if isinstance(entry, str):
            names.append(entry)
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("env_vars: expected names or {name, source} tables")
        source = entry.get("source", "local")
        if source not in ("local", "remote"):
            raise ValueError(f"unsupported env_vars source `{source}`; expected `local` or `remote`")
        names.append(entry["name"])
    return {**{n: f"${n}" for n in names}, **_table(t, "env")}


def _stdio_env(cfg: McpServerConfig, environ: dict[str, str]) -> dict[str, str]:
    env = {k: environ[k] for k in PASSED_ENV if k in environ}
    for key, value in cfg.env.items():
        if value == f"${key}":  # an env_vars name: copied when set
            if key in environ:
                env[key] = environ[key]
        else:
            env[key] = value
    return env


def _headers(t: dict[str, Any]) -> dict[str, str]:
    headers = _table(t, "http_headers")
    for header, var in _table(t, "env_http_headers").items():
        if os.environ.get(var):
            headers[header] = os.environ[var]
    if "bearer_token_env_var" in t:
        var = _str(t, "bearer_token_env_var")
        token = os.environ.get(var)
        if token:
            headers["Authorization"] = f"Bearer {token}"
    return headers
