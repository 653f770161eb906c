"""Sandbox escape suite: every attempt runs for real under the launcher and must leave no trace.

Judged by effects, not exit codes: the tree outside the workspace is byte-for-byte unchanged, the
loopback listeners received nothing, a process outside the sandbox was not signalled, and nothing
the command started is still alive afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.sandbox import SandboxMode, SandboxPolicy, wrap

WS, RO = SandboxMode.WORKSPACE_WRITE, SandboxMode.READ_ONLY
# (name, mode, bash script); {ws} workspace, {out} a directory outside it, {port}/{udp}/{abstract} listeners.
ATTEMPTS: list[tuple[str, SandboxMode, str]] = [
    ("redirect-outside", WS, "echo pwned > {out}/new.txt"),
    ("touch-outside", WS, "touch {out}/new.txt"),
    ("mkdir-outside", WS, "mkdir {out}/newdir"),
    ("cp-outside", WS, "cp {ws}/file.txt {out}/copied.txt"),
    ("mv-out-of-workspace", WS, "mv {ws}/file.txt {out}/moved.txt"),
    ("append-existing", WS, "echo more >> {out}/existing.txt"),
    ("truncate-existing", WS, "truncate -s 0 {out}/existing.txt"),
    ("rm-existing", WS, "rm -f {out}/existing.txt"),
    ("rmdir-outside", WS, "rmdir {out}/emptydir"),
    ("dotdot-path", WS, "echo pwned > {ws}/../out/new.txt"),
    ("cd-dotdot", WS, "cd {ws} && echo pwned > ../out/new.txt"),
    ("symlink-dir", WS, "ln -s {out} {ws}/link && echo pwned > {ws}/link/new.txt"),
    ("symlink-file", WS, "ln -s {out}/existing.txt {ws}/l2 && echo pwned > {ws}/l2"),
    ("symlink-relative", WS, "ln -s ../out {ws}/rel && echo pwned > {ws}/rel/new.txt"),
    ("hardlink-in", WS, "ln {out}/existing.txt {ws}/hard && echo pwned >> {ws}/hard"),
    ("hardlink-out", WS, "ln {ws}/file.txt {out}/hard.txt"),
    ("proc-self-root", WS, "echo pwned > /proc/self/root{out}/new.txt"),
    ("proc-self-cwd", WS, "cd {ws} && echo pwned > /proc/self/cwd/../out/new.txt"),
    ("proc-fd-dir", WS, "exec 3<{out} && echo pwned > /proc/self/fd/3/new.txt"),
    ("python-open", WS, "python3 -c \"open('{out}/new.txt', 'w').write('pwned')\""),
    ("python-rename", WS, "python3 -c \"import os; os.rename('{ws}/file.txt', '{out}/r.txt')\""),
    ("dd-outside", WS, "dd if=/dev/zero of={out}/dd.bin bs=1 count=8"),
    ("tee-outside", WS, "echo pwned | tee {out}/tee.txt"),
    ("sed-inplace", WS, "sed -i s/original/pwned/ {out}/existing.txt"),
    ("mkfifo-outside", WS, "mkfifo {out}/fifo"),
    ("unix-socket-file", WS, "python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('{out}/sock')\""),
    ("mount-over", WS, "mount -t tmpfs none {out} && echo pwned > {out}/new.txt"),
    ("dev-shm", WS, "echo pwned > /dev/shm/reelkit-{tag}"),
    ("home-dotfile", WS, "echo pwned >> $HOME/.reelkit-{tag}"),
    ("tcp-connect-ip", WS, "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2)\""),
    ("tcp-connect-name", WS, "python3 -c \"import socket; socket.create_connection(('localhost', {port}), 2)\""),
    ("bash-dev-tcp", WS, "echo hi > /dev/tcp/127.0.0.1/{port}"),
    (
        "udp-send",
        WS,
        "python3 -c \"import socket as s; s.socket(s.AF_INET, s.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {udp}))\"",
    ),
    (
        "abstract-unix",
        WS,
        "python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect(b'\\\\0{abstract}')\"",
    ),
    ("signal-outside", WS, "kill -TERM {victim}"),
    ("orphan-setsid", WS, "setsid sleep 300 {tag} > /dev/null 2>&1 < /dev/null &"),
    ("orphan-double-fork", WS, "(nohup sleep 300 {tag} > /dev/null 2>&1 &) ; true"),
    (
        "orphan-daemon",
        WS,
        'python3 -c "import os\nif os.fork()==0:\n os.setsid()\n'
        " if os.fork()==0: os.execvp('sleep',['sleep','300','{tag}'])\"",
    ),
    ("ro-write-workspace", RO, "echo pwned > {ws}/file.txt"),
    ("ro-create-workspace", RO, "touch {ws}/new.txt"),
    ("ro-mkdir-workspace", RO, "mkdir {ws}/d"),
    ("ro-tmp", RO, "echo pwned > {out}/new.txt"),
    ("ro-network", RO, "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 2)\""),
]


@dataclass
class Scene:
    ws: Path
    out: Path
    tcp: socket.socket
    udp: socket.socket
    abstract: socket.socket
    abstract_name: str
    victim: subprocess.Popen[bytes]
    tag: str


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    out = {}
    for path in sorted(root.rglob("*")):
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        out[str(path.relative_to(root))] = (path.lstat().st_mode, data)
    return out


def pending(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        if sock.type == socket.SOCK_STREAM:
            sock.accept()[0].close()
        else:
            sock.recvfrom(64)
    except BlockingIOError:
        return False
    return True


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    ws, out = tmp_path / "ws", tmp_path / "out"
    ws.mkdir()
    (out / "emptydir").mkdir(parents=True)
    (ws / "file.txt").write_text("workspace file\n")
    (out / "existing.txt").write_text("original\n")
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    name = f"reelkit-{uuid.uuid4().hex}"
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(b"\0" + name.encode())
    abstract.listen()
    victim = subprocess.Popen(["sleep", "300"])
    try:
        yield Scene(ws, out, tcp, udp, abstract, name, victim, uuid.uuid4().hex)
    finally:
        # The unconfined "mount-over" attempt really mounts (we are root); undo it so tmp_path can be removed.
        subprocess.run(["umount", "-l", str(out)], capture_output=True, check=False)
        victim.kill()
        victim.wait()
        for sock in (tcp, udp, abstract):
            sock.close()


def survivors(tag: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


def observe(scene: Scene, mode: SandboxMode, script: str, policy: SandboxPolicy) -> tuple[dict[str, bool], str]:
    command = script.format(
        ws=scene.ws, out=scene.out, port=scene.tcp.getsockname()[1], udp=scene.udp.getsockname()[1],
        abstract=scene.abstract_name, victim=scene.victim.pid, tag=scene.tag,
    )  # fmt: skip
    before_out, before_ws = snapshot(scene.out), snapshot(scene.ws)
    env = {"PATH": os.environ["PATH"], "HOME": str(scene.out)}
    run = subprocess.run(
        wrap(["bash", "-c", command], policy, scene.ws), cwd=scene.ws, env=env, capture_output=True, timeout=60
    )
    left = survivors(scene.tag)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    observed = {
        "outside unchanged": snapshot(scene.out) == before_out,
        "workspace unchanged (read-only)": mode is not RO or snapshot(scene.ws) == before_ws,
        "no tcp connection": not pending(scene.tcp),
        "no udp datagram": not pending(scene.udp),
        "no abstract-socket connection": not pending(scene.abstract),
        "victim alive": scene.victim.poll() is None,
        "no survivors": left == [],
        "nothing in /dev/shm": not Path(f"/dev/shm/reelkit-{scene.tag}").exists(),
    }
    Path(f"/dev/shm/reelkit-{scene.tag}").unlink(missing_ok=True)
    return observed, run.stderr.decode()


@pytest.mark.parametrize(("name", "mode", "script"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_escape_attempt_is_denied(scene: Scene, name: str, mode: SandboxMode, script: str) -> None:
    observed, stderr = observe(scene, mode, script, SandboxPolicy(mode, include_tmp=False))
    assert observed == dict.fromkeys(observed, True), stderr


# Attempts whose effect the launcher prevents even unconfined: it always reaps what a command leaves behind.
_REAPED_ANYWAY = {"orphan-setsid", "orphan-double-fork", "orphan-daemon"}


@pytest.mark.parametrize(("name", "mode", "script"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_each_attempt_really_escapes_without_the_sandbox(
    scene: Scene, name: str, mode: SandboxMode, script: str
) -> None:
    observed, _ = observe(scene, mode, script, SandboxPolicy(SandboxMode.DANGER_FULL_ACCESS))
    assert (name in _REAPED_ANYWAY) == all(observed.values()), observed


def test_the_suite_counts_at_least_30_distinct_attempts() -> None:
    assert len({name for name, _, _ in ATTEMPTS}) == len(ATTEMPTS) >= 30


def test_the_workspace_stays_writable(tmp_path: Path) -> None:
    # The suite would pass vacuously if the sandbox denied everything; the workspace must still work.
    policy = SandboxPolicy(WS, include_tmp=False)
    run = subprocess.run(
        wrap(["bash", "-c", "echo ok > new.txt && mkdir d && mv new.txt d/"], policy, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert (run.returncode, (tmp_path / "d" / "new.txt").read_text()) == (0, "ok\n")


def test_full_access_is_unconfined(tmp_path: Path) -> None:
    target = tmp_path / "outside.txt"
    policy = SandboxPolicy(SandboxMode.DANGER_FULL_ACCESS)
    run = subprocess.run(
        wrap(["bash", "-c", f"echo ok > {target}"], policy, tmp_path / "nowhere"), capture_output=True, timeout=60
    )
    assert (run.returncode, target.read_text()) == (0, "ok\n")
