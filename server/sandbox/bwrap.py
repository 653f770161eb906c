"""The bubblewrap argv for a policy, built as codex 0.163 builds it (docs: /work/shared/SANDBOX.md §3-4).

Stdlib only (the launcher runs with `python -S`). The whole filesystem is bound read-only, then each
writable root read-write, shallowest first, each followed by its protected names (`.git`, `.agents`,
`.codex`, `.aws`) read-only again: an existing one is re-bound read-only, a missing or empty one gets an
empty read-only tmpfs so it cannot be created either. bwrap makes the mount point of a missing one on the
host; `Synthetic` records those in a registry (itself read-only inside) and removes them when the last
command that needed them ends, so a long-running command keeps its mask while others come and go.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

PROTECTED = (".git", ".agents", ".codex", ".aws")


class SandboxError(Exception):
    """The policy cannot be built into a sandbox (e.g. a protected name is a symlink)."""


def find_bwrap() -> str | None:
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(directory or ".", "bwrap")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")


def _is_empty_dir(path: str) -> bool:
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except NotADirectoryError:
        return False


class Plan:
    """The mount arguments for a set of writable roots, and the protected paths masked by an empty tmpfs.

    (Plain classes, not dataclasses, here: importing dataclasses would double the launcher's start time.)"""

    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.masked: list[str] = []


def mounts(writable: list[str], registry: str | None) -> Plan:
    plan = Plan(["--ro-bind", "/", "/", "--dev", "/dev"])
    roots = [r for r in dict.fromkeys(writable) if os.path.isdir(r)]  # a root that does not exist grants nothing
    for root in sorted(roots, key=_depth):  # stable: policy order among equal depths
        plan.args += ["--bind", root, root]
        if registry is not None and registry.startswith(root.rstrip("/") + "/"):
            plan.args += ["--ro-bind", registry, registry]  # the registry lives in /tmp: keep it ours
        for name in PROTECTED:
            _protect(plan, os.path.join(root, name))
    return plan


def _protect(plan: Plan, path: str) -> None:
    if os.path.islink(path):
        raise SandboxError(
            f"error building bubblewrap command: Fatal error: cannot enforce sandbox read-only path {path} "
            f"because it crosses writable symlink {path}"
        )
    if os.path.lexists(path) and not _is_empty_dir(path):
        plan.args += ["--ro-bind", path, path]
        return
    plan.masked.append(path)
    plan.args += ["--perms", "555", "--tmpfs", path, "--remount-ro", path]


def namespaces(network: bool) -> list[str]:
    net = [] if network else ["--unshare-net"]
    return ["--unshare-user", "--unshare-pid", "--unshare-ipc", *net, "--proc", "/proc", "--cap-drop", "ALL"]


def registry_dir() -> str:
    """The registry's directory, made if missing; refused if it is not a plain directory of ours."""
    path = os.path.join("/tmp", f"reelkit-bwrap-synthetic-mount-targets-{os.geteuid()}")
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not os.path.isdir(path) or os.path.islink(path) or info.st_uid != os.geteuid():
        raise SandboxError(f"sandbox: {path} is not a directory owned by uid {os.geteuid()}; remove it")
    return path


class Synthetic:
    """Mount points bwrap creates for missing protected names: one marker per (target, launcher pid).

    A masked path that is missing, or an empty directory another live launcher made, is ours to share:
    we mark it, and whoever ends last removes it. (Removing it while another command still runs would
    lift that command's mask: rmdir detaches mounts in other namespaces.) An empty directory that no
    launcher made is the user's, and stays."""

    def __init__(self, directory: str, masked: list[str]) -> None:
        self.directory, self.masked = directory, masked
        self.targets: list[str] = []
        self.markers: list[str] = []

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(os.path.join(self.directory, "lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def register(self) -> None:
        if not self.masked:
            return
        with self._locked():
            # A dead launcher's marker (killed before it could clean up) hands its mount point to us.
            marked = self._marked()
            self.targets = [p for p in self.masked if not os.path.lexists(p) or p in marked]
            self._forget_the_dead()
            for index, target in enumerate(self.targets):
                marker = os.path.join(self.directory, f"{os.getpid()}.{index}")
                with open(marker, "w") as f:
                    f.write(target)
                self.markers.append(marker)

    def release(self) -> None:
        if not self.markers:
            return
        with self._locked():
            for marker in self.markers:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(marker)
            for target in self.targets:
                if not self._in_use(target):
                    with contextlib.suppress(OSError):
                        os.rmdir(target)  # only while still an empty directory: never what a user made since

    def _markers(self) -> Iterator[tuple[str, int, str]]:
        """(marker file, launcher pid, target) for every marker in the registry."""
        for name in os.listdir(self.directory):
            pid, _, index = name.partition(".")
            if not (pid.isdigit() and index.isdigit()):
                continue
            path = os.path.join(self.directory, name)
            with contextlib.suppress(OSError), open(path) as f:
                yield path, int(pid), f.read()

    def _marked(self) -> set[str]:
        return {target for _, _, target in self._markers()}

    def _forget_the_dead(self) -> None:
        for path, pid, _ in list(self._markers()):
            if not _alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    def _in_use(self, target: str) -> bool:
        """Whether a live launcher still has `target` as a mount point (a dead one's markers are stale)."""
        return any(t == target and _alive(pid) for _, pid, t in self._markers())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
