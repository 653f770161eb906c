"""Kernel-enforced sandboxing for every command and patch the agent runs.

`SandboxPolicy` says what a command may touch; `wrap()` turns an argv into one that runs under the
launcher (`launch.py`), which runs it in bubblewrap with codex's seccomp filter and kills every
descendant when the command ends. Writable roots come from the policy and the *turn* cwd only; the
directory a command runs in is the caller's `cwd=` and grants nothing. Where bwrap, user namespaces or
libseccomp are missing, the launcher exits 126 and says why: nothing runs unconfined by accident.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .bwrap import PROTECTED
from .launch import EXIT_REFUSED

LAUNCHER = Path(__file__).with_name("launch.py")
__all__ = ["EXIT_REFUSED", "LAUNCHER", "PROTECTED", "SandboxMode", "SandboxPolicy", "wrap"]


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
        """Whether a write to `path` is inside the policy (used to decide on approvals before running).

        As codex's in-process check: a protected name (`.git`, `.codex`, ...) directly under a root counts
        as outside it, like the read-only mount the sandbox puts there."""
        if self.mode is SandboxMode.DANGER_FULL_ACCESS:
            return True
        target, roots = path.resolve(), [Path(r) for r in self.writable(cwd)]
        # Protected under any root, even when another root holds it (cwd under /tmp): the mounts say the same.
        if any(target.is_relative_to(root / name) for root in roots for name in PROTECTED):
            return False
        return any(target.is_relative_to(root) for root in roots)

    def launcher_args(self, cwd: Path) -> list[str]:
        network = self.network_access or self.mode is SandboxMode.DANGER_FULL_ACCESS
        return [self.mode.value, "network" if network else "no-network", *self.writable(cwd)]


def wrap(argv: list[str], policy: SandboxPolicy, cwd: Path) -> list[str]:
    """The argv that runs `argv` confined by `policy`, with writable roots from `cwd`, the *turn's* cwd.

    Run it in the command's own working directory (e.g. the model's `workdir`): that grants nothing.
    The launcher is stdlib-only: -S keeps its start-up fast."""
    return [sys.executable, "-E", "-s", "-S", str(LAUNCHER), *policy.launcher_args(cwd), "--", *argv]
