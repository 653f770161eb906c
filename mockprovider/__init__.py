"""A mock OpenAI Responses API that streams SSE exactly as the real service does."""

from .app import ProviderConfig, create_app
from .journal import CapturedRequest, body_problems
from .provider import MockProvider, ThreadedMockProvider
from .script import Script, ScriptError, Step, parse_step
from .sse import SSEDecoder, decode_all, encode_event

__all__ = [
    "CapturedRequest",
    "MockProvider",
    "ProviderConfig",
    "SSEDecoder",
    "Script",
    "ScriptError",
    "Step",
    "ThreadedMockProvider",
    "body_problems",
    "create_app",
    "decode_all",
    "encode_event",
    "parse_step",
]
