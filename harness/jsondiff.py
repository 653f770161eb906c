"""A semantic diff by JSON path: one line per changed value, `interactions[1].request.body.input[3].output:
"ok" -> "declined"`, so a two-field change reads as two lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mockprovider.cassette import Cassette
from mockprovider.matching import MatchConfig, normalise_body

from .inspect import events_of
from .transcript import Transcript

_MISSING = object()


def paths_diff(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in [*a, *(k for k in b if k not in a)]:
            out += paths_diff(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}.{key}" if path else str(key))
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else _MISSING
            right = b[index] if index < len(b) else _MISSING
            out += paths_diff(left, right, f"{path}[{index}]")
        return out
    if a == b:
        return []
    return [f"{path}: {_show(a)} -> {_show(b)}"]


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _body(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


# What differs between any two recordings of the same session: ids, clocks, cache keys, scratch paths.
_VOLATILE = ("id", "created_at", "completed_at", "item_id", "response_id", "prompt_cache_key", "call_id")
_CONFIG = MatchConfig()
_ANSWER = MatchConfig(ignore=tuple(f"{'*.' * depth}{key}" for depth in range(6) for key in _VOLATILE))


def cassette_view(path: Path) -> dict[str, Any]:
    """What matters in a cassette: each request (method, path, normalised body) and each response's
    status and events (SSE) or parsed body, ids and clocks left out; transfer details (headers, timing,
    chunking) left out too."""
    items = []
    for item in Cassette.load(path).interactions:
        events = events_of(item)
        answer = normalise_body(events if events else _body(item.body.decode("utf-8", "replace")), _ANSWER)
        body = normalise_body(_body(item.request_body), _CONFIG)
        request = {"method": item.method, "path": item.uri.split("/v1", 1)[-1], "body": body}
        items.append({"request": request, "response": {"status": item.status, "body": answer}})
    return {"interactions": items}


def transcript_view(path: Path) -> dict[str, Any]:
    return {"lines": [{"direction": line.direction, **line.message} for line in Transcript.load(path).lines]}


def semantic_diff(a: Path, b: Path) -> list[str]:
    kinds = {p.suffix == ".jsonl" for p in (a, b)}
    if len(kinds) > 1:
        raise ValueError(
            f"cannot compare {a.name} with {b.name}: give two cassettes (.yaml) or two transcripts (.jsonl)"
        )
    view = transcript_view if a.suffix == ".jsonl" else cassette_view
    return paths_diff(view(a), view(b))
