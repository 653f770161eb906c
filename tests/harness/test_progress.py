"""Long commands show a progress line on a terminal (a real pty) and nothing extra on a pipe."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from harness.progress import Progress

ROOT = Path(__file__).parents[2]
LONG = ["cassettes/threads/resumed_after_restart.yaml", "cassettes/turns/text.yaml"]  # 5 + 2 scenario steps
WIPE = "\r\x1b[K"


def _on_pty(args: list[str], deadline: float = 60.0) -> tuple[int, str, str]:
    """Run `python -m harness ARGS` with stderr on a pseudo-terminal; return (code, terminal text, stdout)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))  # 24 rows, 160 columns
    proc = subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=child)  # fmt: skip
    os.close(child)
    seen, end = b"", time.monotonic() + deadline
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], end - time.monotonic())
            try:
                chunk = os.read(main, 4096) if ready else b""
            except OSError:  # EIO: every writer closed the terminal, the command is done
                break
            if not chunk:
                break
            seen += chunk
        out, _ = proc.communicate(timeout=deadline)  # also closes the stdout pipe
        return proc.returncode, seen.decode(), out.decode()
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_long_replay_shows_its_steps_on_a_terminal() -> None:
    code, terminal, out = _on_pty(["replay", *LONG])
    assert (code, out) == (0, "2 passed, 0 failed\n")
    for n in range(1, 6):  # every step of the 5-step session, then of the next cassette, on the status line
        assert f"{WIPE}[1/2] [----------] {LONG[0]} ... step {n}/5" in terminal
    assert f"{WIPE}[2/2] [#####-----] {LONG[1]} ... step 2/2" in terminal
    # The status line is wiped before each result, so what stays on screen is one line per cassette.
    assert terminal.endswith(f"{WIPE}[2/2] {LONG[1]} ... \x1b[32mok\x1b[0m\r\n")
    assert f"{WIPE}[1/2] {LONG[0]} ... \x1b[32mok\x1b[0m\r\n" in terminal


@pytest.mark.parametrize("command", ["verify", "lint"])
def test_verify_and_lint_show_which_cassette_they_are_on(command: str) -> None:
    library = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "cassettes" / "turns").glob("*.yaml"))
    code, terminal, out = _on_pty([command, *library])
    assert code == 0
    assert out.endswith(f"{len(library)} passed, 0 failed\n")
    verb = "verifying" if command == "verify" else "linting"
    for number, path in enumerate(library, 1):
        assert f"{WIPE}[{number}/{len(library)}] [" in terminal
        assert f"] {verb} {path}" in terminal
    assert terminal.endswith(WIPE)  # nothing left behind on the screen


def test_a_pipe_gets_no_progress_line() -> None:
    done = subprocess.run([sys.executable, "-m", "harness", "replay", *LONG], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0
    assert done.stderr == "".join(f"[{n}/2] {path} ... ok\n" for n, path in enumerate(LONG, 1))
    assert done.stdout == "2 passed, 0 failed\n"


def test_a_recording_shows_its_steps_on_a_terminal(tmp_path: Path) -> None:
    cassette = tmp_path / "resumed.yaml"
    scenario = "cassettes/scenarios/threads/resumed_after_restart.yaml"
    code, terminal, out = _on_pty(["record", "--scenario", scenario, "--cassette", str(cassette)])
    assert code == 0, terminal
    assert out == f"recorded {cassette} and resumed.jsonl\n"
    for n in range(1, 6):
        assert f"{WIPE}[1/1] [----------] recording {scenario} ... step {n}/5" in terminal
    assert terminal.endswith(WIPE)
    assert cassette.exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_label_gives_way_to_the_step_count_on_a_narrow_terminal() -> None:
    screen = _Terminal()  # no file descriptor: the width falls back to 80 columns
    progress = Progress(3, screen)
    progress.begin("recording " + "deep/" * 20 + "session.yaml")
    progress.step(4, 9)
    last = screen.getvalue().rsplit(WIPE, 1)[1]
    assert last.startswith("[1/3] [----------] ...")
    assert last.endswith("deep/session.yaml ... step 4/9")
    assert len(last) == 79  # one line less than the width: the line never wraps, so it can be wiped
