"""`mockprovider demo`, first part: one script answers a tool-calling loop on all three wire APIs.

Plain HTTP (aiohttp), so what is printed is exactly what crossed the wire: the SSE event names (or
chunk shapes) of each streamed answer, the tool call the client would run, and the final text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any, TextIO

import aiohttp

from .provider import MockProvider
from .script import Script
from .sse import decode_all

DEMO_APIS_SCRIPT = "demo_apis.yaml"
QUESTION = "What is the weather in Paris?"


def bundled_apis_script() -> Script:
    with resources.as_file(resources.files("mockprovider") / "data" / DEMO_APIS_SCRIPT) as path:
        return Script.load(path)


def _responses(call: dict[str, str] | None) -> tuple[str, dict[str, Any]]:
    items: list[Any] = [{"role": "user", "content": QUESTION}]
    if call:
        items += [{"type": "function_call", "call_id": call["id"], "name": call["name"], "arguments": call["args"]},
                  {"type": "function_call_output", "call_id": call["id"], "output": "sunny, 24 C"}]  # fmt: skip
    return "/v1/responses", {"model": "mock-model", "stream": True, "input": items,
                             "tools": [{"type": "function", "name": "get_weather", "parameters": {}}]}  # fmt: skip


def _chat(call: dict[str, str] | None) -> tuple[str, dict[str, Any]]:
    msgs: list[Any] = [{"role": "user", "content": QUESTION}]
    if call:
        tool_call = {
            "id": call["id"],
            "type": "function",
            "function": {"name": call["name"], "arguments": call["args"]},
        }
        msgs += [{"role": "assistant", "content": None, "tool_calls": [tool_call]},
                 {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 24 C"}]  # fmt: skip
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    return "/v1/chat/completions", {"model": "mock-model", "stream": True, "messages": msgs, "tools": tools}


def _anthropic(call: dict[str, str] | None) -> tuple[str, dict[str, Any]]:
    msgs: list[Any] = [{"role": "user", "content": QUESTION}]
    if call:
        use = {"type": "tool_use", "id": call["id"], "name": call["name"], "input": json.loads(call["args"])}
        result = {"type": "tool_result", "tool_use_id": call["id"], "content": "sunny, 24 C"}
        msgs += [{"role": "assistant", "content": [use]}, {"role": "user", "content": [result]}]
    return "/v1/messages", {"model": "mock-model", "stream": True, "max_tokens": 256, "messages": msgs,
                            "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}]}  # fmt: skip


def _read(api: str, body: bytes) -> tuple[list[str], dict[str, str] | None, str]:
    """Event names, the tool call asked for (id, name, JSON arguments) and the text, from a streamed body."""
    names, text, call, args = [], "", None, ""
    for sse in decode_all(body):
        if sse.data == "[DONE]":
            names.append("[DONE]")
            continue
        data = json.loads(sse.data)
        if api == "chat":
            choice = data["choices"][0] if data["choices"] else None
            delta = choice["delta"] if choice else {}
            names.append(_chat_name(choice))
            text += delta.get("content") or ""
            for tc in delta.get("tool_calls") or []:
                call = call or {"id": tc["id"], "name": tc["function"]["name"]}
                args += tc["function"].get("arguments", "")
            continue
        names.append(str(data.get("type")))
        if api == "responses" and data["type"] == "response.output_text.delta":
            text += data["delta"]
        elif (
            api == "responses"
            and data["type"] == "response.output_item.done"
            and data["item"]["type"] == "function_call"
        ):
            call, args = {"id": data["item"]["call_id"], "name": data["item"]["name"]}, data["item"]["arguments"]
        elif (
            api == "anthropic" and data["type"] == "content_block_start" and data["content_block"]["type"] == "tool_use"
        ):
            call = {"id": data["content_block"]["id"], "name": data["content_block"]["name"]}
        elif api == "anthropic" and data["type"] == "content_block_delta":
            text += data["delta"].get("text", "")
            args += data["delta"].get("partial_json", "")
    return names, ({**call, "args": args} if call else None), text


BUILDERS: dict[str, Callable[[dict[str, str] | None], tuple[str, dict[str, Any]]]] = {
    "responses": _responses, "chat": _chat, "anthropic": _anthropic,
}  # fmt: skip


async def run_apis_demo(out: TextIO) -> int:
    """Serve the bundled script and walk a tool-calling loop on each API; 0 when every loop completed."""
    async with (
        MockProvider(bundled_apis_script(), speed=0, strict=True, seed=1) as mock,
        aiohttp.ClientSession() as http,
    ):
        _say(out, f"mock provider listening on {mock.origin} (script: mockprovider/data/{DEMO_APIS_SCRIPT})")
        for api, build in BUILDERS.items():
            call: dict[str, str] | None = None
            for _ in range(2):
                path, body = build(call)
                headers = {"anthropic-version": "2023-06-01"} if api == "anthropic" else {}
                async with http.post(mock.origin + path, json=body, headers=headers) as resp:
                    names, asked, text = _read(api, await resp.read())
                _say(out, f"POST {path} -> {resp.status}: {len(names)} events: {_compact(names)}")
                if asked is None:
                    _say(out, f"  answer: {text!r}")
                    break
                _say(out, f"  tool call {asked['id']}: {asked['name']}({asked['args']})")
                call = asked
            if not text:
                return 1
    _say(out, "demo: one script served a tool-calling loop on Responses, Chat Completions and Anthropic Messages")
    return 0


def _chat_name(choice: dict[str, Any] | None) -> str:
    if choice is None:
        return "usage"
    if choice["finish_reason"]:
        return f"finish:{choice['finish_reason']}"
    return next((k for k in ("tool_calls", "role") if k in choice["delta"]), "content")


def _compact(names: list[str]) -> str:
    """Runs of one event name folded (`x3`), so a stream fits on a line."""
    out: list[str] = []
    for name in names:
        if out and out[-1].split(" x")[0] == name:
            count = int(out[-1].split(" x")[1]) + 1 if " x" in out[-1] else 2
            out[-1] = f"{name} x{count}"
        else:
            out.append(name)
    return ", ".join(out)


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
