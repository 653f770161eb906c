"""The data behind `harness show --json` and the `harness view` page: a cassette decoded for reading.

Per interaction: the request in brief (method, path, model, tools offered, the last user words), each
chunk with its arrival offset and the SSE events it completed, the events in brief (deltas kept, big
`response` objects cut to their status), the text and reasoning accumulated from the deltas, the
tool calls with their arguments, usage, status, headers. Beside it the golden transcript grouped by
turn, each turn linked to the interactions it caused, and the cassette's metadata and integrity.
Everything here is plain JSON (dicts, lists, str, numbers), so the page and tools read the same data.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from mockprovider.cassette import Cassette, CassetteError, Interaction
from mockprovider.matching import api_path
from mockprovider.sse import SSEDecoder

from .transcript import Line, Transcript

SCHEMA = "reelkit.show/1"
_TERMINAL = {"response.completed", "response.failed", "response.incomplete"}
_TEXT_DELTA = "response.output_text.delta"
_REASONING_DELTAS = {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
_ARGUMENT_DELTAS = {"response.function_call_arguments.delta", "response.custom_tool_call_input.delta"}
_TOOL_ITEMS = {"function_call", "custom_tool_call", "local_shell_call", "web_search_call", "mcp_call"}
_START_METHODS = {"turn/start", "exec/run"}  # a client request that starts a turn


def cassette_data(path: Path, cassette: Cassette | None = None, *, integrity: bool = True) -> dict[str, Any]:
    """The whole view of one cassette (and its golden transcript beside it, when there is one)."""
    cassette = cassette if cassette is not None else Cassette.load(path)
    interactions = [interaction_data(i, item) for i, item in enumerate(cassette.interactions)]
    golden = path.with_suffix(".jsonl")
    transcript = None
    if golden.exists():
        try:
            transcript = transcript_data(Transcript.load(golden), interactions, golden.name)
        except ValueError as exc:
            transcript = {"name": golden.name, "error": str(exc), "turns": []}
    return {
        "schema": SCHEMA,
        "kind": "cassette",
        "name": path.name,
        "path": str(path),
        "metadata": metadata_data(cassette.metadata),
        "integrity": integrity_data(path) if integrity else None,
        "interactions": interactions,
        "transcript": transcript,
    }


def metadata_data(meta: dict[str, Any]) -> dict[str, Any]:
    raw = meta.get("scenario")
    scenario: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "recorded_at": meta.get("recorded_at"),
        "upstream": meta.get("upstream"),
        "model": meta.get("model"),
        "synthetic": bool(meta.get("synthetic")),
        "recorder": meta.get("recorder"),
        "scenario": scenario.get("name"),
        "description": scenario.get("description"),
    }


def integrity_data(path: Path) -> dict[str, Any]:
    """`harness verify` and `harness lint` of the file, as lists of problems (empty: clean)."""
    from . import inspect
    from .redact import Redactor

    verify = inspect.verify(path, Redactor.from_env())
    try:
        lint = inspect.lint(path)
    except (CassetteError, ImportError) as exc:  # the openai SDK is a test extra: lint is optional here
        lint = [f"lint not run: {exc}"]
    return {"verify": verify, "lint": lint}


def interaction_data(index: int, item: Interaction) -> dict[str, Any]:
    chunks, events = chunks_and_events(item)
    offsets = [c["offset_ms"] for c in chunks]
    data: dict[str, Any] = {
        "index": index,
        "method": item.method,
        "path": api_path(item.uri),
        "status": item.status,
        "reason": item.reason,
        "ending": item.ending,
        "request": request_summary(item.request_body),
        "request_headers": item.request_headers,
        "response_headers": item.response_headers,
        "body_bytes": len(item.body),
        "chunks": chunks,
        "events": events,
        "ttfb_ms": offsets[0] if offsets else None,
        "total_ms": offsets[-1] if offsets else None,
        "longest_gap_ms": max((b - a for a, b in itertools.pairwise(offsets)), default=0.0),
    }
    data.update(accumulate(events))
    data["item_ids"] = _item_ids(events)
    if not events and item.body:
        data["body"] = item.body[:4000].decode("utf-8", "replace")  # an error answer: show what it said
    return data


def chunks_and_events(item: Interaction) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    streaming = "text/event-stream" in (item.header("content-type") or "")
    pieces = item.chunks if item.chunks is not None else []
    decoder = SSEDecoder()
    chunks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number, chunk in enumerate(pieces):
        completed = decoder.feed(chunk.data) if streaming else []
        first = len(events)
        for sse in completed:
            events.append(event_summary(sse.data, number, chunk.offset_ms))
        chunks.append(
            {"offset_ms": round(chunk.offset_ms, 3), "bytes": len(chunk.data), "events": [first, len(events)]}
        )
    if streaming and not pieces:  # a body without recorded chunks: its events, with no timing
        events = [event_summary(sse.data, None, None) for sse in decoder.feed(item.body)]
    return chunks, events


def event_summary(data: str, chunk: int | None, offset_ms: float | None) -> dict[str, Any]:
    """One event in brief: its type, where it arrived, and the fields a reader wants (not the echoed request)."""
    try:
        event = json.loads(data)
    except json.JSONDecodeError:
        return {"type": "<malformed>", "chunk": chunk, "offset_ms": offset_ms, "raw": data[:200]}
    if not isinstance(event, dict):
        return {"type": "<not an object>", "chunk": chunk, "offset_ms": offset_ms, "raw": data[:200]}
    out: dict[str, Any] = {"type": str(event.get("type", "?")), "chunk": chunk, "offset_ms": offset_ms}
    for key in ("delta", "output_index", "item_id", "sequence_number", "code", "message"):
        if key in event:
            out[key] = event[key]
    if isinstance(event.get("item"), dict):
        out["item"] = _item(event["item"])
    response = event.get("response")
    if isinstance(response, dict):
        out["response"] = {k: response[k] for k in ("id", "status", "usage", "error") if response.get(k) is not None}
    return out


def _item(item: dict[str, Any]) -> dict[str, Any]:
    keep = ("type", "id", "call_id", "name", "arguments", "input", "status", "role")
    out = {k: item[k] for k in keep if k in item}
    if item.get("type") == "message":
        out["text"] = "".join(str(p.get("text", "")) for p in item.get("content") or [] if isinstance(p, dict))
    return out


def accumulate(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What the stream said, put together: text, reasoning, tool calls (arguments from their deltas), usage."""
    text, reasoning = [], []
    calls: dict[int, dict[str, Any]] = {}
    terminal: dict[str, Any] = {}
    for event in events:
        kind = event["type"]
        if kind == _TEXT_DELTA:
            text.append(str(event.get("delta", "")))
        elif kind in _REASONING_DELTAS:
            reasoning.append(str(event.get("delta", "")))
        elif kind in ("response.output_item.added", "response.output_item.done") and _is_tool(event):
            call = calls.setdefault(int(event.get("output_index", len(calls))), {"arguments": "", "done": False})
            item = event["item"]
            call.update(type=item.get("type"), name=item.get("name"), call_id=item.get("call_id"))
            if kind.endswith(".done"):
                call.update(done=True, arguments=str(item.get("arguments", item.get("input", call["arguments"]))))
        elif kind in _ARGUMENT_DELTAS and isinstance(event.get("output_index"), int):
            call = calls.setdefault(event["output_index"], {"arguments": "", "done": False})
            if not call["done"]:
                call["arguments"] += str(event.get("delta", ""))
        elif kind in _TERMINAL:
            terminal = event
    response = terminal.get("response") or {}
    return {
        "text": "".join(text),
        "reasoning": "".join(reasoning),
        "tool_calls": [calls[k] for k in sorted(calls)],
        "usage": response.get("usage"),
        "terminal": terminal.get("type"),
        "error": response.get("error"),
    }


