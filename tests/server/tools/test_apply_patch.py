from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.sandbox import SandboxMode, SandboxPolicy, wrap
from server.tools import apply_patch as ap


def run(patch: str, cwd: Path) -> str:
    return ap.apply(ap.plan(ap.parse(patch), cwd))


def test_add_update_delete_and_move(tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text("def f():\n    return 1\n\n\ndef g():\n    return 2\n")
    (tmp_path / "old.txt").write_text("bye\n")
    (tmp_path / "mv.txt").write_text("a\nb\n")
    summary = run(
        "*** Begin Patch\n*** Add File: pkg/new.txt\n+hello\n+world\n*** Update File: code.py\n@@ def g():\n"
        "-    return 2\n+    return 3\n*** Delete File: old.txt\n*** Update File: mv.txt\n*** Move to: moved.txt\n"
        "@@\n a\n-b\n+c\n*** End Patch\n",
        tmp_path,
    )
    assert summary == "Success. Updated the following files:\nA pkg/new.txt\nM code.py\nD old.txt\nM moved.txt\n"
    files = {p.name: p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {
        "new.txt": "hello\nworld\n",
        "code.py": "def f():\n    return 1\n\n\ndef g():\n    return 3\n",
        "moved.txt": "a\nc\n",
    }


def test_context_markers_pick_the_right_occurrence_and_eof(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x = 1\n[a]\nx = 1\n[b]\nx = 1\n")
    run("*** Begin Patch\n*** Update File: f.txt\n@@ [b]\n-x = 1\n+x = 2\n*** End of File\n*** End Patch", tmp_path)
    assert (tmp_path / "f.txt").read_text() == "x = 1\n[a]\nx = 1\n[b]\nx = 2\n"


def test_whitespace_drift_is_tolerated(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("    value = 1   \n")
    run("*** Begin Patch\n*** Update File: f.txt\n-value = 1\n+    value = 2\n*** End Patch", tmp_path)
    assert (tmp_path / "f.txt").read_text() == "    value = 2\n"


def test_planned_changes_carry_item_diffs(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("one\ntwo\n")
    changes = ap.plan(ap.parse("*** Begin Patch\n*** Update File: f.txt\n one\n-two\n+three\n*** End Patch"), tmp_path)
    assert [(c.kind, c.diff) for c in changes] == [("update", "@@ -1,2 +1,2 @@\n one\n-two\n+three\n")]
    assert (tmp_path / "f.txt").read_text() == "one\ntwo\n"  # planning writes nothing


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("nonsense", "first line must be"),
        ("*** Begin Patch\n*** Add File: a\n+x\n", "last line must be"),
        ("*** Begin Patch\n*** End Patch", "no file operations"),
        ("*** Begin Patch\n*** Frobnicate: a\n*** End Patch", "is not a file operation"),
        ("*** Begin Patch\n*** Update File: missing.txt\n-a\n+b\n*** End Patch", "no such file"),
        ("*** Begin Patch\n*** Update File: f.txt\n-absent\n+b\n*** End Patch", "Failed to find expected lines"),
        ("*** Begin Patch\n*** Update File: f.txt\n*** End Patch", "has no changes"),
    ],
)
def test_bad_patches_explain_themselves(tmp_path: Path, patch: str, message: str) -> None:
    (tmp_path / "f.txt").write_text("present\n")
    with pytest.raises(ap.PatchError, match=message):
        ap.plan(ap.parse(patch), tmp_path)
    assert (tmp_path / "f.txt").read_text() == "present\n"


def sandboxed_apply(changes: list[ap.FileChange], cwd: Path, mode: SandboxMode) -> subprocess.CompletedProcess[str]:
    argv = wrap([sys.executable, "-E", "-s", "-S", ap.__file__], SandboxPolicy(mode, include_tmp=False), cwd)
    return subprocess.run(
        argv, input=json.dumps([c.to_json() for c in changes]), capture_output=True, text=True, timeout=60
    )


def test_the_sandboxed_writer_applies_inside_and_is_denied_outside(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    inside = ap.plan(ap.parse("*** Begin Patch\n*** Add File: in.txt\n+ok\n*** End Patch"), ws)
    escape = ap.plan(ap.parse("*** Begin Patch\n*** Add File: ../outside/evil.txt\n+pwned\n*** End Patch"), ws)
    good = sandboxed_apply(inside, ws, SandboxMode.WORKSPACE_WRITE)
    bad = sandboxed_apply(escape, ws, SandboxMode.WORKSPACE_WRITE)
    ro = sandboxed_apply(
        ap.plan(ap.parse("*** Begin Patch\n*** Add File: ro.txt\n+x\n*** End Patch"), ws), ws, SandboxMode.READ_ONLY
    )
    assert (good.returncode, good.stdout, (ws / "in.txt").read_text()) == (
        0,
        "Success. Updated the following files:\nA in.txt\n",
        "ok\n",
    )
    assert (bad.returncode, "Read-only file system" in bad.stderr, list(outside.iterdir())) == (1, True, [])
    assert (ro.returncode, (ws / "ro.txt").exists()) == (1, False)


def test_a_new_file_gets_the_umask_mode_and_an_updated_one_keeps_its_own(tmp_path: Path) -> None:
    (tmp_path / "script.sh").write_text("echo a\n")
    (tmp_path / "script.sh").chmod(0o755)
    changes = ap.plan(ap.parse("*** Begin Patch\n*** Add File: new.txt\n+x\n*** Update File: script.sh\n"
                               "-echo a\n+echo b\n*** End Patch"), tmp_path)  # fmt: skip
    result = sandboxed_apply(changes, tmp_path, SandboxMode.WORKSPACE_WRITE)
    assert result.returncode == 0, result.stderr
    umask = subprocess.run(["sh", "-c", "umask"], capture_output=True, text=True, check=True).stdout
    modes = [(tmp_path / name).stat().st_mode & 0o777 for name in ("new.txt", "script.sh")]
    assert modes == [0o666 & ~int(umask, 8), 0o755]
