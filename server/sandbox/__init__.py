"""Kernel-enforced sandboxing for every command and patch the agent runs.

`SandboxPolicy` says what a command may touch; `wrap()` turns an argv into one that runs under the
launcher (`launch.py`), which applies Landlock and a private network namespace in the child before
exec and kills every descendant when the command ends. Where the kernel cannot enforce a mode, the
launcher exits 126 and says why: nothing runs unconfined by accident.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .launch import EXIT_REFUSED, landlock_abi

LAUNCHER = Path(__file__).with_name("launch.py")
__all__ = ["EXIT_REFUSED", "LAUNCHER", "SandboxMode", "SandboxPolicy", "landlock_abi", "wrap"]


class SandboxMode(StrEnum):
    READ_ONLY = "read-only"
    WORKSPACE_WRITE = "workspace-write"
    DANGER_FULL_ACCESS = "danger-full-access"


@dataclass(frozen=True, slots=True)
class SandboxPolicy:
    mode: SandboxMode = SandboxMode.READ_ONLY
    writable_roots: tuple[Path, ...] = ()
    network_access: bool = False
    include_tmp: bool = True  # codex's default: /tmp and $TMPDIR are writable in workspace-write
    extra: dict[str, object] = field(default_factory=dict)

    def writable(self, cwd: Path) -> list[str]:
        if self.mode is not SandboxMode.WORKSPACE_WRITE:
            return []
        roots = [cwd, *self.writable_roots]
        if self.include_tmp:
            roots += [Path("/tmp")] + ([Path(os.environ["TMPDIR"])] if os.environ.get("TMPDIR") else [])
        return [str(p.resolve()) for p in roots]

    def allows_write(self, path: Path, cwd: Path) -> bool:
        """Whether a write to `path` is inside the policy (used to decide on approvals before running)."""
        if self.mode is SandboxMode.DANGER_FULL_ACCESS:
            return True
        target = path.resolve()
        return any(target.is_relative_to(root) for root in self.writable(cwd))

    def to_json(self, cwd: Path) -> str:
        network = self.network_access or self.mode is SandboxMode.DANGER_FULL_ACCESS
        return json.dumps({"mode": self.mode.value, "writable": self.writable(cwd), "network": network})


def wrap(argv: list[str], policy: SandboxPolicy, cwd: Path) -> list[str]:
    """The argv that runs `argv` confined by `policy` (the launcher is stdlib-only: -S keeps start-up fast)."""
    return [sys.executable, "-E", "-s", "-S", str(LAUNCHER), policy.to_json(cwd), "--", *argv]