def _item_ids(events: list[dict[str, Any]]) -> list[str]:
    """The output items' ids and call ids: the server names its items by them (msg_…, rs_…, a call id)."""
    ids: dict[str, None] = {}
    for event in events:
        item = event.get("item") or {}
        for key in ("id", "call_id"):
            if isinstance(item.get(key), str):
                ids[item[key]] = None
    return list(ids)


def _is_tool(event: dict[str, Any]) -> bool:
    item = event.get("item")
    return isinstance(item, dict) and item.get("type") in _TOOL_ITEMS


def request_summary(body: str | None) -> dict[str, Any]:
    """The request in brief: model, whether it streams, the tools offered, the input size and last user words."""
    try:
        parsed = json.loads(body) if body else None
    except json.JSONDecodeError:
        return {"raw": (body or "")[:300]}
    if not isinstance(parsed, dict):
        return {}
    raw_items = parsed.get("input")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    tools = [str(t.get("name") or t.get("type")) for t in parsed.get("tools") or [] if isinstance(t, dict)]
    return {
        "model": parsed.get("model"),
        "stream": parsed.get("stream"),
        "tools": tools,
        "input_items": len(items),
        "last_user": last_user_words(items),
        "last_item": _last_item_kind(items),
    }


def last_user_words(items: list[Any]) -> str | None:
    for item in reversed(items):
        if isinstance(item, dict) and item.get("role") == "user":
            parts = item.get("content")
            if isinstance(parts, str):
                return parts
            return "".join(str(p.get("text", "")) for p in parts or [] if isinstance(p, dict))
    return None


