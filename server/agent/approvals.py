"""Asking the client: approval requests and user-input requests, with codex's decision vocabulary.

While a request is open the thread is `active` with `waitingOnApproval`/`waitingOnUserInput`; when it
closes (answered, failed, or withdrawn by an interrupt) the client gets `serverRequest/resolved`.
In exec/run no request may be sent at all: asking raises BlockingRequestError.
"""

from __future__ import annotations

import shlex
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
        try:
            decision = parse_decision(await self.ask(method, params, restore=False))
        except ClientRequestError:
            decision = Decision.FAILED
        if decision in (Decision.ACCEPT, Decision.ACCEPT_FOR_SESSION):
            self.resume_status()
        return decision


# Commands that only read: run without asking even under `untrusted` (codex's known-safe idea).
_SAFE = frozenset({"ls", "cat", "pwd", "echo", "head", "tail", "wc", "grep", "rg", "which", "true", "false",
                   "stat", "file", "nl", "tree", "date", "whoami", "uname", "env", "printenv", "sort", "uniq",
                   "cut", "basename", "dirname", "realpath", "diff", "cmp", "du", "df"})  # fmt: skip
_GIT_SAFE = frozenset({"status", "log", "diff", "show", "branch", "rev-parse", "ls-files", "blame"})


def is_known_safe(command: str) -> bool:
    """A single read-only command (no pipes into writers, redirections or chaining)."""
    if any(op in command for op in (">", "<", "&&", "||", ";", "|", "`", "$(")):
        return False
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if not words:
        return False
    if words[0] == "git":
        return len(words) > 1 and words[1] in _GIT_SAFE
    if words[0] == "find":
        return not any(w in ("-exec", "-execdir", "-delete", "-ok", "-fprint") for w in words)
    if words[0] == "sed":
        return "-n" in words and not any(w.startswith("-i") for w in words)
    return words[0] in _SAFE


def policy_name(policy: Any) -> str:
    return policy if isinstance(policy, str) else "on-request"
