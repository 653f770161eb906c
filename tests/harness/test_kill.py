"""Kill test: SIGINT and SIGKILL at 50 seeded points of `harness record`, of `harness proxy` and of a recording
pytest run, each over an existing cassette. Afterwards (once the next reader has run `recover()`) the old
files are byte for byte what they were, or the new ones are complete and verify. Real subprocesses, each
in its own process group, signalled as a terminal's Ctrl-C would (the whole group)."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import openai
import pytest
import yaml

from harness.inspect import verify
from harness.intercept import intercept
from harness.redact import Redactor
from harness.session import scenario_of
from harness.tape import Tape
from harness.vault import recover
from mockprovider import ThreadedMockProvider
from mockprovider.cassette import Cassette

LIBRARY = Path(__file__).parents[2] / "cassettes"
# 50 points in all: (target, signal) -> how many seeded kill times.
POINTS = {("record", "INT"): 9, ("record", "KILL"): 8, ("proxy", "INT"): 8, ("proxy", "KILL"): 9,
          ("pytest", "INT"): 8, ("pytest", "KILL"): 8}  # fmt: skip
WINDOW_S = {"record": 4.0, "proxy": 1.5, "pytest": 5.0}  # kill times are drawn from [0, window)
PYTEST_PROJECT = """
import os, openai, pytest
CLIENT = openai.OpenAI(base_url=os.environ["KILL_UPSTREAM"], api_key="sk-kill", max_retries=0)

@pytest.mark.cassette("c.yaml")
def test_calls():
    for n in range(6):
        assert CLIENT.responses.create(model="m", input=f"q{n}").output_text == "answer"
"""


def _snapshot(paths: list[Path]) -> dict[Path, bytes | None]:
    return {p: p.read_bytes() if p.exists() else None for p in paths}


def _judge(cassette: Path, before: dict[Path, bytes | None]) -> str:
    recover(cassette)
    if _snapshot(list(before)) == before:
        return "old"
    problems = verify(cassette, Redactor())
    assert problems == [], problems
    return "new"


def _kill_at(proc: subprocess.Popen[bytes], delay: float, sig: signal.Signals) -> None:
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=60)
    finally:
        if proc.stdout is not None:
            proc.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever the group left behind (an app-server child)


def _spawn(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)  # fmt: skip


def _record_target(tmp: Path) -> tuple[Path, Callable[[], subprocess.Popen[bytes]]]:
    cassette = tmp / "text.yaml"
    shutil.copy(LIBRARY / "turns" / "text.yaml", cassette)
    shutil.copy(LIBRARY / "turns" / "text.jsonl", cassette.with_suffix(".jsonl"))
    scenario = tmp / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(scenario_of(Cassette.load(cassette)).model_dump(exclude_defaults=True)))
    argv = [sys.executable, "-m", "harness", "record", "--scenario", str(scenario), "--cassette", str(cassette)]
    return cassette, lambda: _spawn(argv, tmp)


def _drive(url: str, stop: threading.Event) -> None:
    with openai.OpenAI(base_url=url, api_key="sk-kill", max_retries=0, timeout=5) as client:
        while not stop.is_set():
            try:
                client.responses.create(model="m", input="q")
            except openai.OpenAIError:
                return  # the proxy is gone


def _seed_plugin_cassette(path: Path, upstream: str) -> None:
    tape = Tape(path, "once", ci=False)
    with intercept(tape), openai.OpenAI(base_url=upstream, api_key="sk-kill", max_retries=0) as client:
        client.responses.create(model="m", input="old")
    tape.commit()


@pytest.mark.parametrize(("target", "sig"), list(POINTS))
def test_a_killed_recording_never_loses_the_old_cassette(tmp_path: Path, target: str, sig: str) -> None:
    rng = random.Random(f"{target}-{sig}")  # seeded: the same kill points on every run
    outcomes = []
    with ThreadedMockProvider([{"text": "answer"}], speed=0, loop_script=True) as mock:
        for point in range(POINTS[(target, sig)]):
            tmp = tmp_path / str(point)
            tmp.mkdir()
            delay = rng.uniform(0, WINDOW_S[target])
            if target == "record":
                cassette, start = _record_target(tmp)
                paths = [cassette, cassette.with_suffix(".jsonl")]
            elif target == "proxy":
                cassette = tmp / "proxy.yaml"
                _seed_plugin_cassette(cassette, mock.url)
                argv = [sys.executable, "-m", "harness", "proxy", "--upstream", mock.url, "--cassette", str(cassette)]
                start, paths = functools.partial(_spawn, argv, tmp), [cassette]
            else:
                cassette = tmp / "c.yaml"
                _seed_plugin_cassette(cassette, mock.url)
                (tmp / "test_kill_me.py").write_text(PYTEST_PROJECT)
                env = {**os.environ, "KILL_UPSTREAM": mock.url}
                env.pop("CI", None)
                argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--record-mode=rewrite",
                        "-p", "no:randomly", "test_kill_me.py"]  # fmt: skip
                start, paths = functools.partial(_spawn, argv, tmp, env), [cassette]
            before = _snapshot(paths)
            proc = start()
            stop = threading.Event()
            if target == "proxy":
                announced = (proc.stdout.readline() if proc.stdout else b"").decode().split()
                if announced[:2] == ["listening", "on"]:
                    threading.Thread(target=_drive, args=(announced[2] + "/v1", stop), daemon=True).start()
            try:
                _kill_at(proc, delay, getattr(signal, f"SIG{sig}"))
            finally:
                stop.set()
            outcomes.append(_judge(cassette, before))
    assert set(outcomes) <= {"old", "new"}
    assert "old" in outcomes or sig == "INT"  # a SIGKILL never gets to save
