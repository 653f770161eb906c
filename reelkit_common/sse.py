"""Sans-IO Server-Sent Events: encode events to bytes, and decode bytes as they arrive into events.

Decoding follows the WHATWG rules the `openai` SDK and codex use (fields split on the first colon, one
optional space, CR/LF/CRLF line ends, an event dispatched on a blank line). It works on bytes and in
linear time: each fed chunk is scanned once for line ends and a line is decoded only when complete, so a
25 MB body costs what reading it costs, and a UTF-8 character split across chunks needs no special care
(CR and LF never occur inside a multi-byte sequence).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SSEDecoder", "ServerSentEvent", "decode_all", "encode_event", "encode_raw"]

_EOL = re.compile(rb"\r\n|\r|\n")


@dataclass(slots=True)
class ServerSentEvent:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass(slots=True)
class SSEDecoder:
    """Incremental decoder: `feed()` bytes as they arrive, get complete events back."""

    _partial: list[bytes] = field(default_factory=list)  # the current line's pieces so far (joined once)
    _skip_lf: bool = False  # the last chunk ended in CR: an LF opening the next one is the rest of a CRLF
    _event: str | None = None
    _data: list[str] = field(default_factory=list)

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if not chunk:
            return []
        out: list[ServerSentEvent] = []
        start = 1 if self._skip_lf and chunk[:1] == b"\n" else 0
        self._skip_lf = False
        if b"\r" not in chunk:  # the usual framing: `split` finds LFs at memchr speed, the regex tries every byte
            *lines, rest = chunk[start:].split(b"\n")
            for piece in lines:
                self._complete(piece, out)
            if rest:
                self._partial.append(rest)
            return out
        for match in _EOL.finditer(chunk, start):
            self._complete(chunk[start : match.start()], out)
            start = match.end()
            self._skip_lf = match.group() == b"\r" and start == len(chunk)
        if start < len(chunk):
            self._partial.append(chunk[start:])
        return out

    def _complete(self, piece: bytes, out: list[ServerSentEvent]) -> None:
        """A line whose end was just seen: join it with the pieces of earlier chunks and decode it."""
        if self._partial:
            self._partial.append(piece)
            piece = b"".join(self._partial)
            self._partial.clear()
        event = self._line(piece.decode("utf-8", errors="replace"))
        if event is not None:
            out.append(event)

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


def encode_event(event: dict[str, Any]) -> bytes:
    """Frame one event as the real service does: an `event:` line, a one-line `data:` JSON, a blank line."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event.get('type', 'message')}\ndata: {data}\n\n".encode()


def encode_raw(event_type: str | None, data: str) -> bytes:
    """Frame arbitrary (possibly invalid) data text, for fault injection."""
    head = f"event: {event_type}\n" if event_type else ""
    return f"{head}data: {data}\n\n".encode()
