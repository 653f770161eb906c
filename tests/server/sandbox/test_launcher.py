"""The launcher's own promises: codex's protected names, its refusals, seccomp, and the mount points
it makes and removes. Everything runs for real (bwrap, the kernel, the filesystem)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from server.sandbox import EXIT_REFUSED, SandboxMode, SandboxPolicy, bwrap, wrap
from server.tools import apply_patch as ap

WS = SandboxPolicy(SandboxMode.WORKSPACE_WRITE, include_tmp=False)


def run(policy: SandboxPolicy, ws: Path, script: str, **kw: object) -> subprocess.CompletedProcess[str]:
    argv = wrap(["bash", "-c", script], policy, ws)
    return subprocess.run(argv, cwd=kw.pop("cwd", ws), capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload, no-any-return]


def test_protected_names_stay_read_only_and_missing_ones_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / ".git/hooks").mkdir(parents=True)
    (tmp_path / ".agents").mkdir()  # empty: masked like a missing one
    result = run(WS, tmp_path, "for d in .git/hooks .agents .codex .aws; do touch $d/x; mkdir -p $d; done; echo ok > f")
    assert result.stderr.count("Read-only file system") == 4, result.stderr
    assert (tmp_path / "f").read_text() == "ok\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".agents", ".git", "f"]  # no mount point left behind
    assert list((tmp_path / ".git/hooks").iterdir()) == []


def test_a_symlinked_protected_name_refuses_with_codexs_message(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".codex").symlink_to(tmp_path / "elsewhere")
    result = run(WS, tmp_path, "echo ran > ran.txt")
    assert (result.returncode, result.stderr) == (
        1,
        f"error building bubblewrap command: Fatal error: cannot enforce sandbox read-only path {tmp_path}/.codex "
        f"because it crosses writable symlink {tmp_path}/.codex\n",
    )
    assert not (tmp_path / "ran.txt").exists()


def test_the_workdir_grants_nothing(tmp_path: Path) -> None:
    ws, out = tmp_path / "ws", tmp_path / "out"
    ws.mkdir()
    out.mkdir()
    (ws / "link").symlink_to(out)
    for workdir in (out, ws / "link"):
        result = run(WS, ws, "pwd; echo pwn > pwn.txt", cwd=workdir)
        assert result.stdout == f"{out}\n"  # resolved, symlinks followed
        assert "Read-only file system" in result.stderr
    assert list(out.iterdir()) == []


def test_without_bwrap_nothing_runs(tmp_path: Path) -> None:
    result = run(WS, tmp_path, "echo ran > ran.txt", env={"PATH": str(tmp_path)})
    assert result.returncode == EXIT_REFUSED
    assert "bubblewrap (bwrap) is not installed" in result.stderr
    assert not (tmp_path / "ran.txt").exists()


def test_when_bwrap_cannot_build_the_sandbox_nothing_runs(tmp_path: Path) -> None:
    # As on a kernel without user namespaces: bwrap fails before the command; we must not run it anyway.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\n"
                                "exit 1\n")  # fmt: skip
    (fake / "bwrap").chmod(0o755)
    result = run(WS, tmp_path, "echo ran > ran.txt", env={"PATH": f"{fake}:/usr/bin:/bin"})
    assert result.returncode == EXIT_REFUSED
    assert "refusing to run under workspace-write: bubblewrap could not build the sandbox" in result.stderr
    assert not (tmp_path / "ran.txt").exists()


def test_a_failing_command_is_not_a_refusal(tmp_path: Path) -> None:
    assert run(WS, tmp_path, "exit 1").returncode == 1


def test_a_missing_command_says_so(tmp_path: Path) -> None:
    result = subprocess.run(wrap(["no-such-command-x"], WS, tmp_path), cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert (result.returncode, result.stderr) == (
        127,
        "sandbox: cannot run no-such-command-x: No such file or directory\n",
    )


def test_runs_when_the_launcher_inherits_many_fds(tmp_path: Path) -> None:
    # Its pipes then get fds past 9, which /bin/sh (dash) cannot name: they are moved to fixed low numbers.
    opened = " ".join(f"{fd}</dev/null" for fd in range(3, 13))
    argv = ["bash", "-c", f'exec "$@" {opened}', "_", *wrap(["echo", "ok"], WS, tmp_path)]
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("socket.socket(socket.AF_INET)", "Operation not permitted"),
        ("socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)", "Operation not permitted"),
        ("socket.socket(socket.AF_UNIX).connect('/nonexistent')", "Operation not permitted"),
        ("import os; a, b = socket.socketpair(); os.write(a.fileno(), b'ok'); print(os.read(b.fileno(), 2))", "ok"),
    ],
)
def test_seccomp_allows_unix_ipc_and_nothing_else(tmp_path: Path, code: str, expected: str) -> None:
    result = run(WS, tmp_path, f'python3 -c "import socket; {code}"')
    assert expected in result.stdout + result.stderr


def test_capabilities_and_privileges_are_gone(tmp_path: Path) -> None:
    result = run(WS, tmp_path, "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; echo $$")
    assert result.stdout.split() == [
        "CapEff:", "0000000000000000", "CapBnd:", "0000000000000000", "NoNewPrivs:", "1", "Seccomp:", "2", "2",
    ]  # fmt: skip


def test_a_missing_protected_name_stays_masked_while_any_command_needs_it(tmp_path: Path) -> None:
    # A long command keeps its mask when a short one ends: the mount point is removed by the last one only.
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    policy = SandboxPolicy(SandboxMode.WORKSPACE_WRITE, writable_roots=(tmp_path,), include_tmp=False)
    ws = tmp_path / "ws"
    ws.mkdir()
    script = f"echo up; read _ < {fifo}; mkdir -p .git/hooks; touch .git/hooks/x"
    long = subprocess.Popen(wrap(["bash", "-c", script], policy, ws), cwd=ws, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert long.stdout is not None
        assert long.stdout.readline() == "up\n"  # its sandbox (and the mask) is in place
        assert run(policy, ws, "true").returncode == 0
    finally:
        fifo.write_text("go\n")
        _, err = long.communicate(timeout=60)
    assert "Read-only file system" in err
    assert sorted(p.name for p in ws.iterdir()) == []


def test_a_mask_made_by_one_command_outlives_it_while_a_later_one_runs(tmp_path: Path) -> None:
    # A makes the mount point for a missing .git, B starts while A runs, A ends: B must keep its mask
    # (removing the directory would detach B's read-only tmpfs), and the last one out removes it.
    ws = tmp_path / "ws"
    ws.mkdir()
    fifos = [tmp_path / "a", tmp_path / "b"]
    for fifo in fifos:
        os.mkfifo(fifo)
    scripts = [
        f"echo up; read _ < {fifos[0]}",
        f"echo up; read _ < {fifos[1]}; mkdir -p .git/hooks; touch .git/hooks/x",
    ]
    procs: list[subprocess.Popen[str]] = []
    try:
        for script in scripts:
            proc = subprocess.Popen(wrap(["bash", "-c", script], WS, ws), cwd=ws, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)  # fmt: skip
            procs.append(proc)
            assert proc.stdout is not None
            assert proc.stdout.readline() == "up\n"
        fifos[0].write_text("go\n")
        procs[0].communicate(timeout=60)
        assert procs[0].returncode == 0
        assert (ws / ".git").is_dir()  # still B's mount point
        fifos[1].write_text("go\n")
        _, err = procs[1].communicate(timeout=60)
        assert "Read-only file system" in err
    finally:
        for proc in procs:  # even when an assertion failed: nothing of ours left running
            if proc.poll() is None:
                proc.terminate()
            proc.communicate(timeout=60)
    assert sorted(p.name for p in ws.iterdir()) == []


def test_patch_checks_treat_protected_names_as_outside(tmp_path: Path) -> None:
    policy = SandboxPolicy(SandboxMode.WORKSPACE_WRITE)
    verdicts = {p: policy.allows_write(tmp_path / p, tmp_path) for p in ("a.txt", ".git/x", ".codex/c", "d/.git/x")}
    assert verdicts == {"a.txt": True, ".git/x": False, ".codex/c": False, "d/.git/x": True}
    assert ap.rejected_text("workspace-write") == (
        "patch rejected: writing outside of the project; rejected by user approval settings"
    )
    assert ap.rejected_text("read-only") == (
        "patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings"
    )


def test_a_mount_point_left_by_a_killed_launcher_is_cleaned_up(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid no launcher holds any more
    (tmp_path / ".git").mkdir()
    marker = Path(bwrap.registry_dir()) / f"{gone.pid}.0"
    marker.write_text(str(tmp_path / ".git"))
    assert run(WS, tmp_path, "true").returncode == 0
    assert (list(tmp_path.iterdir()), marker.exists()) == ([], False)


def test_with_the_network_on_loopback_tcp_works(tmp_path: Path) -> None:
    policy = SandboxPolicy(SandboxMode.WORKSPACE_WRITE, network_access=True, include_tmp=False)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        result = run(policy, tmp_path, f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}))\"")
        assert result.returncode == 0, result.stderr
        server.accept()[0].close()


def test_landlock_denies_a_write_that_bwrap_alone_allows(tmp_path: Path) -> None:
    """bwrap's /dev is a private writable tmpfs; only the Landlock layer keeps writes to it out."""
    script = "echo x > /dev/shm/f; echo x > /dev/f; echo ok > in-root; echo > /dev/null && echo fine"
    alone = run(WS, tmp_path, script, env={**os.environ, "REELKIT_LANDLOCK": "off"})
    assert (alone.returncode, alone.stdout, alone.stderr) == (0, "fine\n", "")
    (tmp_path / "in-root").unlink()
    layered = run(WS, tmp_path, script)
    assert layered.stderr.count("Permission denied") == 2, layered.stderr
    assert (layered.stdout, (tmp_path / "in-root").read_text()) == ("fine\n", "ok\n")


def test_the_landlock_helper_alone_confines_writes_to_its_roots(tmp_path: Path) -> None:
    helper = Path(sys.executable).with_name("reelkit-landlock")
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    script = f"echo a > {inside}/a; echo b > {outside}/b; mkdir {outside}/d; cat {inside}/a"
    done = subprocess.run([str(helper), str(inside), "--", "/bin/sh", "-c", script], capture_output=True, text=True)
    assert (done.stdout, done.stderr.count("Permission denied")) == ("a\n", 2), done.stderr
    assert list(outside.iterdir()) == []
    usage = subprocess.run([str(helper), str(inside)], capture_output=True, text=True)
    assert (usage.returncode, usage.stderr) == (2, "usage: reelkit-landlock [WRITABLE_ROOT...] -- ARGV...\n")
