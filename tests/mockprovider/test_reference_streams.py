"""Our rendered streams have the shape of the real captures in `data/*.sse` (codex 0.163 + strict SDK verified)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from mockprovider import MockProvider, decode_all

from .conftest import body

DATA = Path(__file__).parent / "data"
PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch\n"
CASES: dict[str, dict[str, Any]] = {
    "01_text.sse": {"text": "Hello from the mock.", "chunk_size": 5},
    "02_reasoning_text.sse": {"reasoning": "**Planning**\n\nDeciding how to greet.", "text": "Hi there."},
    "03_exec_command_call.sse": {"function_call": {"name": "exec_command", "arguments": {"cmd": "echo hi"}}},
    "04_apply_patch_custom.sse": {"custom_tool_call": {"name": "apply_patch", "input": PATCH}},
    "05_failed_context_length.sse": {"failed": {"code": "context_length_exceeded", "message": "too long"}},
    "06_incomplete.sse": {"text": "cut", "incomplete": {"reason": "max_output_tokens"}},
}


def shape(value: Any) -> Any:
    """Keys and JSON types, recursively: what must match between a capture and ours."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def squash(events: list[dict[str, Any]]) -> list[str]:
    """Event types with runs of deltas collapsed (the number of deltas depends on chunking)."""
    out: list[str] = []
    for event in events:
        if not (out and event["type"].endswith(".delta") and out[-1] == event["type"]):
            out.append(event["type"])
    return out


@pytest.mark.parametrize("name", sorted(CASES))
async def test_rendered_stream_matches_the_captured_one(
    mock: MockProvider, http: aiohttp.ClientSession, name: str
) -> None:
    real = [e.json() for e in decode_all((DATA / name).read_bytes())]
    mock.enqueue(CASES[name])
    async with http.post(f"{mock.url}/responses", json=body()) as resp:
        ours = [e.json() for e in decode_all(await resp.read())]
    if "in_progress" not in {e["type"].rsplit(".", 1)[-1] for e in real}:
        ours = [e for e in ours if e["type"] != "response.in_progress"]  # that capture omits it; both are valid
    assert squash(ours) == squash(real)
    by_key = {_key(e): e for e in ours}
    for event in real:
        # Every field the real service sends is present in ours, with the same JSON type.
        missing = _missing(shape(event), shape(by_key[_key(event)]))
        assert not missing, (event["type"], missing)


def _key(event: dict[str, Any]) -> tuple[str, str | None]:
    return event["type"], event.get("item", {}).get("type")


def _missing(theirs: Any, mine: Any, path: str = "") -> list[str]:
    if isinstance(theirs, dict):
        if not isinstance(mine, dict):
            return [path]
        return [
            m
            for k, v in theirs.items()
            for m in (_missing(v, mine[k], f"{path}.{k}") if k in mine else [f"{path}.{k}"])
        ]
    if isinstance(theirs, list) and theirs and isinstance(mine, list) and mine:
        return _missing(theirs[0], mine[0], path + "[]")
    if theirs == "NoneType" or mine == "NoneType":
        return []  # null-able fields: captured null, ours filled (or the reverse)
    return [] if theirs == mine else [f"{path}: {theirs} != {mine}"]
