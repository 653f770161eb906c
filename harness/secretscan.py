"""Find secrets in what a replay would hand back, as byte ranges of the reassembled stream.

A key can hide from a per-chunk or per-event scan in many ways: split across HTTP chunks, streamed in
small `*.delta` pieces, written with JSON escapes, or base64-encoded. So the scan works on *views* of the
whole stream: the raw bytes joined across chunks, each JSON string literal decoded, the text accumulated
from each stream of deltas, and base64 runs inside any of those decoded. Every character of a view knows
the bytes it came from, so a find maps back to the exact byte ranges to remove, however it was split.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# A finder returns (start, end, kind) character ranges of a text.
Finder = Callable[[str], list[tuple[int, int, str]]]

_EOL = re.compile(r"\r\n|\r|\n")
# The body of a JSON string, as an unrolled loop (runs of plain characters, then one escape): Python's
# regex engine takes a character class run far faster than an alternation tried at every character.
_STRING = r'"([^"\\\r\n]*(?:\\.[^"\\\r\n]*)*)"'
_LITERAL = re.compile(_STRING)
_DELTA = re.compile(r'"delta"\s*:\s*' + _STRING)
_BASE64 = re.compile(r"[A-Za-z0-9+/_\-]{16,}={0,2}")
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Hit:
    """Bytes [start, end) of the stream to remove; `lead` marks the piece that keeps the REDACTED marker."""

    start: int
    end: int
    kind: str
    lead: bool = True


@dataclass(slots=True)
class View:
    """Decoded text whose character i came from stream bytes [starts[i], ends[i])."""

    text: str
    starts: list[int]
    ends: list[int]

    def hits(self, spans: list[tuple[int, int, str]]) -> Iterator[Hit]:
        for start, end, kind in spans:
            yield from _pieces(self, start, end, kind)


def _pieces(view: View, start: int, end: int, kind: str) -> Iterator[Hit]:
    """One hit per contiguous run of bytes (a delta-accumulated find maps to one run per delta)."""
    lead, run_start, run_end = True, view.starts[start], view.ends[start]
    for i in range(start + 1, end):
        if view.starts[i] != run_end:
            yield Hit(run_start, run_end, kind, lead)
            lead, run_start = False, view.starts[i]
        run_end = view.ends[i]
    yield Hit(run_start, run_end, kind, lead)


def literal_view(raw: str, offset: int) -> View:
    """Decode the inside of a JSON string literal (`raw` is latin-1 text of its bytes, at `offset`).

    Runs without escapes are mapped in bulk; only escapes and non-ASCII characters go one by one.
    """
    if "\\" not in raw:
        return _plain_view(raw, offset)
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for match in _ESCAPE.finditer(raw):
        if match.start() < pos:
            continue  # the low half of a surrogate pair, taken with its high half
        if match.start() > pos:
            plain = _plain_view(raw[pos : match.start()], offset + pos)
            parts.append(plain.text)
            starts += plain.starts
            ends += plain.ends
        ch, width = _one_char(raw, match.start())
        parts.append(ch)
        starts.append(offset + match.start())
        ends.append(offset + match.start() + width)
        pos = match.start() + width
    if pos < len(raw):
        plain = _plain_view(raw[pos:], offset + pos)
        parts.append(plain.text)
        starts += plain.starts
        ends += plain.ends
    return View("".join(parts), starts, ends)


def _plain_view(raw: str, offset: int) -> View:
    if raw.isascii():
        return View(raw, list(range(offset, offset + len(raw))), list(range(offset + 1, offset + len(raw) + 1)))
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(raw):
        ch, width = _one_char(raw, i)
        chars.append(ch)
        starts.append(offset + i)
        ends.append(offset + i + width)
        i += width
    return View("".join(chars), starts, ends)


def _one_char(raw: str, i: int) -> tuple[str, int]:
    ch = raw[i]
    if ch == "\\" and i + 1 < len(raw):
        nxt = raw[i + 1]
        if nxt == "u" and i + 6 <= len(raw):
            try:
                code = int(raw[i + 2 : i + 6], 16)
            except ValueError:
                return ch, 1
            low = raw[i + 8 : i + 12] if raw[i + 6 : i + 8] == "\\u" else ""
            if 0xD800 <= code < 0xDC00 and len(low) == 4 and _is_hex(low) and 0xDC00 <= int(low, 16) < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)), 12
            return chr(code), 6
        return _ESCAPES.get(nxt, nxt), 2
    lead = ord(ch)
    width = (
        1
        if lead < 0x80
        else 2
        if lead >> 5 == 0b110
        else 3
        if lead >> 4 == 0b1110
        else 4
        if lead >> 3 == 0b11110
        else 1
    )
    try:
        return raw[i : i + width].encode("latin-1").decode("utf-8"), width
    except UnicodeDecodeError:
        return ch, 1


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def base64_finder(inner: Finder) -> Finder:
    """Flag a base64 run whose decoded bytes hold a secret (any of the four alignments)."""

    def find(text: str) -> list[tuple[int, int, str]]:
        out = []
        for match in _BASE64.finditer(text):
            kinds = _decoded_kinds(match.group(), inner)
            if kinds:
                out.append((match.start(), match.end(), f"base64 of {kinds[0]}"))
        return out

    return find


def _decoded_kinds(run: str, inner: Finder) -> list[str]:
    body = run.rstrip("=")
    for skip in range(4):
        part = body[skip:]
        part = part[: len(part) - len(part) % 4 if len(part) % 4 != 1 else len(part) - 1]
        for alt in (b"+/", b"-_"):
            try:
                plain = base64.b64decode(part + "=" * (-len(part) % 4), altchars=alt)
            except (binascii.Error, ValueError):
                continue
            found = inner(plain.decode("latin-1"))
            if found:
                return [kind for _, _, kind in found]
    return []


def stream_hits(data: bytes, raw_find: Finder, text_find: Finder) -> list[Hit]:
    """Every secret in `data`: raw bytes (latin-1, so bytes and characters line up), JSON strings, deltas."""
    raw = data.decode("latin-1")
    hits = [Hit(s, e, kind) for s, e, kind in raw_find(raw)]
    for match in _LITERAL.finditer(raw):
        if "\\" in match.group(1) or not match.group(1).isascii():  # a plain literal is the raw view already
            view = literal_view(match.group(1), match.start(1))
            hits += view.hits(text_find(view.text))
    for view in delta_views(raw):
        hits += view.hits(text_find(view.text))
    return hits


def delta_views(raw: str) -> Iterator[View]:
    """The text each stream of `*.delta` events adds up to (per item, content part and event type)."""
    streams: dict[tuple[object, ...], tuple[list[str], list[int], list[int]]] = {}
    for kind, key, start, end in _delta_events(raw):
        piece = literal_view(raw[start:end], start)
        texts, starts, ends = streams.setdefault((kind, *key), ([], [], []))
        texts.append(piece.text)  # joined once at the end: += on a growing str would copy it per delta
        starts += piece.starts
        ends += piece.ends
    for texts, starts, ends in streams.values():
        yield View("".join(texts), starts, ends)


def _delta_events(raw: str) -> Iterator[tuple[str, tuple[object, ...], int, int]]:
    for data, lines in _sse_events(raw):
        try:
            event = json.loads(data.encode("latin-1"))
        except ValueError:
            continue
        if not isinstance(event, dict) or not str(event.get("type", "")).endswith(".delta"):
            continue
        if not isinstance(event.get("delta"), str):
            continue
        key = tuple(str(event.get(k)) for k in ("item_id", "output_index", "content_index", "summary_index"))
        for line_start, line_end in lines:
            match = _DELTA.search(raw, line_start, line_end)
            if match is not None:
                yield str(event["type"]), key, match.start(1), match.end(1)
                break


def _sse_events(raw: str) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """(data, [(start, end) of each data line's value]) for each complete SSE event."""
    values: list[str] = []
    lines: list[tuple[int, int]] = []
    pos = 0
    for match in _EOL.finditer(raw):
        line_start, line_end, pos = pos, match.start(), match.end()
        if line_start == line_end:
            if values:
                yield "\n".join(values), lines
            values, lines = [], []
        elif raw.startswith("data:", line_start):
            value_start = line_start + 5 + (raw[line_start + 5 : line_start + 6] == " ")
            values.append(raw[value_start:line_end])
            lines.append((value_start, line_end))
