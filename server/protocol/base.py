"""The wire base model and serde-style validation messages (the real server's error text)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields ignored as the real server does."""

    # defer_build: each model is built on first use, so start-up does not pay for all of them.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)


_JSON_TYPES = {
    "string_type": "a string", "int_type": "an integer", "int_parsing": "an integer", "bool_type": "a boolean",
    "list_type": "a sequence", "dict_type": "a map", "model_type": "a map", "float_type": "a number",
}  # fmt: skip


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if value is None:
        return "null"
    return "sequence" if isinstance(value, list) else "map"


def serde_message(exc: ValidationError) -> str:
    """Phrase the first problem the way serde does (`missing field `x``, `invalid type: ...`)."""
    err = exc.errors()[0]
    kind, loc = err["type"], err.get("loc", ())
    if kind == "missing":
        return f"missing field `{loc[-1]}`"
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        variants = ", ".join(
            f"`{v.strip().strip(chr(39))}`" for v in expected.replace(" or ", ",").split(",") if v.strip()
        )
        return f"unknown variant `{err.get('input')}`, expected one of {variants}"
    if kind in _JSON_TYPES:
        return f"invalid type: {describe(err.get('input'))}, expected {_JSON_TYPES[kind]}"
    where = ".".join(str(p) for p in loc)
    return f"{where}: {err['msg']}" if where else str(err["msg"])
