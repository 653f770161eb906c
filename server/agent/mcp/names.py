"""How MCP tools reach the model, as codex 0.163 offers them: one Responses-API `namespace` tool per
connected server (`mcp__<server>`), its tools inside sorted by name, names cut to codex's limits.

Sanitising maps every character outside `[A-Za-z0-9_]` to `_`. Names that collide after sanitising, and
names too long for the 128-character budget (`mcp__S` + 2 + tool), get a 12-hex-digit suffix from a hash of
the raw name, so they stay stable across runs.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

MAX_QUALIFIED = 128
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
RESOURCE_TOOLS = ("list_mcp_resources", "list_mcp_resource_templates", "read_mcp_resource")


def sanitise(name: str) -> str:
    return _UNSAFE.sub("_", name)


def namespace(server: str) -> str:
    return f"mcp__{sanitise(server)}"


def _suffix(raw: str) -> str:
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def model_names(server: str, tools: list[str]) -> dict[str, str]:
    """Raw tool name -> the name the model sees inside the server's namespace."""
    budget = MAX_QUALIFIED - len(namespace(server)) - 2
    clean = {t: sanitise(t) for t in tools}
    counts = Counter(clean.values())
    names = {}
    for raw, name in clean.items():
        if counts[name] > 1:
            name = f"{name}_{_suffix(raw)}"
        if len(name) > budget:
            name = f"{name[: max(budget - 13, 0)]}_{_suffix(raw)}"
        names[raw] = name
    return names


def model_schema(schema: Any) -> Any:
    """A tool's input schema as codex gives it to the model: `title` keywords dropped (a property that is
    itself named `title` stays)."""
    if isinstance(schema, list):
        return [model_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
            out[key] = {name: model_schema(sub) for name, sub in value.items()}
        else:
            out[key] = model_schema(value)
    return out


def namespace_tool(
    server: str, instructions: str | None, tools: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, Any]:
    """`tools`: (model name, description, input schema), in any order."""
    ns = namespace(server)
    inner = [{"type": "function", "name": name, "description": description, "strict": False,
              "parameters": model_schema(schema)}
             for name, description, schema in sorted(tools, key=lambda t: t[0])]  # fmt: skip
    return {"type": "namespace", "name": ns, "description": instructions or f"Tools in the {ns} namespace.",
            "tools": inner}  # fmt: skip


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_SERVER = {"type": "string", "description": "The MCP server's name; all servers when left out."}
_CURSOR = {"type": "string", "description": "The cursor a previous call returned, for the next page."}
RESOURCE_SPECS: list[dict[str, Any]] = [
    {"type": "function", "name": "list_mcp_resources", "strict": False,
     "description": "List the resources MCP servers offer (files, database schemas, app data), one page at a time.",
     "parameters": _obj({"server": _SERVER, "cursor": _CURSOR}, [])},
    {"type": "function", "name": "list_mcp_resource_templates", "strict": False,
     "description": "List the parameterised resource templates MCP servers offer, one page at a time.",
     "parameters": _obj({"server": _SERVER, "cursor": _CURSOR}, [])},
    {"type": "function", "name": "read_mcp_resource", "strict": False,
     "description": "Read one resource from an MCP server, by server name and URI.",
     "parameters": _obj({"server": {"type": "string", "description": "The MCP server's name."},
                         "uri": {"type": "string", "description": "The resource URI to read."}}, ["server", "uri"])},
]  # fmt: skip
