"""What the MCP code needs from the rest of the agent core, as protocols: a tool call, its conversation, the asker.

The MCP package is used by the core's tool dispatch (toolcalls) and approvals; naming their classes here
would make an import cycle, so it names only the methods it calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from server.agent.settings import Settings
from server.agent.turn import TurnState

Output = str | list[dict[str, Any]]


class StatusHost(Protocol):
    def set_status(self, status: dict[str, Any]) -> None: ...


class AskerPort(Protocol):
    """approvals.Asker as MCP uses it."""

    @property
    def host(self) -> Any: ...

    async def ask(
        self, method: str, params: dict[str, Any], flag: str = "waitingOnApproval", restore: bool = True
    ) -> Any: ...

    def forbid_if_unattended(self, method: str) -> None: ...

    def resume_status(self) -> None: ...


class ConversationPort(Protocol):
    """host.Conversation as MCP uses it."""

    @property
    def id(self) -> str: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def session_approvals(self) -> set[str]: ...


class CallPort(Protocol):
    """toolcalls.Call as MCP uses it."""

    @property
    def raw(self) -> dict[str, Any]: ...

    @property
    def state(self) -> TurnState: ...

    @property
    def conv(self) -> ConversationPort: ...

    @property
    def asker(self) -> AskerPort: ...

    @property
    def cwd(self) -> Path: ...

    @property
    def call_id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def policy(self) -> str: ...

    def args(self) -> dict[str, Any]: ...
