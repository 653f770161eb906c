"""Sans-IO Server-Sent Events: encode events to bytes; decoding is shared with the server's model client."""

from __future__ import annotations

import json
from typing import Any

from server.agent.sse import ServerSentEvent, SSEDecoder

__all__ = ["SSEDecoder", "ServerSentEvent", "decode_all", "encode_event", "encode_raw"]


def encode_event(event: dict[str, Any]) -> bytes:
    """Frame one event as the real service does: an `event:` line, a one-line `data:` JSON, a blank line."""
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event.get('type', 'message')}\ndata: {data}\n\n".encode()


def encode_raw(event_type: str | None, data: str) -> bytes:
    """Frame arbitrary (possibly invalid) data text, for fault injection."""
    head = f"event: {event_type}\n" if event_type else ""
    return f"{head}data: {data}\n\n".encode()


def decode_all(body: bytes) -> list[ServerSentEvent]:
    """Decode a whole body (a trailing event without its blank line is dropped, as clients do)."""
    return SSEDecoder().feed(body)
