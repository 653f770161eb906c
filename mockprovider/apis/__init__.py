"""The wire APIs the mock provider speaks besides Responses, each a small table of request-path hooks.

A script step is API-neutral; the request path picks the Api that parses the body, checks tool pairing
(`--strict`), reads the conversation state for routed steps, renders the answer and shapes errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockprovider.plan import Plan
from mockprovider.render import RequestContext
from mockprovider.script import Conversation, Step

from . import anthropic, chat
from .common import json_bytes


@dataclass(frozen=True, slots=True)
class Api:
    name: str  # "chat" | "anthropic"
    paths: tuple[str, ...]
    parse: Callable[[bytes], tuple[dict[str, Any], str | None]]
    problems: Callable[[Mapping[str, Any]], list[str]]
    conversation: Callable[[Mapping[str, Any]], Conversation]
    render: Callable[[Step, RequestContext], Plan]
    error_body: Callable[[int, str, str | None, str | None], bytes]  # status, message, type, code


def _openai_error(status: int, message: str, kind: str | None, code: str | None) -> bytes:
    kind = kind or ("invalid_request_error" if status < 500 else "server_error")
    return json_bytes({"error": {"message": message, "type": kind, "param": None, "code": code}})


def _anthropic_error(status: int, message: str, kind: str | None, code: str | None) -> bytes:
    return anthropic.error_body(status, message, kind if kind in _ANTHROPIC_KINDS else None)


_ANTHROPIC_KINDS = {k for k, _ in anthropic.ERROR_TYPES.values()}

CHAT = Api("chat", chat.PATHS, chat.parse, chat.problems, chat.conversation, chat.render, _openai_error)
ANTHROPIC = Api(
    "anthropic", anthropic.PATHS, anthropic.parse, anthropic.problems, anthropic.conversation, anthropic.render,
    _anthropic_error,
)  # fmt: skip
APIS = (CHAT, ANTHROPIC)
BY_PATH = {path: api for api in APIS for path in api.paths}
RENDERERS: dict[str, Callable[[Step, RequestContext], Plan]] = {api.name: api.render for api in APIS}

__all__ = ["ANTHROPIC", "APIS", "BY_PATH", "CHAT", "RENDERERS", "Api"]
