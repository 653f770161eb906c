"""examples/user-project's replay run under reelkit's plugin vs the same tests under pytest-recording.

Both read the same cassettes (the kit's cassettes are vcrpy files, and pytest-recording's default path is
ours: `<test dir>/cassettes/<module>/<test>.yaml`), recorded once by reelkit against the mock provider.
The pytest-recording run disables reelkit (`-p no:reelkit`), marks every test `vcr` instead and reads a copy
of the cassettes as vcrpy alone writes them (no `metadata`, no `chunks`: pytest-recording 0.15 cannot unpack
vcrpy 9.4's metadata without reelkit's shim). Wall time of the whole `pytest` process, runs alternating, median.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from mockprovider import ThreadedMockProvider

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "user-project"
AS_VCR = """
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.vcr)  # what a pytest-recording user writes instead of `cassette`
"""


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _pytest(project: Path, env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(wall s, CPU s, pytest's summary line). CPU time (user + sys of the pytest process) is the steadier
    number on a shared machine: other work on the cores stretches the wall time, not the CPU time."""
    quiet = ("-q", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning")
    argv = [sys.executable, "-m", "pytest", *quiet, *args]
    started, cpu = time.perf_counter(), _cpu()
    run = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    return time.perf_counter() - started, _cpu() - cpu, summary


def _record(project: Path, env: dict[str, str]) -> dict[str, str]:
    with ThreadedMockProvider([{"text": "Hello from the model."}], speed=1, loop_script=True) as mock, \
            ThreadedMockProvider([{"text": "Hello from chat."}], speed=1, loop_script=True) as chat:  # fmt: skip
        env = {**env, "OPENAI_BASE_URL": mock.url, "CHAT_BASE_URL": chat.url}
        seconds, _, summary = _pytest(project, env, "--record-mode=once")
        print(f"recorded in {seconds:.2f} s: {summary}")
    return env


def _as_plain_vcrpy(project: Path) -> Path:
    twin = project.with_name("project-vcr")
    shutil.copytree(project, twin)
    for path in (twin / "tests" / "cassettes").rglob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        data.pop("metadata", None)
        for item in data["interactions"]:
            item["response"].pop("chunks", None)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return twin


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelkit-bench-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("cassettes", "build", "*.egg-info"))
        (project / "as_vcr.py").write_text(AS_VCR)
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env |= {"PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)]), "OPENAI_API_KEY": "sk-bench"}
        env = _record(project, env)  # upstreams are gone from here on
        twin = _as_plain_vcrpy(project)
        sides = {
            "reelkit plugin": (project, ("-p", "no:recording")),
            "pytest-recording": (twin, ("-p", "no:reelkit", "-p", "as_vcr", "--record-mode=none", "--block-network")),
        }
        times: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        summaries: dict[str, str] = {}
        for _ in range(args.runs):
            for name, (folder, extra) in sides.items():
                path = os.pathsep.join([str(folder / "src"), str(folder)])
                seconds, used, summaries[name] = _pytest(folder, {**env, "PYTHONPATH": path}, *extra)
                times[name].append(seconds)
                cpu[name].append(used)
    ours, theirs = (statistics.median(times[name]) for name in sides)
    print(f"\n{args.runs} alternating runs of the 6 tests, the pytest process (medians):\n")
    print("| replay run | wall time (s) | CPU time (s) | result |")
    print("|---|---|---|---|")
    for name in sides:
        wall, used = statistics.median(times[name]), statistics.median(cpu[name])
        print(f"| {name} | {wall:.2f} | {used:.2f} | {summaries[name]} |")
    ratio_cpu = statistics.median(cpu["reelkit plugin"]) / statistics.median(cpu["pytest-recording"])
    print(f"\nratio reelkit / pytest-recording: wall **{ours / theirs:.2f}x**, CPU {ratio_cpu:.2f}x (goal <= 1.0x)")


if __name__ == "__main__":
    main()
