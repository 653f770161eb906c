"""Asking the user: approval requests and user-input requests, with codex's decision vocabulary.

While a request is open the thread is `active` with `waitingOnApproval`/`waitingOnUserInput`; when it
closes (answered, failed, or withdrawn by an interrupt) the thread returns to plain `active`. The host
sends the request and reports it resolved; where no request may be sent (exec/run) it fails it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .errors import BlockingRequestError
from .host import AgentHost, RequestFailed


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
    """Sends one request for a thread's running turn through the host and reports how it ended."""

    def __init__(self, host: AgentHost):
        self.host = host

    def forbid_if_unattended(self, method: str) -> None:
        """Where a policy refuses without asking, an unattended run (exec/run) fails the turn instead."""
        if not self.host.interactive:
            raise BlockingRequestError(method)

    async def ask(
        self, method: str, params: dict[str, Any], flag: str = "waitingOnApproval", restore: bool = True
    ) -> Any:
        waiting = {"type": "active", "activeFlags": [flag]}
        if self.host.status != waiting:  # callers that must announce it earlier already did
            self.host.set_status(waiting)
        try:
            return await self.host.request(method, params)
        finally:
            if restore:
                self.resume_status()

    def resume_status(self) -> None:
        """Back to plain `active` once the request's outcome has been reported."""
        self.host.set_status({"type": "active", "activeFlags": []})

    async def decide(self, method: str, params: dict[str, Any]) -> Decision:
        """Ask for a decision; an accept resumes `active` at once, other outcomes after their item completes."""
        return (await self.decide_with_answer(method, params))[0]

    async def decide_with_answer(self, method: str, params: dict[str, Any]) -> tuple[Decision, Any]:
        """`decide`, plus the client's raw decision (an amendment carries the prefix to remember)."""
        try:
            result = await self.ask(method, params, restore=False)
        except RequestFailed:
            return Decision.FAILED, None
        decision = parse_decision(result)
        if decision in (Decision.ACCEPT, Decision.ACCEPT_FOR_SESSION):
            self.resume_status()
        return decision, result.get("decision") if isinstance(result, dict) else None


def policy_name(policy: Any) -> str:
    return policy if isinstance(policy, str) else "on-request"
