"""Match a live request to a recorded one: method, path and a normalised JSON body.

Normalising drops what legitimately changes between runs (ids, cache keys, client metadata) and
rewrites volatile text (dates, cwd, timings) to stable placeholders, so a replay matches a
recording made on another machine on another day. Both lists are configurable.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .cassette import Cassette, Interaction
from .script import Step, TimedChunk

# Dotted paths into the request body; `*` matches any list index or key.
DEFAULT_IGNORED: tuple[str, ...] = (
    "prompt_cache_key", "client_metadata", "metadata", "user", "safety_identifier",
    "input.*.id", "stream_options",
)  # fmt: skip
DEFAULT_SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    (r"<cwd>.*?</cwd>", "<cwd>CWD</cwd>"),
    (r"<current_date>.*?</current_date>", "<current_date>DATE</current_date>"),
    (r"<timezone>.*?</timezone>", "<timezone>TZ</timezone>"),
    (r"Wall time: [0-9.]+ seconds", "Wall time: T seconds"),
    (r"Chunk ID: [0-9a-f]+", "Chunk ID: ID"),
    (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID"),
    # Scratch directories differ on every run and machine (pytest tmp_path, mkdtemp, macOS /var/folders).
    (r"(?<![\w.])/(?:private/)?(?:tmp|var/folders)/[^\s\"'<>`)\]]*", "<TMP>"),
    # Recordings are scrubbed of keys, so scrub the live request the same way before comparing.
    (r"sk-[A-Za-z0-9][A-Za-z0-9_\-]{15,}", "REDACTED"),
    (r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", "REDACTED"),
)
# Response headers that describe the recorded transfer, not the content; the replay sets its own.
HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive", "date"})


@dataclass(frozen=True, slots=True)
class MatchConfig:
    ignore: tuple[str, ...] = DEFAULT_IGNORED
    substitutions: tuple[tuple[str, str], ...] = DEFAULT_SUBSTITUTIONS
    match_body: bool = True


def api_path(path_or_uri: str) -> str:
    """The path below the API root: `https://api.openai.com/v1/responses` and `/responses` both give `/responses`."""
    path = urlsplit(path_or_uri).path or "/"
    return path[3:] if path.startswith("/v1/") else path


def normalise_body(body: Any, config: MatchConfig) -> Any:
    patterns = [(re.compile(p, re.DOTALL), r) for p, r in config.substitutions]
    ignored = [p.split(".") for p in config.ignore]
    return _walk(body, [], ignored, patterns)


def _walk(value: Any, path: list[str], ignored: list[list[str]], patterns: list[tuple[re.Pattern[str], str]]) -> Any:
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if not _ignored([*path, k], ignored)}
        return {k: _walk(v, [*path, k], ignored, patterns) for k, v in kept.items()}
    if isinstance(value, list):
        return [_walk(v, [*path, str(i)], ignored, patterns) for i, v in enumerate(value)]
    if isinstance(value, str):
        for pattern, repl in patterns:
            value = pattern.sub(repl, value)
    return value


def _ignored(path: list[str], ignored: list[list[str]]) -> bool:
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path, strict=True)) for p in ignored)


def match_key(method: str, path: str, body_text: str | None, config: MatchConfig) -> str:
    body: Any = None
    if config.match_body and body_text:
        try:
            body = normalise_body(json.loads(body_text), config)
        except json.JSONDecodeError:
            body = body_text
    return json.dumps([method.upper(), api_path(path), body], sort_keys=True, indent=1)


def step_for(item: Interaction, label: str) -> Step:
    """Turn a recorded interaction into a step that replays its exact chunks and timing."""
    headers = {k: v[0] for k, v in item.response_headers.items() if v and k.lower() not in HOP_HEADERS}
    recorded = item.chunks if item.chunks is not None else None
    chunks = [TimedChunk(data=c.data.decode(), offset_ms=c.offset_ms) for c in recorded] if recorded else None
    if chunks is None:
        chunks = [TimedChunk(data=item.body.decode("utf-8", errors="replace"))]
    cut = len(chunks) if item.ending == "abort" else None
    return Step(chunks=chunks, status=item.status, headers=headers, label=label, disconnect_after=cut)


@dataclass(slots=True)
class CassetteResponder:
    """Answers each request with the next unplayed recorded interaction that has the same match key."""

    cassette: Cassette
    config: MatchConfig = field(default_factory=MatchConfig)
    played: list[int] = field(default_factory=list)
    _queues: dict[str, deque[int]] = field(default_factory=dict)
    _keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rewind()

    def rewind(self) -> None:
        queues: dict[str, deque[int]] = defaultdict(deque)
        self._keys = [match_key(i.method, i.uri, i.request_body, self.config) for i in self.cassette.interactions]
        for index, key in enumerate(self._keys):
            queues[key].append(index)
        self._queues, self.played = dict(queues), []

    def pick(self, method: str, path: str, body_text: str | None) -> tuple[int, Step] | str:
        """The recorded answer, or an explanation of the miss with a diff against the nearest recording."""
        key = match_key(method, path, body_text, self.config)
        queue = self._queues.get(key)
        if queue:
            index = queue.popleft()
            self.played.append(index)
            return index, step_for(self.cassette.interactions[index], f"{self.cassette.name}#{index}")
        return self._miss(key, method, path)

    @property
    def unplayed(self) -> list[int]:
        return [i for i in range(len(self.cassette.interactions)) if i not in set(self.played)]

    def _miss(self, key: str, method: str, path: str) -> str:
        head = f"cassette {self.cassette.name}: no unplayed recorded interaction matches {method} {path}"
        if not self._keys:
            return head + " (the cassette is empty)"
        ratios = [difflib.SequenceMatcher(None, key, k).ratio() for k in self._keys]
        nearest = max(range(len(ratios)), key=ratios.__getitem__)
        state = "already played" if nearest in self.played else "unplayed"
        diff = difflib.unified_diff(
            self._keys[nearest].splitlines(),
            key.splitlines(),
            f"recorded #{nearest} ({state})",
            "this request",
            n=2,
            lineterm="",
        )
        lines = _clip_changed(list(diff))
        more = f"\n... {len(lines) - 60} more diff lines" if len(lines) > 60 else ""
        return f"{head}; nearest is interaction #{nearest}:\n" + "\n".join(lines[:60]) + more


def _clip_changed(lines: list[str], width: int = 160) -> list[str]:
    """Shorten long -/+ line pairs to a window around their first difference, so the change is visible."""
    out = list(lines)
    for i in range(len(out) - 1):
        old, new = out[i], out[i + 1]
        if old.startswith("-") and new.startswith("+") and max(len(old), len(new)) > width:
            at = next((k for k, (a, b) in enumerate(zip(old[1:], new[1:], strict=False)) if a != b), 0)
            start = max(0, at - width // 3)
            out[i], out[i + 1] = (f"{s[0]}...{s[1 + start : 1 + start + width]}..." for s in (old, new))
    return [line if len(line) <= width * 2 else line[: width * 2] + "..." for line in out]
