"""Wall time of the cassette-library suite (every cassette replayed against its golden), serial and with
`pytest -n auto`, in one run."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from .common import machine

REPO = Path(__file__).parents[1]
SUITE = ["tests/harness/test_library.py"]


def wall(workers: list[str]) -> float:
    command = [sys.executable, "-m", "pytest", *SUITE, "-q", "-p", "no:cacheprovider", *workers]
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    serial = min(wall(["-p", "no:xdist"]) for _ in range(args.runs))
    parallel = min(wall(["-n", "auto"]) for _ in range(args.runs))
    cassettes = len(list((REPO / "cassettes").glob("*/*.yaml")))
    print(f"Machine: {machine()}\n")
    label = f"cassette library ({cassettes} cassettes, best of {args.runs})"
    print(f"| {label} | serial | `-n auto` ({os.cpu_count()} cores) | ratio |")
    print("|---|---|---|---|")
    print(f"| wall time (s) | {serial:.1f} | {parallel:.1f} | **{parallel / serial:.2f}** |")


if __name__ == "__main__":
    main()
