"""A fresh place for one server to be attacked in, and the host-side judgement of every probe.

Everything a probe could touch is laid out per probe (see probes.py), snapshotted before, and compared
after: file bytes, modes, mtimes, xattrs and device nodes; listeners that must have heard nothing;
victims that must be alive with their priority unchanged; no process left with the probe's tag.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .probes import PATCH_PROBES, PROBES, WORKDIR_PROBES

Snapshot = dict[str, tuple[object, ...]]
HOLDER = "import os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); os.dup2(fd, 3); time.sleep(300)"
KERNEL = ("/proc/sys/kernel/domainname", "/proc/sys/kernel/hostname")


def snapshot(root: Path) -> Snapshot:
    """Everything a write, chmod, utime, xattr or mknod would change, without following symlinks."""
    out: Snapshot = {}
    if not root.exists():
        return {"<missing>": ()}
    for path in sorted([root, *root.rglob("*")]):
        st = path.lstat()
        xattrs = tuple(sorted(os.listxattr(path, follow_symlinks=False))) if not path.is_symlink() else ()
        if stat.S_ISREG(st.st_mode):
            out[str(path.relative_to(root))] = (st.st_mode, st.st_uid, st.st_mtime_ns, path.read_bytes(), xattrs)
        elif stat.S_ISLNK(st.st_mode):
            out[str(path.relative_to(root))] = (st.st_mode, os.readlink(path))
        else:
            out[str(path.relative_to(root))] = (st.st_mode, st.st_uid, xattrs)
    return out


def _pending(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        if sock.type == socket.SOCK_STREAM:
            sock.accept()[0].close()
        else:
            sock.recvfrom(64)
    except BlockingIOError:
        return False
    return True


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _tagged(tag: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if tag.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
    return found


@dataclass
class Probe:
    name: str
    tag: str
    listeners: list[socket.socket] = field(default_factory=list)
    victims: list[subprocess.Popen[bytes]] = field(default_factory=list)
    nice: int = 0


@dataclass
class Scene:
    root: Path
    read_only: bool
    probes: dict[str, Probe] = field(default_factory=dict)
    before: dict[str, Snapshot] = field(default_factory=dict)
    kernel: list[str] = field(default_factory=list)
    root_ctime: int = 0
    skip: frozenset[str] = frozenset()

    @property
    def shell_probes(self) -> list[str]:
        return [name for name in PROBES if name not in self.skip]

    @property
    def ws(self) -> Path:
        return self.root / "ws"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def values(self, name: str) -> dict[str, object]:
        probe = self.probes[name]
        values: dict[str, object] = {"o": self.out / name, "w": self.ws / name, "ws": self.ws, "home": self.home,
                                     "tag": probe.tag, "name": name, "root": self.root}  # fmt: skip
        for sock in probe.listeners:
            if sock.family == socket.AF_INET:
                values["port" if sock.type == socket.SOCK_STREAM else "udp"] = sock.getsockname()[1]
            elif isinstance(sock.getsockname(), bytes):
                values["abstract"] = sock.getsockname()[1:].decode()
            else:
                values["sock"] = sock.getsockname()
        if probe.victims:
            values["victim"] = values["holder"] = probe.victims[0].pid
        return values

    def script(self, name: str) -> str:
        return PROBES[name].format(**self.values(name))

    def batch(self) -> str:
        """One bash command running every probe in turn, each bounded and silenced, from the workspace."""
        (self.root / "probes").mkdir()
        for name in self.shell_probes:
            (self.root / "probes" / f"{name}.sh").write_text(self.script(name) + "\n")
        return (f"for p in {self.root}/probes/*.sh; do (cd {self.ws} && timeout 10 bash \"$p\") "
                "</dev/null >/dev/null 2>&1; done; echo PROBES-DONE")  # fmt: skip

    def take_before(self) -> None:
        for name in self.probes:
            self.before[name] = snapshot(self.out / name) | {f"ws:{k}": v for k, v in snapshot(self.ws / name).items()}
        self.before[".git"] = snapshot(self.ws / ".git")
        self.before["home-config"] = snapshot(self.home / "config.toml")
        self.kernel = [Path(k).read_text() for k in KERNEL]
        self.root_ctime = self.root.stat().st_ctime_ns

    def escaped(self, name: str) -> list[str]:
        """What the probe managed on the host (empty: it was blocked)."""
        probe, found = self.probes[name], []
        after = snapshot(self.out / name)
        inside = {f"ws:{k}": v for k, v in snapshot(self.ws / name).items()}
        if {k: v for k, v in self.before[name].items() if not k.startswith("ws:")} != after:
            found.append("changed a file outside the writable roots")
        if self.read_only and {k: v for k, v in self.before[name].items() if k.startswith("ws:")} != inside:
            found.append("changed the read-only workspace")
        if any(stat.S_ISCHR(v[0]) or stat.S_ISBLK(v[0]) for v in inside.values() if isinstance(v[0], int)):
            found.append("made a device node")
        if any(_pending(sock) for sock in probe.listeners):
            found.append("reached a listener outside")
        for victim in probe.victims:
            if victim.poll() is not None or _nice(victim.pid) != probe.nice:
                found.append("signalled or reniced a process outside")
        if left := _tagged(probe.tag):
            found.append(f"left processes behind: {left}")
        if Path(f"/dev/shm/reelkit-{probe.tag}").exists():
            found.append("wrote the host's /dev/shm")
        found += self._special(name, probe)
        return found

    def _special(self, name: str, probe: Probe) -> list[str]:
        checks = {
            "git-hook-write": lambda: snapshot(self.ws / ".git") != self.before[".git"],
            "git-config-write": lambda: snapshot(self.ws / ".git") != self.before[".git"],
            "patch-git-hook": lambda: snapshot(self.ws / ".git") != self.before[".git"],
            "codex-config-write": lambda: (self.ws / ".codex/config.toml").exists(),
            "patch-codex-config": lambda: (self.ws / ".codex/config.toml").exists(),
            "agents-write": lambda: (self.ws / ".agents/AGENTS.md").exists(),
            "aws-credentials-write": lambda: (self.ws / ".aws/credentials").exists(),
            "home-bashrc": lambda: (self.home / ".bashrc").exists(),
            "home-dotfile": lambda: (self.home / f".reelkit-{probe.tag}").exists(),
            "codex-home-config": lambda: snapshot(self.home / "config.toml") != self.before["home-config"],
            "rename-workspace-parent": lambda: self.root.stat().st_ctime_ns != self.root_ctime,
            "setdomainname": lambda: [Path(k).read_text() for k in KERNEL] != self.kernel,
        }
        check = checks.get(name)
        return [f"{name}: the protected target changed"] if check is not None and check() else []

    def close(self) -> None:
        for probe in self.probes.values():
            for sock in probe.listeners:
                if sock.family == socket.AF_UNIX and isinstance(sock.getsockname(), str):
                    shutil.rmtree(Path(sock.getsockname()).parent, ignore_errors=True)
                sock.close()
            for victim in probe.victims:
                victim.kill()
                victim.wait()
            for pid in _tagged(probe.tag):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            Path(f"/dev/shm/reelkit-{probe.tag}").unlink(missing_ok=True)
        for path, text in zip(KERNEL, self.kernel, strict=False):
            if Path(path).read_text() != text:
                Path(path).write_text(text)  # a failed setdomainname probe must not leave the host renamed
        for mounted in (self.out / "mount-over", self.ws / "mount-bind-dotdot"):  # only if those probes escaped
            subprocess.run(["umount", "-R", "-l", str(mounted)], capture_output=True, check=False)


def build(root: Path, read_only: bool, skip: frozenset[str] = frozenset()) -> Scene:
    scene = Scene(root, read_only, skip=skip)
    (scene.ws / ".git/hooks").mkdir(parents=True)
    (scene.ws / ".git/config").write_text("[core]\n\trepositoryformatversion = 0\n")
    (scene.ws / ".git/hooks/pre-commit.sample").write_text("#!/bin/sh\n")
    tag = uuid.uuid4().hex[:12]
    for name in [*PROBES, *WORKDIR_PROBES, *PATCH_PROBES]:
        (scene.out / name / "emptydir").mkdir(parents=True)
        (scene.out / name / "existing.txt").write_text("original\n")
        (scene.ws / name).mkdir()
        (scene.ws / name / "file.txt").write_text("workspace file\n")
        (scene.ws / f"{name}-link").symlink_to(scene.out / name)
        probe = scene.probes[name] = Probe(name, f"reelkit-probe-{tag}-{name}")
        _equip(probe, PROBES.get(name, ""), scene.out / name)
    return scene


def _equip(probe: Probe, template: str, outside: Path) -> None:
    if "{port}" in template:
        probe.listeners.append(socket.create_server(("127.0.0.1", 0)))
    if "{udp}" in template:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        probe.listeners.append(udp)
    if "{abstract}" in template:
        abstract = socket.socket(socket.AF_UNIX)
        abstract.bind(f"\0{probe.tag}".encode())
        abstract.listen()
        probe.listeners.append(abstract)
    if "{sock}" in template:
        unix = socket.socket(socket.AF_UNIX)
        # a short path of its own (xdist's tmp_path is past AF_UNIX's 108 bytes); outside every writable root
        unix.bind(str(Path(tempfile.mkdtemp(prefix="rk-")) / "l.sock"))
        unix.listen()
        probe.listeners.append(unix)
    if "{victim}" in template or "{holder}" in template:
        victim = subprocess.Popen([sys.executable, "-c", HOLDER, str(outside)])
        probe.victims.append(victim)
        probe.nice = _nice(victim.pid)