def _last_item_kind(items: list[Any]) -> str | None:
    last = items[-1] if items else None
    return str(last.get("type") or last.get("role")) if isinstance(last, dict) else None


def transcript_data(transcript: Transcript, interactions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The transcript grouped by turn (a turn starts with the client's turn/start or exec/run); each turn
    links the interactions whose last user words are its input, taken in order."""
    turns: list[dict[str, Any]] = [
        {"number": 0, "title": "Session set-up", "input": None, "lines": [], "interactions": []}
    ]
    pending: dict[Any, str] = {}  # request id -> method, to name responses
    for number, line in enumerate(transcript.lines):
        entry = line_data(number, line, pending)
        if entry["kind"] == "request" and entry["method"] in _START_METHODS:
            words = _input_words(line.message.get("params") or {})
            turn = {
                "number": len(turns),
                "title": f"Turn {len(turns)}",
                "input": words,
                "lines": [],
                "interactions": [],
            }
            turns.append(turn)
        turns[-1]["lines"].append(entry)
    _link(turns, interactions)
    _link_items(turns, interactions)
    if not turns[0]["lines"]:
        turns.pop(0)
    return {"name": name, "turns": turns, "lines": len(transcript.lines)}


def line_data(number: int, line: Line, pending: dict[Any, str]) -> dict[str, Any]:
    message = line.message
    method = message.get("method")
    has_id = "id" in message
    if method and has_id:
        kind = "request" if line.direction == "C->S" else "server-request"
        pending[(line.direction, message["id"])] = str(method)
    elif method:
        kind = "notification"
    else:
        kind = "response" if line.direction == "S->C" else "answer"
        other = "C->S" if line.direction == "S->C" else "S->C"
        method = pending.get((other, message.get("id")))
    return {
        "n": number,
        "direction": line.direction,
        "kind": kind,
        "method": method,
        "id": message.get("id"),
        "error": "error" in message,
        "approval": bool(method and str(method).endswith("requestApproval")),
        "message": message,
    }


def _input_words(params: dict[str, Any]) -> str | None:
    parts = params.get("input") or []
    words = "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    return words or None


def _link_items(turns: list[dict[str, Any]], interactions: list[dict[str, Any]]) -> None:
    """A message about an item (item/started, deltas, item/completed, approvals) names the interaction whose
    response carried that item: the server keeps the provider's item id or call id as its item id."""
    source: dict[str, int] = {}
    for interaction in interactions:
        for item_id in interaction["item_ids"]:
            source.setdefault(item_id, interaction["index"])
    for turn in turns:
        for line in turn["lines"]:
            params = line["message"].get("params")
            if not isinstance(params, dict):
                continue
            raw = params.get("item")
            item: dict[str, Any] = raw if isinstance(raw, dict) else {}
            for key in (item.get("id"), params.get("itemId"), params.get("callId")):
                if isinstance(key, str) and key in source:
                    line["interaction"] = source[key]
                    break


def _link(turns: list[dict[str, Any]], interactions: list[dict[str, Any]]) -> None:
    """Walk interactions and turns together: an interaction belongs to the first turn (from the current one
    on) whose input is its last user words; one that matches none stays with the current turn."""
    current = 0
    for interaction in interactions:
        words = (interaction["request"] or {}).get("last_user")
        for k in range(current, len(turns)):
            if turns[k]["input"] is not None and turns[k]["input"] == words:
                current = k
                break
        if current == 0 and len(turns) > 1:
            current = 1  # requests come from turns, never from the set-up
        turns[current]["interactions"].append(interaction["index"])
        interaction["turn"] = current
