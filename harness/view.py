"""`harness view`: one self-contained HTML page (styles, script and data inline; no network) showing
cassettes, their golden transcripts, and diffs of two recordings or of a golden and a replay.

The page is built from the same data as `harness show --json` (harness.view_data), embedded once as
JSON; the script renders each interaction only when it scrolls near the screen, so a 1,000-interaction
cassette opens as fast as a small one. DOM contract for tools and tests: each chunk mark has
`data-offset-ms`, each marked difference `data-diff` (its JSON path) inside a unit with `data-unit`.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockprovider.cassette import Cassette, Interaction
from mockprovider.matching import MatchConfig, api_path, match_key, normalise_body
from mockprovider.sse import decode_all
from reelkit_common.fsutil import atomic_write

from . import semdiff
from .transcript import Transcript
from .view_data import SCHEMA, cassette_data

if TYPE_CHECKING:
    from .session import ReplayResult

# Values that differ between any two recordings of the same exchange: left out of the semantic diff.
_VOLATILE_KEYS = frozenset({"id", "item_id", "created_at", "prompt_cache_key", "chunk", "offset_ms"})


def show_json(paths: Iterable[Path]) -> str:
    """`harness show --json`: every cassette's data in one JSON document."""
    return json.dumps({"schema": SCHEMA, "cassettes": [cassette_data(p) for p in paths]}, ensure_ascii=False)


def diff_data(a: Path, b: Path, *, title: str | None = None) -> dict[str, Any]:
    """Two recordings (cassettes, or transcripts: .jsonl) aligned unit by unit, each pair's changed fields."""
    if a.suffix == ".jsonl":
        units = align(_transcript_units(Transcript.load(a)), _transcript_units(Transcript.load(b)))
        unit_name = "message"
    else:
        units = align(_cassette_units(Cassette.load(a)), _cassette_units(Cassette.load(b)))
        unit_name = "interaction"
    return diff_section(units, str(a), str(b), unit_name, title)


def diff_section(
    units: list[dict[str, Any]], a_name: str, b_name: str, unit_name: str, title: str | None = None
) -> dict[str, Any]:
    """A diff section of the page (also for a golden and a replay: `harness view` and the pytest report)."""
    return {
        "schema": SCHEMA,
        "kind": "diff",
        "name": title or f"{Path(a_name).name} ↔ {Path(b_name).name}",
        "a": a_name,
        "b": b_name,
        "unit": unit_name,
        "units": units,
        "changes": sum(len(u["changes"]) for u in units),
    }


def replay_sections(result: ReplayResult) -> list[dict[str, Any]]:
    """The page of a replay: the cassette with its golden, then the golden and the replay side by side."""
    golden = result.golden if result.golden is not None else Transcript()
    units = align(_transcript_units(golden), _transcript_units(result.transcript))
    name = result.cassette.with_suffix(".jsonl")
    section = diff_section(units, str(name), "replay", "message", f"golden {name.name} ↔ this replay")
    section["unplayed"] = list(result.unplayed)
    if result.golden is None:
        section["note"] = f"no golden transcript at {name}: every replayed message shows as added"
    return [cassette_data(result.cassette), section]


def write_replay_report(result: ReplayResult, out: Path) -> Path:
    return write_page(out, replay_sections(result), f"reelkit · replay of {result.cassette.name}")


Unit = tuple[str, str, Any]  # (label, alignment key, the semantic value compared)


def align(a: Sequence[Unit], b: Sequence[Unit]) -> list[dict[str, Any]]:
    """Pair units by their keys (an inserted unit shifts nothing); unpaired ones stand against an empty side."""
    matcher = difflib.SequenceMatcher(None, [u[1] for u in a], [u[1] for u in b], autojunk=False)
    out: list[dict[str, Any]] = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for left, right in zip_longest(a[i1:i2], b[j1:j2]):
            old = left[2] if left else semdiff.MISSING
            new = right[2] if right else semdiff.MISSING
            changes = semdiff.diff(old, new)
            unit: dict[str, Any] = {
                "a_label": left[0] if left else None,
                "b_label": right[0] if right else None,
                "changes": [_change(c) for c in changes],
            }
            if changes:  # the whole values only where a person will open them: equal units are one line
                unit.update(a=old if left else None, b=new if right else None)
            out.append(unit)
    return out


def _change(change: semdiff.Change) -> dict[str, Any]:
    def side(value: Any) -> Any:
        return None if value is semdiff.MISSING else value

    return {"path": change.path, "kind": change.kind, "old": side(change.old), "new": side(change.new)}


