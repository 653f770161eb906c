"""Sans-IO Server-Sent Events decoding: feed bytes as they arrive, get complete events back.

Follows the WHATWG rules the `openai` SDK and codex use (fields split on the first colon, one
optional space, CR/LF/CRLF line ends, an event dispatched on a blank line). No sockets here, so it
is unit-testable and shared by the model client and the mock provider's tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_EOL = re.compile(r"\r\n|\r|\n")


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
