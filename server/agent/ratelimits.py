"""`account/rateLimits/updated`: codex reports the account's rate limits after each model response's usage,
and when a response ends early (failed or interrupted). An API-key provider sends no limits, so every
field but the limit's id is null."""

from __future__ import annotations

from typing import Any

from .host import AgentHost

METHOD = "account/rateLimits/updated"
NONE_KNOWN: dict[str, Any] = {
    "limitId": "codex", "limitName": None, "normalModelSlug": None, "primary": None, "secondary": None,
    "credits": None, "individualLimit": None, "spendControlReached": None, "planType": None,
    "rateLimitReachedType": None,
}  # fmt: skip


def report(host: AgentHost) -> None:
    host.emit(METHOD, {"rateLimits": dict(NONE_KNOWN)})
