"""Asking the client: approval requests and user-input requests, with codex's decision vocabulary.

While a request is open the thread is `active` with `waitingOnApproval`/`waitingOnUserInput`; when it
closes (answered, failed, or withdrawn by an interrupt) the client gets `serverRequest/resolved`.
In exec/run no request may be sent at all: asking raises BlockingRequestError.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from server.connection import ClientRequestError, Connection
from server.threads import ThreadRuntime

from .errors import BlockingRequestError


class Decision(Enum):
    ACCEPT = "accept"
    ACCEPT_FOR_SESSION = "acceptForSession"
    DECLINE = "decline"
    CANCEL = "cancel"
    FAILED = "failed"  # an error reply or an answer we cannot read


_SPELLINGS = {
    "accept": Decision.ACCEPT, "approved": Decision.ACCEPT, "acceptForSession": Decision.ACCEPT_FOR_SESSION,
    "approved_for_session": Decision.ACCEPT_FOR_SESSION, "decline": Decision.DECLINE, "denied": Decision.DECLINE,
    "cancel": Decision.CANCEL, "abort": Decision.CANCEL,
}  # fmt: skip
_AMENDMENTS = ("acceptWithExecpolicyAmendment", "applyNetworkPolicyAmendment")


def parse_decision(result: Any) -> Decision:
    decision = result.get("decision") if isinstance(result, dict) else None
    if isinstance(decision, str):
        return _SPELLINGS.get(decision, Decision.FAILED)
    if isinstance(decision, dict) and any(k in decision for k in _AMENDMENTS):
        return Decision.ACCEPT
    return Decision.FAILED


class Asker:
    """Sends one server request for a thread's active turn and reports how it ended."""

    def __init__(self, thread: ThreadRuntime, blocking_forbidden: bool = False):
        self.thread, self.blocking_forbidden = thread, blocking_forbidden

    def _connection(self) -> Connection:
        conn = next(iter(self.thread.subscribers), None)
        if conn is None:
            raise ClientRequestError("no client is subscribed to this thread")
        return conn

    async def ask(
        self, method: str, params: dict[str, Any], flag: str = "waitingOnApproval", restore: bool = True
    ) -> Any:
        if self.blocking_forbidden:
            raise BlockingRequestError(method)
        conn, active = self._connection(), self.thread.active
        request_id = conn.next_request_id()
        entry = (request_id, method, params)
        if active is not None:
            active.pending.append(entry)
        waiting = {"type": "active", "activeFlags": [flag]}
        if self.thread.status != waiting:  # callers that must announce it earlier already did
            self.thread.set_status(waiting)
        try:
            return await conn.request(method, params, self.thread.id)
        finally:
            if active is not None and entry in active.pending:
                active.pending.remove(entry)
            self.thread.notify("serverRequest/resolved", {"threadId": self.thread.id, "requestId": request_id})
            if restore:
                self.resume_status()

    def resume_status(self) -> None:
        """Back to plain `active` once the request's outcome has been reported."""
        if self.thread.active is not None:
            self.thread.set_status({"type": "active", "activeFlags": []})

    async def decide(self, method: str, params: dict[str, Any]) -> Decision:
        """Ask for a decision; an accept resumes `active` at once, other outcomes after their item completes."""
        return (await self.decide_with_answer(method, params))[0]

    async def decide_with_answer(self, method: str, params: dict[str, Any]) -> tuple[Decision, Any]:
        """`decide`, plus the client's raw decision (an amendment carries the prefix to remember)."""
        try:
            result = await self.ask(method, params, restore=False)
        except ClientRequestError:
            return Decision.FAILED, None
        decision = parse_decision(result)
        if decision in (Decision.ACCEPT, Decision.ACCEPT_FOR_SESSION):
            self.resume_status()
        return decision, result.get("decision") if isinstance(result, dict) else None


def policy_name(policy: Any) -> str:
    return policy if isinstance(policy, str) else "on-request"
