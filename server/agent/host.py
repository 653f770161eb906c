"""The agent core's one door to the outside: what it needs from whoever runs it, and nothing of JSON-RPC.

The core (the turn loop, tools, approvals, sandbox use) sends events out and asks questions through an
`AgentHost`; it reads and extends the conversation through a `Conversation`; it gets configuration and
the shared HTTP session from `Services`. The app-server adapts these to the wire (`server/wire_host.py`),
exec/run answers every request with a failure, and tests use fakes. In: answers come back as the result
of `AgentHost.request`, steered input through the queue `run_turn` drains before each model request, and
an interrupt is the cancellation of the task running the turn.

Events and requests are named by their protocol method (`item/started`, `thread/tokenUsage/updated`,
`item/commandExecution/requestApproval`, ...) with the protocol's params: the vocabulary is codex's,
the framing, request ids, subscribers and pending-request bookkeeping are the host's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .settings import Settings

if TYPE_CHECKING:
    import aiohttp

    from server.config import Config
    from server.tools.exec import ExecManager

    from .mcp.manager import McpManager


class RequestFailed(Exception):
    """The host got no usable answer: the client replied with an error, or none is there to ask."""


class AgentHost(Protocol):
    """The outside of one thread, as the agent core sees it."""

    @property
    def status(self) -> dict[str, Any]:
        """The thread's status as last set (the core sets `waitingOn...` flags around requests)."""
        ...

    @property
    def interactive(self) -> bool:
        """False where no request can ever be answered (exec/run): a policy that would refuse a request
        quietly fails the turn instead. `request` is what fails each request, in one place."""
        ...

    def emit(self, method: str, params: dict[str, Any]) -> None:
        """An event: item started/completed, deltas, token usage, diffs, errors (retries included)."""

    def set_status(self, status: dict[str, Any]) -> None:
        """The thread's status changed (active, waiting on approval or input)."""

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """Ask the user (approvals, user input, elicitations, dynamic tool calls) and return the answer;
        raises RequestFailed, or BlockingRequestError where no request may be sent at all."""


class Conversation(Protocol):
    """The thread state the core reads and extends; `record` appends to its durable log."""

    id: str
    settings: Settings
    history: list[tuple[str, dict[str, Any]]]  # (turn id, Responses item): what the model sees
    usage: dict[str, Any] | None  # the last token usage event's params (less threadId)
    preview: str
    exec: ExecManager
    session_approvals: set[str]
    approved_prefixes: set[tuple[str, ...]]
    mcp: McpManager | None  # the thread's MCP servers, when config.toml names any

    def record(self, kind: str, payload: dict[str, Any]) -> None: ...


class Services(Protocol):
    """Process-wide services: configuration (with a thread's overrides) and one pooled HTTP session."""

    def config(self, overrides: dict[str, Any] | None = None) -> Config: ...

    def http(self) -> aiohttp.ClientSession: ...
