"""The provider fault matrix: every fault the mock provider injects, with what codex's retry layers make
of it under `request_max_retries = 1`, `stream_max_retries = 1` and a 400 ms idle timeout.

`requests` is how many POSTs a persistent fault draws (request level: 5xx and transport errors are
retried in place; stream level: the whole request is re-sent and the retry announced), `retries` how
many `error{willRetry: true}` notifications announce stream retries. The same table is checked against
the real `codex app-server` (tests/reliability/test_fault_matrix.py), so it is codex's behaviour, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUEST_RETRIES, STREAM_RETRIES, IDLE_MS = 1, 1, 400
TEXT = "a reply long enough to be split into several deltas"
DROPPED = "other"  # a stream that broke, once its retries ran out (each retry notice says responseStreamDisconnected)
BOTH_LAYERS = (REQUEST_RETRIES + 1) * (STREAM_RETRIES + 1)
RESENT = STREAM_RETRIES + 1  # requests a fault retried at stream level only draws
TOO_MANY = {"responseTooManyFailedAttempts": {"httpStatusCode": 429}}


def _status(code: int) -> dict[str, Any]:
    return {"httpConnectionFailed": {"httpStatusCode": code}}


@dataclass(frozen=True, slots=True)
class Fault:
    step: dict[str, Any]
    info: Any  # codexErrorInfo of the failed turn (None: the turn completes)
    requests: int
    retries: int

    @property
    def fails(self) -> bool:
        return self.info is not None


def _http(status: int, retry_after: bool = False, **error: Any) -> dict[str, Any]:
    body = {"error": {"message": f"scripted {status}", "type": "server_error", "code": None, **error}}
    return {"http_error": {"status": status, "headers": {"Retry-After": "0"} if retry_after else {}, "body": body}}


FAULTS: dict[str, Fault] = {
    "http-400": Fault(_http(400, type="invalid_request_error"), "other", 1, 0),
    "http-401": Fault(_http(401, type="invalid_request_error"), _status(401), RESENT, STREAM_RETRIES),
    "http-429": Fault(_http(429, type="rate_limit_error"), TOO_MANY, 1, 0),
    "http-429-retry-after": Fault(
        _http(429, True, type="rate_limit_error"), TOO_MANY, RESENT, STREAM_RETRIES,
    ),
    "http-500": Fault(_http(500), "internalServerError", BOTH_LAYERS, STREAM_RETRIES),
    "http-500-retry-after": Fault(_http(500, True), "internalServerError", BOTH_LAYERS, STREAM_RETRIES),
    "http-503": Fault(_http(503), _status(503), BOTH_LAYERS, STREAM_RETRIES),
    "http-503-retry-after": Fault(
        _http(503, True), _status(503), BOTH_LAYERS, STREAM_RETRIES
    ),
    "reset-before-headers": Fault({"reset": True}, DROPPED, BOTH_LAYERS, STREAM_RETRIES),
    "disconnect-mid-stream": Fault({"text": TEXT, "disconnect_after": 4}, DROPPED, RESENT, STREAM_RETRIES),
    "cut-mid-event": Fault({"text": TEXT, "cut_mid_event": 4}, DROPPED, RESENT, STREAM_RETRIES),
    "close-without-completed": Fault({"text": TEXT, "drop_completed": True}, DROPPED, RESENT, STREAM_RETRIES),
    "stall-past-idle-timeout": Fault(
        {"text": TEXT, "stall_ms": 4 * IDLE_MS, "stall_after": 3}, DROPPED, RESENT, STREAM_RETRIES
    ),
    "completed-without-id": Fault(
        {"events": [{"type": "response.created", "response": {"id": "resp_1", "status": "in_progress", "output": []}},
                    {"type": "response.completed", "response": {"status": "completed", "output": []}}]},
        DROPPED, RESENT, STREAM_RETRIES,
    ),
    "malformed-event": Fault({"text": TEXT, "malformed_at": 5}, None, 1, 0),  # skipped, as codex skips it
    "failed-server-error": Fault({"failed": {"code": "server_error"}}, DROPPED, RESENT, STREAM_RETRIES),
    "failed-rate-limit": Fault(
        {"failed": {"code": "rate_limit_exceeded", "message": "Rate limit reached. Please try again in 5ms."}},
        "rateLimitExceeded", RESENT, STREAM_RETRIES,
    ),
    "failed-context-length": Fault({"failed": {"code": "context_length_exceeded"}}, "contextWindowExceeded", 1, 0),
    "failed-quota": Fault({"failed": {"code": "insufficient_quota"}}, "usageLimitExceeded", 1, 0),
    "incomplete": Fault({"incomplete": {"reason": "max_output_tokens"}}, "other", 1, 0),
}  # fmt: skip
