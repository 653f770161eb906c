"""A mock LLM provider (OpenAI Responses and Chat Completions, Anthropic Messages) that streams SSE exactly as
each real service does.

The names below are imported on first use (PEP 562): `from mockprovider.cassette import Cassette`, as the
pytest plugin does for every replayed test, then costs the cassette module alone, not the aiohttp app
(about 0.15 s of imports).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import ProviderConfig, create_app
    from .faults import FaultError, RecordingFault
    from .journal import CapturedRequest, body_problems
    from .provider import MockProvider, ThreadedMockProvider
    from .script import Script, ScriptError, Step, parse_step
    from .sse import SSEDecoder, decode_all, encode_event

_HOME = {
    "ProviderConfig": "app",
    "create_app": "app",
    "FaultError": "faults",
    "RecordingFault": "faults",
    "CapturedRequest": "journal",
    "body_problems": "journal",
    "MockProvider": "provider",
    "ThreadedMockProvider": "provider",
    "Script": "script",
    "ScriptError": "script",
    "Step": "script",
    "parse_step": "script",
    "SSEDecoder": "sse",
    "decode_all": "sse",
    "encode_event": "sse",
}

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


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
