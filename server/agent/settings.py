"""A thread's settings as the agent uses them (model, cwd, policies), and codex's time-ordered ids."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.sandbox import SandboxMode, SandboxPolicy


def new_id() -> str:
    """A UUIDv7 (time-ordered), as codex uses for threads, turns and items."""
    ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    rand = uuid.uuid4().int & ((1 << 74) - 1)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


@dataclass(slots=True)
class Settings:
    """Per-thread defaults; turn/start overrides persist into them."""

    model: str
    model_provider: str
    cwd: Path
    approval_policy: Any = "on-request"
    approvals_reviewer: str = "user"
    sandbox: SandboxPolicy = field(default_factory=SandboxPolicy)
    effort: str | None = None
    summary: str | None = None
    base_instructions: str | None = None
    developer_instructions: str | None = None
    personality: str | None = None
    config_overrides: dict[str, Any] = field(default_factory=dict)
    dynamic_tools: list[dict[str, Any]] = field(default_factory=list)  # client-run tools (experimental)
    # No sandbox was chosen (params or config.toml): codex then reports its built-in `:read-only` profile.
    default_permissions: bool = False

    def dynamic_tool_names(self) -> set[str]:
        return {str(t.get("name")) for t in self.dynamic_tools}

    def sandbox_wire(self) -> dict[str, Any]:
        mode = self.sandbox.mode
        if mode is SandboxMode.DANGER_FULL_ACCESS:
            return {"type": "dangerFullAccess"}
        if mode is SandboxMode.READ_ONLY:
            return {"type": "readOnly", "networkAccess": self.sandbox.network_access}
        return {"type": "workspaceWrite", "writableRoots": [str(p) for p in self.sandbox.writable_roots],
                "networkAccess": self.sandbox.network_access, "excludeTmpdirEnvVar": False,
                "excludeSlashTmp": not self.sandbox.include_tmp}  # fmt: skip
