"""Why a turn stopped early: a model failure (with codex's error info) or an interruption."""

from __future__ import annotations

from typing import Any


class ModelError(Exception):
    """The model call failed; `info` is the wire `codexErrorInfo`, `retryable` says if a retry may help."""

    def __init__(self, message: str, info: Any = "other", *, retryable: bool = False, status: int | None = None):
        super().__init__(message)
        self.message, self.info, self.retryable, self.status = message, info, retryable, status

    @property
    def retry_info(self) -> dict[str, Any]:
        """What a stream-retry notice carries, whatever the failure (as codex 0.163 reports it)."""
        return {"responseStreamDisconnected": {"httpStatusCode": self.status}}

    def turn_error(self) -> dict[str, Any]:
        return turn_error(self.message, self.info)


def turn_error(message: str, info: Any = "other", details: str | None = None) -> dict[str, Any]:
    """A wire TurnError (0.163 always carries `misalignment`, null outside misalignment blocks)."""
    return {"message": message, "codexErrorInfo": info, "additionalDetails": details, "misalignment": None}


class TurnInterrupted(Exception):
    """The turn was cancelled by the client (an approval answered `cancel`)."""


class BlockingRequestError(Exception):
    """A server-to-client request was needed where none may be sent (exec/run)."""
