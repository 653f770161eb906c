"""Routing by conversation state (`when`: turn, tool_result, tools) beside `match`, in each API's terms."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mockprovider import MockProvider, ScriptError, parse_step

TOOL = "get_weather"


def responses(turn: int, result: bool) -> tuple[str, dict[str, Any]]:
    items: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    if result or turn == 2:
        items += [{"type": "function_call", "call_id": "c1", "name": TOOL, "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "c1", "output": "sunny"}]  # fmt: skip
    if turn == 2:
        items += [{"role": "assistant", "content": "It is sunny."}, {"role": "user", "content": "thanks"}]
    return "/v1/responses", {"model": "m", "input": items, "tools": [{"type": "function", "name": TOOL}]}


def chat(turn: int, result: bool) -> tuple[str, dict[str, Any]]:
    msgs: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    if result or turn == 2:
        call = {"id": "c1", "type": "function", "function": {"name": TOOL, "arguments": "{}"}}
        msgs += [
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        ]
    if turn == 2:
        msgs += [{"role": "assistant", "content": "It is sunny."}, {"role": "user", "content": "thanks"}]
    tools = [{"type": "function", "function": {"name": TOOL, "parameters": {}}}]
    return "/v1/chat/completions", {"model": "m", "messages": msgs, "tools": tools}


def anthropic(turn: int, result: bool) -> tuple[str, dict[str, Any]]:
    msgs: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    if result or turn == 2:
        use = {"type": "tool_use", "id": "c1", "name": TOOL, "input": {}}
        answer = {"type": "tool_result", "tool_use_id": "c1", "content": "sunny"}
        msgs += [{"role": "assistant", "content": [use]}, {"role": "user", "content": [answer]}]
    if turn == 2:
        msgs += [
            {"role": "assistant", "content": "It is sunny."},
            {"role": "user", "content": [{"type": "text", "text": "thanks"}]},
        ]
    return "/v1/messages", {
        "model": "m",
        "max_tokens": 50,
        "messages": msgs,
        "tools": [{"name": TOOL, "input_schema": {}}],
    }


SCRIPT: list[dict[str, Any]] = [
    {"text": "in order", "label": "plain"},
    {"text": "you are welcome", "when": {"turn": 2}, "label": "second turn"},
    {"text": "it is sunny", "when": {"tool_result": "c1"}, "label": "after the tool"},
    {"function_call": {"name": TOOL}, "when": {"turn": 1, "tool_result": False, "tools": [TOOL]}, "match": "Paris",
     "label": "call the tool"},
]  # fmt: skip


@pytest.mark.parametrize("build", [responses, chat, anthropic])
async def test_steps_are_routed_by_conversation_state(build: Any, http: aiohttp.ClientSession) -> None:
    async with MockProvider(SCRIPT, speed=0, strict=True) as mock:
        for turn, result in ((2, True), (1, True), (1, False), (1, False)):
            path, body = build(turn, result)
            async with http.post(mock.origin + path, json=body, headers={"anthropic-version": "2023-06-01"}) as resp:
                assert resp.status == 200, await resp.text()
        labels = [r.label for r in mock.requests]
    # the last request matches no routed step any more (each is used once) and takes the next in order
    assert labels == ["second turn", "after the tool", "call the tool", "plain"]


def test_when_is_validated_at_load() -> None:
    with pytest.raises(ScriptError, match=r"when\.turn"):
        parse_step({"text": "x", "when": {"turn": 0}})
    with pytest.raises(ScriptError, match=r"when\.tool"):
        parse_step({"text": "x", "when": {"tool": "x"}})
