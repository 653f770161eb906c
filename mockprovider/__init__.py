"""A mock LLM provider (OpenAI Responses and Chat Completions, Anthropic Messages) that streams SSE exactly as
each real service does."""

from .app import ProviderConfig, create_app
from .faults import FaultError, RecordingFault
from .journal import CapturedRequest, body_problems
from .provider import MockProvider, ThreadedMockProvider
from .script import Script, ScriptError, Step, parse_step
from .sse import SSEDecoder, decode_all, encode_event

__all__ = [
    "CapturedRequest",
    "FaultError",
    "MockProvider",
    "ProviderConfig",
    "RecordingFault",
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
