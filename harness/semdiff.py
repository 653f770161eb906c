"""A semantic diff of two JSON values: the fields that differ, each named by its JSON path.

    diff({"a": [1, 2]}, {"a": [1, 3], "b": True})
    -> [Change("$.a[1]", 2, 3), Change("$.b", MISSING, True)]

Objects compare key by key. Lists are aligned first (longest common run of equal elements, as
difflib does for lines), so one inserted element is one change, not a change of every later index;
unequal elements left facing each other are compared field by field. A path's list index is the one
in `a`, except for an element only `b` has, which carries its index in `b`. Pure: no I/O.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Final


class _Missing:
    """The value on the side where a field or element does not exist."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # JSONPath-like: $.interactions[3].events[5].delta, $["key with space"]
    old: Any  # MISSING when only `b` has it
    new: Any  # MISSING when only `a` has it

    @property
    def kind(self) -> str:
        if self.old is MISSING:
            return "added"
        return "removed" if self.new is MISSING else "changed"


def diff(a: Any, b: Any) -> list[Change]:
    """Every field where `b` differs from `a`; empty when they are equal."""
    out: list[Change] = []
    _walk(a, b, "$", out)
    return out


def key_path(parent: str, key: str) -> str:
    if key.isidentifier():
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _walk(a: Any, b: Any, path: str, out: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            _walk(a.get(key, MISSING), b.get(key, MISSING), key_path(path, str(key)), out)
    elif isinstance(a, list) and isinstance(b, list):
        _lists(a, b, path, out)
    elif a is MISSING and b is MISSING:
        return
    elif type(a) is not type(b) or a != b:  # 1 and True are different JSON values
        out.append(Change(path, a, b))


def _lists(a: list[Any], b: list[Any], path: str, out: list[Change]) -> None:
    keys_a, keys_b = [_canonical(x) for x in a], [_canonical(x) for x in b]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):  # elements facing each other: compare their fields
            _walk(a[i1 + k], b[j1 + k], f"{path}[{i1 + k}]", out)
        out += [Change(f"{path}[{i}]", a[i], MISSING) for i in range(i1 + paired, i2)]
        out += [Change(f"{path}[{j}]", MISSING, b[j]) for j in range(j1 + paired, j2)]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
