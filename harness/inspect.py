"""Read-only views of cassettes: verify, show (timeline), diff, lint (SDK event models and ordering)."""

from __future__ import annotations

import difflib
import itertools
import json
from pathlib import Path
from typing import Any

import yaml

from mockprovider.cassette import Cassette, Interaction
from mockprovider.matching import MatchConfig, match_key
from reelkit_common.sse import decode_all

from . import integrity
from .redact import Redactor
from .session import golden_path, scenario_of
from .transcript import Transcript
from .vault import recover

_TERMINAL = {"response.completed", "response.failed", "response.incomplete"}


def events_of(item: Interaction) -> list[dict[str, Any]]:
    if "text/event-stream" not in (item.header("content-type") or ""):
        return []
    out = []
    for sse in decode_all(item.body):
        try:
            out.append(json.loads(sse.data))
        except json.JSONDecodeError:
            out.append({"type": "<malformed>", "data": sse.data[:80]})
    return out


def verify(path: Path, redactor: Redactor) -> list[str]:
    """Problems that make a cassette unusable: unreadable, cut or edited, leaking, and for a session
    cassette (one with a scenario or a golden) no scenario, no or broken golden."""
    recover(path)  # a commit killed half way is finished first: verify sees what the next reader will
    cassette = Cassette.load(path)  # an unreadable file is a CassetteError: one `Error:` line from the CLI
    try:
        problems = [f"{path}: {p}" for p in integrity.problems(_parse(path), cassette)]
        golden = golden_path(path)
        if "scenario" in cassette.metadata or golden.exists():
            scenario_of(cassette)
    except ValueError as exc:
        return [str(exc)]
    problems += [f"{path}: {leak}" for leak in redactor.leaks(path.read_text(encoding="utf-8"))]
    if "scenario" in cassette.metadata and not golden.exists():
        problems.append(f"{path}: no golden transcript {golden.name}")
    elif golden.exists():
        try:
            Transcript.load(golden)
        except ValueError as exc:
            problems.append(str(exc))
    for index, item in enumerate(cassette.interactions):
        if item.chunks is not None and b"".join(c.data for c in item.chunks) != item.body:
            problems.append(f"{path}: interaction #{index}: chunks do not add up to the body")
        # What a replay hands back (chunks joined, deltas accumulated, base64 decoded), not just the file's text.
        problems += [f"{path}: interaction #{index}: {leak}" for leak in redactor.interaction_leaks(item)]
    return problems


def _parse(path: Path) -> Any:
    # libyaml when present: verify reads each file twice (raw structure and the loaded cassette).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text("utf-8"), Loader=loader)


def timeline(path: Path) -> list[str]:
    """One line per interaction: request, status, chunks, time to first byte, longest gap, usage."""
    cassette = Cassette.load(path)
    meta = cassette.metadata
    lines = [f"{path.name}: {len(cassette.interactions)} interaction(s), recorded {meta.get('recorded_at', '?')}, "
             f"{'synthetic' if meta.get('synthetic') else 'real'} upstream {meta.get('upstream', '?')}"]  # fmt: skip
    for index, item in enumerate(cassette.interactions):
        offsets = [c.offset_ms for c in item.chunks or []]
        gaps = [b - a for a, b in itertools.pairwise(offsets)]
        events = events_of(item)
        terminal: dict[str, Any] = next((e for e in reversed(events) if e.get("type") in _TERMINAL), {})
        usage = (terminal.get("response") or {}).get("usage") or {}
        lines.append(
            f"  #{index} {item.method} {item.uri.split('/v1', 1)[-1]} -> {item.status}"
            f" | {len(item.chunks or [])} chunks, {len(events)} events, ttfb {offsets[0] if offsets else 0:.1f} ms,"
            f" longest gap {max(gaps, default=0):.1f} ms | {terminal.get('type', item.ending)}"
            f" | tokens in {usage.get('input_tokens', '-')} out {usage.get('output_tokens', '-')}"
        )
    return lines


def semantic_diff(a: Path, b: Path) -> list[str]:
    """Differences that matter: normalised requests and the event types of each response."""
    if a.suffix == ".jsonl":
        from .transcript import diff

        return diff(Transcript.load(a), Transcript.load(b), (str(a), str(b)))
    return list(difflib.unified_diff(_summary(a), _summary(b), str(a), str(b), lineterm=""))


def _summary(path: Path) -> list[str]:
    lines = []
    for index, item in enumerate(Cassette.load(path).interactions):
        lines.append(f"#{index} request {match_key(item.method, item.uri, item.request_body, MatchConfig())}")
        lines.append(f"#{index} response {item.status} {[e.get('type') for e in events_of(item)]}")
    return lines


def lint(path: Path) -> list[str]:
    """Each streamed event must parse with the openai SDK's strict models and follow the ordering rules."""
    from pydantic import ValidationError

    cassette = Cassette.load(path)  # first: a broken file is reported before the SDK's models are imported
    models = _sdk_event_models()
    problems = integrity.problems(_parse(path), cassette)
    for index, item in enumerate(cassette.interactions):
        events = events_of(item)
        problems += [f"#{index}: {p}" for p in _ordering(events)]
        for event in events:
            model = models.get(str(event.get("type")))
            if model is None:
                continue  # malformed on purpose, or an event the SDK does not model (codex.rate_limits)
            try:
                model.model_validate(event)
            except ValidationError as exc:
                problems.append(f"#{index}: {event.get('type')}: {_describe(exc)}")
    return problems


def _sdk_event_models() -> dict[str, Any]:
    """The openai SDK's stream event classes by their `type` literal."""
    import typing

    from openai.types.responses import ResponseStreamEvent

    union = typing.get_args(ResponseStreamEvent)[0]
    return {typing.get_args(cls.model_fields["type"].annotation)[0]: cls for cls in typing.get_args(union)}


def _describe(exc: Any) -> str:
    first = exc.errors()[0]
    loc = ".".join(map(str, first["loc"]))
    if loc == "response.error.code":
        # The real service sends codes (context_length_exceeded, insufficient_quota, ...) the SDK's literal omits.
        code = first["input"]
        return f"warning: error code {code!r} is outside the openai SDK's literal list (strict clients reject it)"
    return f"{first['msg']} at {loc}"


def _ordering(events: list[dict[str, Any]]) -> list[str]:
    if not events:
        return []
    problems = []
    if events[0].get("type") != "response.created":
        problems.append("the first event is not response.created")
    seqs = [int(e["sequence_number"]) for e in events if isinstance(e.get("sequence_number"), int)]
    if any(b <= a for a, b in itertools.pairwise(seqs)):
        problems.append("sequence_number is not strictly increasing")
    added: set[int] = set()
    for event in events:
        kind, index = event.get("type", ""), event.get("output_index")
        if kind == "response.output_item.added" and isinstance(index, int):
            added.add(index)
        elif kind.endswith(".delta") and index is not None and index not in added:
            problems.append(f"{kind} for output_index {index} before its output_item.added")
    ends = [e.get("type") for e in events if e.get("type") in _TERMINAL]
    if len(ends) > 1:
        problems.append(f"more than one terminal event: {ends}")
    return problems
