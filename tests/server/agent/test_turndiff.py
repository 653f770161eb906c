"""The turn diff in git's format: baselines from the first touch, blob ids as git computes them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from server.agent.turndiff import TurnDiff, repo_root


def test_update_matches_git_and_untouched_or_restored_files_are_left_out(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)  # paths are anchored at the repository root
    (ws / "a.txt").write_text("one\ntwo\nthree\n")
    (ws / "same.txt").write_text("x\n")
    diff = TurnDiff(ws)
    diff.touch(ws / "a.txt", ws / "same.txt")
    (ws / "a.txt").write_text("one\nTWO\nthree\n")
    diff.touch(ws / "a.txt")  # a second touch keeps the first baseline
    lines = diff.render().splitlines()
    blob = subprocess.run(["git", "hash-object", str(ws / "a.txt")], capture_output=True, text=True, check=True)
    assert lines[:4] == ["diff --git a/a.txt b/a.txt", lines[1], "--- a/a.txt", "+++ b/a.txt"]
    assert lines[1].endswith(f"..{blob.stdout.strip()} 100644")
    assert lines[4:] == ["@@ -1,3 +1,3 @@", " one", "-two", "+TWO", " three"]


def test_executables_deletions_and_paths_outside_the_workspace(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "elsewhere.sh"
    (ws / ".git").mkdir(parents=True)
    (ws / "old.txt").write_text("bye\n")
    diff = TurnDiff(ws)
    diff.touch(ws / "old.txt", outside)
    (ws / "old.txt").unlink()
    outside.write_text("#!/bin/sh\n")
    outside.chmod(0o755)
    text = diff.render()
    assert f"diff --git a/{outside} b/{outside}\nnew file mode 100755\n" in text
    assert "diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n" in text
    assert "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n" in text


def test_paths_are_anchored_at_the_nearest_git_entry(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    assert repo_root(tmp_path / "repo" / "sub") == tmp_path / "repo"
    assert repo_root(tmp_path / "repo") == tmp_path / "repo"
