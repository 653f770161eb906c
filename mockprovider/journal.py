"""The request journal: every request the mock saw, with helpers to assert on what a client sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from yarl import URL

# Header names whose values never leave the process (journal, admin API, logs).
SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie", "set-cookie",
     "proxy-authorization", "chatgpt-account-id"}
)  # fmt: skip


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] + " " if " " in value else ""
            value = f"{scheme}<redacted>"
        out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class CapturedRequest:
    """One journaled request. `step` is the index of the script step that answered it (None: none did)."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int
    step: int | None
    elapsed_ms: float
    error: str | None = None
    label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def input(self) -> list[dict[str, Any]]:
        items = self.body.get("input") if isinstance(self.body, dict) else None
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def inputs_of_type(self, item_type: str) -> list[dict[str, Any]]:
        return [i for i in self.input() if i.get("type") == item_type]

    def message_input_texts(self, role: str) -> list[str]:
        texts = []
        for item in self.input():
            if item.get("type", "message") == "message" and item.get("role") == role:
                content = item.get("content")
                if isinstance(content, str):
                    texts.append(content)
                elif isinstance(content, list):
                    texts.extend(p.get("text", "") for p in content if isinstance(p, dict) and "text" in p)
        return texts

    def call_output(self, call_id: str, item_type: str = "function_call_output") -> dict[str, Any] | None:
        return next((i for i in self.inputs_of_type(item_type) if i.get("call_id") == call_id), None)

    def function_call_output(self, call_id: str) -> dict[str, Any] | None:
        return self.call_output(call_id, "function_call_output")

    def custom_tool_call_output(self, call_id: str) -> dict[str, Any] | None:
        return self.call_output(call_id, "custom_tool_call_output")

    def tool_names(self) -> list[str]:
        tools = self.body.get("tools") if isinstance(self.body, dict) else None
        return [str(t.get("name", t.get("type"))) for t in tools or [] if isinstance(t, dict)]


_CALLS = {"function_call": "function_call_output", "custom_tool_call": "custom_tool_call_output",
          "local_shell_call": "function_call_output", "tool_search_call": "tool_search_output"}  # fmt: skip
_OUTPUTS = {"function_call_output", "custom_tool_call_output", "tool_search_output"}


def body_problems(body: Any) -> list[str]:
    """What a Responses request violates: required fields, and every call paired with its output."""
    if not isinstance(body, Mapping):
        return ["the body must be a JSON object"]
    problems = [f"missing required parameter '{k}'" for k in ("model", "input") if k not in body]
    items = body.get("input")
    if isinstance(items, list):
        problems.extend(_pairing_problems([i for i in items if isinstance(i, Mapping)]))
    return problems


def _pairing_problems(items: list[Mapping[str, Any]]) -> list[str]:
    calls = {i.get("call_id"): i.get("type") for i in items if i.get("type") in _CALLS}
    outputs = {i.get("call_id") for i in items if i.get("type") in _OUTPUTS}
    problems = [f"{t} with call_id {c!r} has no output" for c, t in calls.items() if c not in outputs]
    for item in items:
        if item.get("type") in _OUTPUTS and item.get("execution") != "server":
            call_id = item.get("call_id")
            if not call_id:
                problems.append(f"{item['type']} without a call_id")
            elif call_id not in calls:
                problems.append(f"{item['type']} for call_id {call_id!r} has no matching call")
    return problems


# What the hot path keeps of a request; turned into a CapturedRequest when the journal is read.
# (index, method, path, url, headers, body, raw body to parse when body is UNPARSED, status, step, elapsed_ms,
# error, label)
Capture = tuple[int, str, str, URL, Mapping[str, str], Any, bytes, int, "int | None", float, "str | None", "str | None"]
UNPARSED = object()  # the body is parsed from the raw bytes only if someone reads the entry


def _entry(capture: Capture) -> CapturedRequest:
    index, method, path, url, headers, body, raw, status, step, elapsed_ms, error, label = capture
    if body is UNPARSED:
        body = json.loads(raw)
    return CapturedRequest(index, method, path, dict(url.query), redact_headers(headers.items()), body, status, step,
                           round(elapsed_ms, 3), error, label)  # fmt: skip


@dataclass(slots=True)
class Journal:
    """Append-only list of captured requests, with an event so waiters need not poll.

    Requests are captured as plain tuples (redaction, query parsing and JSON decoding wait until the entries
    are read), which keeps journaling off the mock's hot path under load. Reading never changes the list of
    captures, so a test thread may read while the server's thread appends (ThreadedMockProvider).
    """

    max_entries: int = 0  # 0 = keep everything; load tests bound it so memory stays flat
    total: int = 0  # requests seen, including entries dropped by max_entries
    _items: list[Capture] = field(default_factory=list)
    _built: dict[int, CapturedRequest] = field(default_factory=dict)  # entries already built, by index
    _changed: asyncio.Condition | None = None

    @property
    def entries(self) -> list[CapturedRequest]:
        """The journal as entries (a new list each time; each entry is built once)."""
        captures = list(self._items)  # a snapshot: appends and trims may happen meanwhile
        built = self._built
        entries = [built.get(c[0]) or built.setdefault(c[0], _entry(c)) for c in captures]
        if len(built) > 2 * len(entries) + 64:  # trimmed captures leave entries behind
            self._built = {e.index: e for e in entries}
        return entries

    def add(self, capture: Capture) -> None:
        self.total += 1
        items = self._items
        items.append(capture)
        if self.max_entries and len(items) > self.max_entries:
            del items[: len(items) - self.max_entries]
        if self._changed is not None:
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[CapturedRequest]:
        """Wait (bounded) until at least `count` requests have been journaled."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.total >= count)
        return list(self.entries)

    def clear(self) -> None:
        self._items.clear()
        self._built = {}

    def dump(self) -> str:
        return json.dumps([e.to_json() for e in self.entries], indent=2)
