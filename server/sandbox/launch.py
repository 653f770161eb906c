"""Sandbox launcher: confine this process with the kernel, then run the command and reap every descendant.

Run as `python -E -s -S launch.py POLICY_JSON -- ARGV...` (stdlib only, so it starts in ~15 ms).
Order matters: become a child subreaper (so daemonised grandchildren stay ours to kill), cut the
network (a new network namespace, else Landlock TCP rules), apply Landlock filesystem rules with
no-new-privs, then fork the command. If the kernel cannot enforce the policy, exit 126 with a
message on stderr rather than running the command unconfined.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
from typing import Any

EXIT_REFUSED = 126
_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446  # x86_64 and aarch64 share these numbers
_PR_SET_NO_NEW_PRIVS, _PR_SET_CHILD_SUBREAPER = 38, 36
_CLONE_NEWNET = 0x40000000
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2

# Filesystem rights by the ABI that introduced them.
_FS_READ = 0x1 | 0x4 | 0x8  # execute, read file, read dir
_FS_WRITE_V1 = 0x2 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 0x2000, 0x4000, 0x8000
_NET_BIND_TCP, _NET_CONNECT_TCP = 0x1, 0x2
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 0x1, 0x2
_FILE_RIGHTS = 0x1 | 0x2 | 0x4 | _FS_TRUNCATE | _FS_IOCTL_DEV

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class Refused(Exception):
    """The policy cannot be enforced here; the command must not run."""


def landlock_abi() -> int:
    abi = int(_libc.syscall(_SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))
    return abi if abi > 0 else 0


def _rights(abi: int) -> int:
    """Every filesystem right this ABI can restrict (all are handled, so all are denied unless granted)."""
    write = _FS_WRITE_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    return _FS_READ | write | (_FS_IOCTL_DEV if abi >= 5 else 0)


def _check(result: int, what: str) -> int:
    if result < 0:
        raise Refused(f"{what} failed: {os.strerror(ctypes.get_errno())}")
    return result


def _add_path(ruleset: int, path: str, allowed: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a root that does not exist grants nothing
    try:
        if not os.path.isdir(path):
            allowed &= _FILE_RIGHTS  # directory rights on a file are EINVAL
        attr = _PathBeneath(allowed, fd)
        _check(
            _libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(attr), 0), f"landlock rule {path}"
        )
    finally:
        os.close(fd)


def apply_landlock(writable: list[str], cut_tcp: bool) -> None:
    abi = landlock_abi()
    if abi < 1:
        raise Refused("Landlock is not available in this kernel")
    if cut_tcp and abi < 4:
        raise Refused(f"Landlock ABI {abi} cannot restrict the network (needs 4)")
    handled = _rights(abi)
    attr = _RulesetAttr(handled, (_NET_BIND_TCP | _NET_CONNECT_TCP) if cut_tcp else 0, 0)
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL  # no signals or abstract sockets outside the sandbox
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _check(
        _libc.syscall(_SYS_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), 0), "landlock_create_ruleset"
    )
    try:
        _add_path(ruleset, "/", _FS_READ | (_FS_IOCTL_DEV if abi >= 5 else 0))
        for dev in ("/dev/null", "/dev/zero", "/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/full"):
            _add_path(ruleset, dev, handled & (_FILE_RIGHTS | _FS_READ))
        for root in writable:
            _add_path(ruleset, root, handled & ~(_FS_IOCTL_DEV))
        _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(_libc.syscall(_SYS_RESTRICT, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def cut_network() -> bool:
    """Move into an empty network namespace; False if not permitted (Landlock then cuts TCP)."""
    return bool(_libc.unshare(_CLONE_NEWNET) == 0)


def confine(policy: dict[str, Any]) -> None:
    mode = policy.get("mode", "read-only")
    if mode == "danger-full-access":
        return
    network = bool(policy.get("network", False))
    netns = False if network else cut_network()
    writable = [str(p) for p in policy.get("writable", [])] if mode == "workspace-write" else []
    apply_landlock(writable, cut_tcp=not network and not netns)


def _reap_all(main_pid: int) -> int:
    """Wait for the command, then kill and reap whatever it left behind; return its exit status."""
    status = 0
    while True:
        try:
            pid, raw = os.waitpid(-1, 0)
        except ChildProcessError:
            return status
        if pid == main_pid:
            status = os.waitstatus_to_exitcode(raw)
            status = 128 - status if status < 0 else status
            _kill_descendants()


def _kill_descendants() -> None:
    for pid in _children():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _children() -> list[int]:
    pids: list[int] = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as f:
                pids.extend(int(p) for p in f.read().split())
        except OSError:
            continue
    return pids


def _forward(main_pid: int) -> None:
    def relay(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(main_pid, signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, relay)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        _say("usage: launch.py POLICY_JSON -- ARGV...")
        return 2
    policy, command = json.loads(argv[0]), argv[2:]
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        confine(policy)
    except Refused as exc:
        _say(f"sandbox: refusing to run under {policy.get('mode')}: {exc}")
        return EXIT_REFUSED
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            _say(f"sandbox: cannot run {command[0]}: {exc.strerror}")
            os._exit(127)
    _forward(pid)
    return _reap_all(pid)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
