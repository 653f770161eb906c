"""A 50 MB cassette through `harness show`, `lint`, `replay` and `mockprovider serve`: wall time of each
real command line, goal <= 5 s. The cassette is generated (never committed): the library's text turn
with its answer grown to ~5 MB of text in 4 KB deltas (the text appears five times in a stream: the
deltas, output_text.done, content_part.done, output_item.done and response.completed; the body repeats the chunks)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockprovider.cassette import Cassette, RecordedChunk
from reelkit_common.sse import decode_all, encode_event

from .common import machine

LIBRARY = Path(__file__).parents[1] / "cassettes" / "turns" / "text.yaml"
DELTA = 4096


def _grow(event: dict[str, Any], text: str) -> dict[str, Any]:
    """The event with every final copy of the answer replaced by `text`."""
    kind = event["type"]
    if kind == "response.output_text.done":
        return {**event, "text": text}
    if kind == "response.content_part.done":
        return {**event, "part": {**event["part"], "text": text}}
    if kind == "response.output_item.done":
        content = [{**event["item"]["content"][0], "text": text}]
        return {**event, "item": {**event["item"], "content": content}}
    if kind == "response.completed":
        message = event["response"]["output"][0]
        output = [{**message, "content": [{**message["content"][0], "text": text}]}]
        return {**event, "response": {**event["response"], "output": output}}
    return event


def make(path: Path, megabytes: int = 50) -> Path:
    cassette = Cassette.load(LIBRARY)
    item = cassette.interactions[0]
    events = [json.loads(e.data) for e in decode_all(item.body)]
    line = "The quick brown fox jumps over the lazy dog, again and again. "
    size = megabytes * 1024 * 1024 // 10  # five copies in the stream, and the body repeats the chunks
    text = (line * (size // len(line) + 1))[:size]
    first = next(i for i, e in enumerate(events) if e["type"] == "response.output_text.delta")
    deltas = [{**events[first], "delta": text[i : i + DELTA]} for i in range(0, len(text), DELTA)]
    stream: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        if event["type"] == "response.output_text.delta":
            stream += deltas if index == first else []
            continue
        stream.append(_grow(event, text))
    for number, event in enumerate(stream):
        event["sequence_number"] = number
    item.chunks = [RecordedChunk(float(i // 100), encode_event(e)) for i, e in enumerate(stream)]
    item.body = b"".join(c.data for c in item.chunks)
    cassette.save(path)
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall, CPU) seconds of one command; CPU counts its children too (replay's app-server)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv[2:4])} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed, _children_cpu() - cpu


def serve_time(path: Path) -> tuple[float, float]:
    """Start `mockprovider serve --cassette` and fetch the recorded stream whole (speed 0)."""
    started, cpu = time.perf_counter(), _children_cpu()
    argv = [sys.executable, "-m", "mockprovider", "serve", "--speed", "0", "--cassette", str(path)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        request = urllib.request.Request(
            f"{url}/v1/responses",
            data=(Cassette.load(path).interactions[0].request_body or "").encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            resp.read()
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(10)
    return elapsed, _children_cpu() - cpu  # CPU includes the shutdown after the fetch


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelkit-large-") as tmp:
        path = make(Path(tmp) / "large.yaml", args.megabytes)
        size = path.stat().st_size / 1024**2
        harness = [sys.executable, "-m", "harness"]
        # The golden for the grown answer: one untimed replay writes it.
        timed([*harness, "replay", "--update-goldens", str(path)])
        rows: dict[str, Callable[[], tuple[float, float]]] = {
            "harness show": lambda: timed([*harness, "show", str(path)]),
            "harness lint": lambda: timed([*harness, "lint", str(path)]),
            "harness replay": lambda: timed([*harness, "replay", str(path)]),
            "mockprovider serve (start, load, stream it whole)": lambda: serve_time(path),
        }
        print(f"{machine()}; load average {os.getloadavg()[0]:.1f} at the start\n")
        print(f"Cassette: {size:.1f} MB, one streamed interaction, {args.runs} runs each.\n")
        print("| command | wall, median (s) | wall, runs (s) | CPU, median (s) | goal <= 5 s (wall) |")
        print("|---|---|---|---|---|")
        for name, run in rows.items():
            samples = [run() for _ in range(args.runs)]
            wall = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples)
            runs = ", ".join(f"{s[0]:.2f}" for s in samples)
            print(f"| {name} | {wall:.2f} | {runs} | {cpu:.2f} | {'met' if wall <= 5 else 'not met'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
