"""The form schemas codex 0.163 can show for an MCP elicitation (its `McpElicitationSchema`): a flat object
of primitive fields. A server asking with anything else (a top-level `title`, nested objects) is answered
`cancel` without the user being asked, as codex does."""

from __future__ import annotations

from typing import Any

_TOP = {"$schema", "properties", "required", "type"}
_COMMON = {"type", "title", "description", "default"}
_BY_TYPE = {
    "string": _COMMON | {"format", "minLength", "maxLength", "enum", "enumNames", "oneOf"},
    "number": _COMMON | {"minimum", "maximum"},
    "integer": _COMMON | {"minimum", "maximum"},
    "boolean": _COMMON,
    "array": _COMMON | {"items", "minItems", "maxItems"},
}


def form_schema_ok(schema: Any) -> bool:
    if not isinstance(schema, dict) or schema.get("type") != "object" or not set(schema) <= _TOP:
        return False
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return False
    required = schema.get("required")
    if required is not None and not (isinstance(required, list) and all(isinstance(r, str) for r in required)):
        return False
    return all(_field_ok(p) for p in properties.values())


def _field_ok(prop: Any) -> bool:
    if not isinstance(prop, dict):
        return False
    allowed = _BY_TYPE.get(prop.get("type"))  # type: ignore[arg-type]
    return allowed is not None and set(prop) <= allowed
