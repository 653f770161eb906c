"""Sandbox launcher: run one command under bubblewrap + seccomp, reap every descendant, clean up.

Run as `python -E -s -S launch.py MODE network|no-network [WRITABLE_ROOT...] -- ARGV...` in the
command's working directory (stdlib only and few imports, so it starts fast). For read-only and
workspace-write it builds codex's bwrap argv (own user, pid, ipc, mount and, with the network off, net
namespaces; every capability dropped; the filesystem read-only but for the writable roots) and hands
bwrap the seccomp program to load after no_new_privs. Inside, a one-line `sh` shim reports on an
inherited pipe that the sandbox is up, then execs the command: if bwrap exits without that report, the
sandbox could not be built and we exit 126 (refused), so nothing ever runs unconfined by accident.
Where it is built and the kernel has Landlock, the shim runs under `reelkit-landlock`, a second
filesystem layer (see `_landlock_layer`). danger-full-access runs the command directly, as codex does.
Either way the launcher is a child subreaper and kills whatever the command leaves behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

if __package__:
    from . import bwrap as bw
    from . import seccomp
else:  # run as a script (`python -S launch.py`): the siblings are on sys.path[0]
    import bwrap as bw  # type: ignore[no-redef,import-not-found]
    import seccomp  # type: ignore[no-redef,import-not-found]

EXIT_REFUSED = 126
_PR_SET_CHILD_SUBREAPER = 36
_BWRAP_FAILED = 1  # bwrap's own exit status when it cannot set the sandbox up
# bwrap reads the seccomp program from fd 8; the shim says "up" on fd 9 (dash knows single-digit fds only),
# which it does after seccomp is in force (bwrap loads it before exec), closes it, and execs the command.
_FILTER_FD, _READY_FD = 8, 9
_SHIM = (
    f'printf . >&{_READY_FD} && exec {_READY_FD}>&- && command -v "$0" >/dev/null || '
    '{ printf \'sandbox: cannot run %s: No such file or directory\\n\' "$0" >&2; exit 127; }; exec "$0" "$@"'
)

_libc = ctypes.CDLL(None, use_errno=True)
# Landlock, a second filesystem layer inside bwrap (see landlock_exec.c; scripts/bootstrap builds it beside the
# interpreter). It must run after bwrap's mount setup, since a Landlocked process may not mount; a C helper
# costs ~1 ms per command where a second Python start costs 10-30 ms. `REELKIT_LANDLOCK=off` leaves it out.
_LANDLOCK = os.path.join(os.path.dirname(sys.executable), "reelkit-landlock")
_SYS_LANDLOCK_CREATE_RULESET, _LANDLOCK_CREATE_RULESET_VERSION = 444, 1  # one number on x86_64 and aarch64


class Refused(Exception):
    """The policy cannot be enforced here; the command must not run."""


class Policy:
    def __init__(self, mode: str, network: bool, writable: list[str]) -> None:
        self.mode, self.network = mode, network
        self.writable = writable if mode == "workspace-write" else []

    @classmethod
    def parse(cls, argv: list[str]) -> tuple[Policy, list[str]]:
        """MODE network|no-network ROOT... -- ARGV (roots are absolute, so the first `--` ends them)."""
        split = argv.index("--")
        if split < 2 or split == len(argv) - 1:
            raise ValueError("usage: launch.py MODE network|no-network [WRITABLE_ROOT...] -- ARGV...")
        return cls(argv[0], argv[1] == "network", argv[2:split]), argv[split + 1 :]


def _bwrap_argv(policy: Policy, command: list[str], plan: bw.Plan) -> list[str]:
    path = bw.find_bwrap()
    if path is None:
        raise Refused("bubblewrap (bwrap) is not installed: run scripts/bootstrap or `apt-get install bubblewrap`")
    network = policy.network
    return [
        path, "--new-session", "--die-with-parent", *plan.args, *bw.namespaces(network), "--chdir", os.getcwd(),
        "--seccomp", str(_FILTER_FD), "--", *_landlock_layer(policy.writable), "/bin/sh", "-c", _SHIM, *command,
    ]  # fmt: skip


def _landlock_layer(roots: list[str]) -> list[str]:
    """The helper's argv before the shim, or nothing where the kernel or the install lacks Landlock."""
    if os.environ.get("REELKIT_LANDLOCK") == "off" or not os.access(_LANDLOCK, os.X_OK):
        return []
    version = _libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION)
    return [_LANDLOCK, *roots, "--"] if version >= 1 else []


def _spawn(argv: list[str], filter_fd: int, ready_fd: int) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            # Copies first (above every fd in use), then onto the fixed numbers: neither move clobbers the other.
            copies = os.dup(filter_fd), os.dup(ready_fd)
            os.dup2(copies[0], _FILTER_FD)
            os.dup2(copies[1], _READY_FD)
            os.execv(argv[0], argv)
        finally:
            os._exit(EXIT_REFUSED)
    return pid


def run_sandboxed(policy: Policy, command: list[str]) -> int:
    try:
        registry = bw.registry_dir()
        plan = bw.mounts(policy.writable, registry)
        program = seccomp.compile_filter(policy.network)
    except seccomp.SeccompUnavailable as exc:
        raise Refused(str(exc)) from exc
    filter_r, filter_w = os.pipe()
    os.write(filter_w, program)
    os.close(filter_w)
    ready_r, ready_w = os.pipe()
    synthetic = bw.Synthetic(registry, plan.masked)
    try:
        argv = _bwrap_argv(policy, command, plan)
        synthetic.register()
        pid = _spawn(argv, filter_r, ready_w)
    finally:
        os.close(filter_r)
        os.close(ready_w)
    try:
        _forward(pid)
        status = _reap_all(pid)
        os.set_blocking(ready_r, False)
        with contextlib.suppress(BlockingIOError):
            if os.read(ready_r, 1):
                return status
    finally:
        os.close(ready_r)
        synthetic.release()
    if status != _BWRAP_FAILED:
        return status  # killed before the shim ran (e.g. terminated at once): not a refusal
    raise Refused("bubblewrap could not build the sandbox (its message is above)")


def run_direct(command: list[str]) -> int:
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            _say(f"sandbox: cannot run {command[0]}: {exc.strerror}")
            os._exit(127)
    _forward(pid, group=True)
    return _reap_all(pid)


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


def _forward(main_pid: int, group: bool = False) -> None:
    # bwrap dies of the signal and takes its whole pid namespace with it (--die-with-parent).
    def relay(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            (os.killpg if group else os.kill)(main_pid, signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, relay)


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def main(argv: list[str]) -> int:
    try:
        policy, command = Policy.parse(argv)
    except ValueError as exc:
        _say(str(exc) if "usage" in str(exc) else "usage: launch.py MODE network|no-network [ROOT...] -- ARGV...")
        return 2
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if policy.mode == "danger-full-access":
        return run_direct(command)
    try:
        return run_sandboxed(policy, command)
    except bw.SandboxError as exc:
        _say(str(exc))
        return 1  # as codex: an ordinary failed command
    except (Refused, OSError) as exc:
        _say(f"sandbox: refusing to run under {policy.mode}: {exc}")
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
