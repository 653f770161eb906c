"""Sans-IO Server-Sent Events: encode events to bytes, decode bytes back to events.

No sockets here, so both directions are unit-testable; the decoder follows the WHATWG rules the
`openai` SDK and codex use (fields split on the first colon, one optional space, CRLF or LF).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_EOL = re.compile(r"\r\n|\r|\n")


def encode_event(event: dict[str, Any]) -> bytes:
    """Frame one event as the real service does: an `event:` line, a one-line `data:` JSON, a blank line."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event.get('type', 'message')}\ndata: {data}\n\n".encode()


def encode_raw(event_type: str | None, data: str) -> bytes:
    """Frame arbitrary (possibly invalid) data text, for fault injection."""
    head = f"event: {event_type}\n" if event_type else ""
    return f"{head}data: {data}\n\n".encode()


@dataclass(slots=True)
class ServerSentEvent:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass(slots=True)
class SSEDecoder:
    """Incremental decoder: `feed()` bytes as they arrive, get complete events back."""

    _buffer: str = ""
    _event: str | None = None
    _data: list[str] = field(default_factory=list)
    _pending: bytes = b""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        # Keep an incomplete UTF-8 sequence for the next chunk instead of failing on a split.
        raw = self._pending + chunk
        text = raw.decode("utf-8", errors="ignore")
        cut = len(text.encode())
        self._pending = raw[cut:]
        self._buffer += text
        return list(self._drain())

    def _drain(self) -> Iterator[ServerSentEvent]:
        while True:
            idx = self._line_end()
            if idx is None:
                return
            line, self._buffer = self._buffer[: idx[0]], self._buffer[idx[1] :]
            event = self._line(line)
            if event is not None:
                yield event

    def _line_end(self) -> tuple[int, int] | None:
        match = _EOL.search(self._buffer)
        if match is None:
            return None
        if match.group() == "\r" and match.end() == len(self._buffer):
            return None  # a lone CR at the end may be the first half of CRLF
        return match.start(), match.end()

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data and self._event is None:
            return None
        event = ServerSentEvent(self._event, "\n".join(self._data))
        self._event, self._data = None, []
        return event


def decode_all(body: bytes) -> list[ServerSentEvent]:
    """Decode a whole body (a trailing event without its blank line is dropped, as clients do)."""
    return SSEDecoder().feed(body)
