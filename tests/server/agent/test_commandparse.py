"""commandActions as codex 0.163 reports them: every row was read off the real CLI's items for the
same command (cwd /w)."""

from __future__ import annotations

from typing import Any

import pytest

from server.agent.commandparse import command_actions

A = "/w/a.txt"
TABLE: list[tuple[str, list[dict[str, Any]]]] = [
    ("ls src", [{"type": "listFiles", "command": "ls src", "path": "src"}]),
    ("ls", [{"type": "listFiles", "command": "ls", "path": None}]),
    ("cat a.txt", [{"type": "read", "command": "cat a.txt", "name": "a.txt", "path": A}]),
    ("head -n 5 a.txt", [{"type": "read", "command": "head -n 5 a.txt", "name": "a.txt", "path": A}]),
    ("sed -n 1,10p a.txt", [{"type": "read", "command": "sed -n '1,10p' a.txt", "name": "a.txt", "path": A}]),
    ("rg foo", [{"type": "search", "command": "rg foo", "query": "foo", "path": None}]),
    ("rg foo src", [{"type": "search", "command": "rg foo src", "query": "foo", "path": "src"}]),
    ("grep -rn foo .", [{"type": "search", "command": "grep -rn foo .", "query": "foo", "path": "."}]),
    ("find . -name x", [{"type": "search", "command": "find . -name x", "query": "x", "path": "."}]),
    ("echo hi", [{"type": "unknown", "command": "echo hi"}]),
    ("cd sub && ls", [{"type": "listFiles", "command": "ls", "path": None}]),
    ("ls | wc -l", [{"type": "listFiles", "command": "ls", "path": None}]),
    ("echo hi && ls -la", [{"type": "listFiles", "command": "ls -la", "path": None}]),
    ("pwd", [{"type": "unknown", "command": "pwd"}]),
    ("nl -ba a.txt", [{"type": "read", "command": "nl -ba a.txt", "name": "a.txt", "path": A}]),
    ("tail -n 3 a.txt", [{"type": "read", "command": "tail -n 3 a.txt", "name": "a.txt", "path": A}]),
    ("wc -l a.txt", [{"type": "unknown", "command": "wc -l a.txt"}]),
    ("rg --files", [{"type": "listFiles", "command": "rg --files", "path": None}]),
    ("cat a.txt b.txt", [{"type": "unknown", "command": "cat a.txt b.txt"}]),
    ("git status", [{"type": "unknown", "command": "git status"}]),
    ("touch created.txt && echo made", [{"type": "unknown", "command": "touch created.txt && echo made"}]),
]


@pytest.mark.parametrize(("command", "actions"), TABLE, ids=[c for c, _ in TABLE])
def test_actions_match_codex(command: str, actions: list[dict[str, Any]]) -> None:
    assert command_actions(command, "/w") == actions