def _transcript_units(transcript: Transcript) -> list[Unit]:
    units = []
    for number, line in enumerate(transcript.lines, 1):
        message = line.message
        key = f"{line.direction} {message.get('method', '')} {'id' in message}"
        units.append((f"line {number}", key, {"direction": line.direction, **message}))
    return units


def _cassette_units(cassette: Cassette) -> list[Unit]:
    units = []
    config = MatchConfig()
    for index, item in enumerate(cassette.interactions):
        try:
            body: Any = normalise_body(json.loads(item.request_body or "null"), config)
        except json.JSONDecodeError:
            body = item.request_body
        events = _full_events(item)
        value = {
            "request": {"method": item.method, "path": api_path(item.uri), "body": body},
            "response": {"status": item.status, "ending": item.ending, "events": [_stable(e) for e in events]},
        }
        key = match_key(item.method, item.uri, item.request_body, config)
        units.append((f"#{index}", key, value))
    return units


def _full_events(item: Interaction) -> list[Any]:
    """Every event whole (a field that only a `.done` event or the final response carries counts too);
    a body that is not a stream is compared as its JSON, or its text."""
    if "text/event-stream" in (item.header("content-type") or ""):
        return [_json_or_text(sse.data) for sse in decode_all(item.body)]
    return [_json_or_text(item.body.decode("utf-8", "replace"))] if item.body else []


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE_KEYS}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


# The bulky part of an interaction: embedded in its own JSON block, parsed only when it is drawn.
DETAIL_KEYS = ("chunks", "events", "text", "reasoning", "tool_calls", "usage", "error", "body",
               "request_headers", "response_headers", "item_ids")  # fmt: skip
EARLY_DETAILS = 12  # more than a first screen shows
_PLACEHOLDER = re.compile(r"\{\{(TITLE|STYLE|SCRIPT|DATA|DETAILS|LATE_DETAILS)\}\}")


def render_page(sections: list[dict[str, Any]], title: str) -> str:
    """The HTML page: template, inline style and script, the sections' summaries as one JSON block, and
    each interaction's detail in a block of its own (a big cassette's first screen parses only the summary)."""
    assets = resources.files("harness") / "assets"
    template = (assets / "view.html").read_text(encoding="utf-8")
    summary, blocks = _split(sections)
    data = _script_json({"title": title, "sections": summary})
    blocks_html = [
        f'<script type="application/json" id="{key}">{_script_json(value)}</script>\n' for key, value in blocks
    ]
    # The first interactions' details come before the script, the rest after it: the script draws the
    # first screen while the parser is still reading the bulk of a big cassette.
    parts = {
        "TITLE": html.escape(title),
        "STYLE": (assets / "view.css").read_text(encoding="utf-8"),
        "SCRIPT": (assets / "view.js").read_text(encoding="utf-8"),
        "DATA": data,
        "DETAILS": "".join(blocks_html[:EARLY_DETAILS]),
        "LATE_DETAILS": "".join(blocks_html[EARLY_DETAILS:]),
    }
    # One pass: a placeholder-like text inside a title or the data is never expanded.
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], template)


def _split(sections: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    summary, blocks = [], []
    cassettes = 0
    for section in sections:
        if section.get("kind") != "cassette":
            summary.append(section)
            continue
        items = []
        for item in section["interactions"]:
            brief = {k: v for k, v in item.items() if k not in DETAIL_KEYS}
            brief["chunk_count"], brief["event_count"] = len(item["chunks"]), len(item["events"])
            items.append(brief)
            blocks.append((f"detail-c{cassettes}-i{item['index']}", {k: item[k] for k in DETAIL_KEYS if k in item}))
        summary.append({**section, "interactions": items})
        cassettes += 1
    return summary, blocks


def _script_json(value: Any) -> str:
    # `</` or `<!--` inside a script element would end or confuse it; `<` only occurs inside JSON strings,
    # where `<\/` and `\u003c` are valid escapes of the same text.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def write_page(out: Path, sections: list[dict[str, Any]], title: str) -> Path:
    atomic_write(out, render_page(sections, title))
    return out


def view_cassettes(paths: Sequence[Path], out: Path) -> Path:
    sections = [cassette_data(p) for p in paths]
    title = paths[0].name if len(paths) == 1 else f"{len(paths)} cassettes"
    return write_page(out, sections, f"reelkit · {title}")


def view_diff(a: Path, b: Path, out: Path) -> Path:
    return write_page(out, [diff_data(a, b)], f"reelkit · {a.name} ↔ {b.name}")
