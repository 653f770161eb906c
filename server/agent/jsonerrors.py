"""Unparsable tool arguments described in serde_json's words, as codex tells the model (its parser is
serde_json; ours is Python's json). Each wording was checked against codex 0.163's output."""

from __future__ import annotations

import json

# Python's message prefix -> serde_json's wording.
_SERDE_WORDING = (
    ("Expecting property name enclosed in double quotes", "key must be a string"),
    ("Expecting value", "expected value"),
    ("Extra data", "trailing characters"),
    ("Expecting ':' delimiter", "expected `:`"),
    ("Invalid control character at", "control character (\\u0000-\\u001F) found while parsing a string"),
)


def serde_json_message(exc: json.JSONDecodeError) -> str:
    doc = exc.doc
    if exc.pos >= len(doc.rstrip()) or exc.msg.startswith("Unterminated string"):
        line = doc.count("\n") + 1
        column = len(doc) - (doc.rfind("\n") + 1)
        return f"EOF while parsing {_eof_what(exc)} at line {line} column {column}"
    what = next((serde for py, serde in _SERDE_WORDING if exc.msg.startswith(py)), exc.msg)
    if exc.msg.startswith("Expecting ',' delimiter"):
        what = "expected `,` or `}`" if _innermost_open(doc[: exc.pos]) == "{" else "expected `,` or `]`"
    return f"{what} at line {exc.lineno} column {exc.colno}"


def _eof_what(exc: json.JSONDecodeError) -> str:
    if exc.msg.startswith("Unterminated string"):
        return "a string"
    if exc.msg.startswith("Expecting value") or not exc.doc.strip():
        return "a value"
    return "an object" if _innermost_open(exc.doc) == "{" else "a list"


def _innermost_open(text: str) -> str:
    """The bracket still open at the end of `text`, skipping strings."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""
