"""What a shell command does, as codex summarises it in `commandActions`: read a file, list files, search,
or unknown. Rules measured against codex 0.163's items (tests/server/agent/test_commandparse.py holds the
table): compound commands are split at `&&`, `||`, `;` and `|`; `cd`, `echo` and pipe helpers such as `wc`
drop out when something meaningful remains; a lone command that matches no rule is `unknown` as written.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from typing import Any

Action = dict[str, Any]
_SPLIT = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_NOISE = frozenset({"cd", "echo", "wc", "true", "sort", "uniq", "xargs"})


def simple_commands(command: str) -> list[str]:
    """The simple commands of a compound one, split at `&&`, `||`, `;` and `|`."""
    return [p for p in _SPLIT.split(command.strip()) if p]


def command_actions(command: str, cwd: str | None = None) -> list[Action]:
    parts = simple_commands(command)
    if any(op in command for op in ("`", "$(", ">", "<")) or not parts:
        return [_unknown(command)]
    actions: list[Action] = []
    for part in parts:
        try:
            words = shlex.split(part)
        except ValueError:
            return [_unknown(command)]
        if words and words[0] not in _NOISE:
            actions.append(_classify(words, cwd))
    if not actions:
        return [_unknown(command)]
    if len(parts) == 1:
        return actions
    meaningful = [a for a in actions if a["type"] != "unknown"]
    return meaningful or [_unknown(command)]


_BARE = re.compile(r"[A-Za-z0-9_@%+=:./-]+")  # what codex leaves unquoted (no comma, unlike shlex.quote)


def _join(words: list[str]) -> str:
    return " ".join(w if _BARE.fullmatch(w) else "'" + w.replace("'", "'\"'\"'") + "'" for w in words)


def _unknown(command: str) -> Action:
    return {"type": "unknown", "command": command}


def _classify(words: list[str], cwd: str | None) -> Action:
    rule = _RULES.get(words[0])
    action = rule(words, cwd) if rule else None
    return action or _unknown(_join(words))


def _operands(words: list[str], with_value: frozenset[str] = frozenset()) -> list[str]:
    """Non-flag arguments, skipping the values of flags that take one (`-n 5`)."""
    out, skip = [], False
    for word in words[1:]:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in with_value
        else:
            out.append(word)
    return out


def _read(words: list[str], cwd: str | None, with_value: frozenset[str] = frozenset({"-n", "-c"})) -> Action | None:
    files = _operands(words, frozenset() if words[0] == "sed" else with_value)  # sed's -n takes no value
    if words[0] == "sed":
        if "-n" not in words or len(files) != 2 or not re.fullmatch(r"\d+(,\d+)?p", files[0]):
            return None
        files = files[1:]
    if len(files) != 1:
        return None
    name = files[0]
    path = os.path.normpath(os.path.join(cwd, name)) if cwd else name
    return {"type": "read", "command": _join(words), "name": os.path.basename(name), "path": path}


def _list(words: list[str], cwd: str | None) -> Action | None:
    paths = _operands(words)
    return {"type": "listFiles", "command": _join(words), "path": paths[0] if paths else None}


def _search(words: list[str], cwd: str | None) -> Action | None:
    if words[0] == "rg" and "--files" in words:
        return _list(words, cwd)
    operands = _operands(words, frozenset({"-e", "-g", "--glob", "-t", "--type", "-m", "-A", "-B", "-C"}))
    if not operands:
        return None
    return {"type": "search", "command": _join(words), "query": operands[0],
            "path": operands[1] if len(operands) > 1 else None}  # fmt: skip


def _find(words: list[str], cwd: str | None) -> Action | None:
    path = words[1] if len(words) > 1 and not words[1].startswith("-") else None
    name = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-name", "-iname", "-path")), None)
    if name is None:
        return {"type": "listFiles", "command": _join(words), "path": path}
    return {"type": "search", "command": _join(words), "query": name, "path": path}


_RULES: dict[str, Callable[[list[str], str | None], Action | None]] = {
    "cat": _read, "head": _read, "tail": _read, "nl": _read, "sed": _read, "less": _read,
    "ls": _list, "tree": _list, "rg": _search, "grep": _search, "find": _find,
}  # fmt: skip
