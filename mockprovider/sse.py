"""The SSE codec lives in `reelkit_common.sse` (shared with the app-server); re-exported for this package."""

from __future__ import annotations

from reelkit_common.sse import ServerSentEvent, SSEDecoder, decode_all, encode_event, encode_raw

__all__ = ["SSEDecoder", "ServerSentEvent", "decode_all", "encode_event", "encode_raw"]
