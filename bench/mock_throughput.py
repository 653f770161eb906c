"""Mock provider vs aimock: streams/s and latency for a 40-event Responses text stream, and timed-replay accuracy.

Run: `.venv/bin/python -m bench.mock_throughput [--seconds 10]` (installs wrk and aimock if missing).
Both servers run side by side on this machine with the same load generator (wrk, 16 connections).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

import aiohttp

from .common import ensure_aimock, machine, rss_kib, server, server_process, wrk

TEXT = ("The quick brown fox jumps over the lazy dog. " * 15)[:640]  # 32 deltas of 20 chars -> 40 events
BODY = {"model": "mock-model", "input": "bench", "stream": True}
LISTENING = re.compile(r"listening on (http://\S+)")
AIMOCK_READY = re.compile(r"(http://127\.0\.0\.1:\d+)")


async def count_events(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.post(f"{url}/v1/responses", json=BODY) as resp:
        return (await resp.read()).count(b"\ndata: ") + 1


async def timing_errors(url: str, spacing_ms: float, events: int, streams: int = 10) -> list[float]:
    """|arrival offset - scripted offset| of every event, in ms, over several streams."""
    errors: list[float] = []
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:
        for _ in range(streams):
            async with http.post(f"{url}/v1/responses", json=BODY) as resp:
                start, arrivals = None, []
                while line := await resp.content.readline():
                    if line.startswith(b"data:"):
                        now = loop.time()
                        start = start if start is not None else now
                        arrivals.append((now - start) * 1000)
            errors += [abs(a - i * spacing_ms) for i, a in enumerate(arrivals[:events])]
    return errors


def ours(
    tmp: Path, speed: float, step: dict[str, object], workers: int = 1, journal_max: int = 1
) -> tuple[list[str], re.Pattern[str]]:
    script = tmp / "script.json"
    script.write_text(json.dumps({"responses": [step], "loop": True}))
    argv = [
        sys.executable,
        "-m",
        "mockprovider",
        "serve",
        "--script",
        str(script),
        "--speed",
        str(speed),
        "--journal-max",
        str(journal_max),
        "--workers",
        str(workers),
    ]
    return argv, LISTENING


def aimock(tmp: Path, latency_ms: int, journal_max: int = 1) -> tuple[list[str], re.Pattern[str]]:
    fixture = tmp / "fixture.json"
    fixture.write_text(json.dumps({"fixtures": [{"match": {"userMessage": "bench"}, "response": {"content": TEXT}}]}))
    argv = ["node", str(ensure_aimock()), "-p", "0", "-f", str(fixture), "--journal-max", str(journal_max), "-l",
            str(latency_ms)]  # fmt: skip
    return argv, AIMOCK_READY


def measure(argv: list[str], ready: re.Pattern[str], seconds: int) -> dict[str, float]:
    with server(argv, ready) as origin:
        events = asyncio.run(count_events(origin))
        wrk(f"{origin}/v1/responses", BODY, 2)  # warm-up
        result = wrk(f"{origin}/v1/responses", BODY, seconds)
        result["events"] = events
        return result


def memory(argv: list[str], ready: re.Pattern[str], seconds: int) -> dict[str, float]:
    """Resident memory before and after a load with an unbounded journal, and the growth per request."""
    with server_process(argv, ready) as (origin, pid):
        wrk(f"{origin}/v1/responses", BODY, 1)  # warm-up: caches, templates, allocator pools
        before = rss_kib(pid)
        result = wrk(f"{origin}/v1/responses", BODY, seconds)
        after = rss_kib(pid)
    return {"before": before, "after": after, "requests": result["requests"],
            "per_request": (after - before) * 1024 / result["requests"]}  # fmt: skip


def accuracy(argv: list[str], ready: re.Pattern[str]) -> dict[str, float]:
    with server(argv, ready) as origin:
        errors = sorted(asyncio.run(timing_errors(origin, 10.0, 40)))
    return {"mean": statistics.mean(errors), "p99": errors[int(len(errors) * 0.99) - 1], "max": errors[-1]}


def rounds(runs: list[tuple[list[str], re.Pattern[str]]], seconds: int, count: int) -> list[list[dict[str, float]]]:
    """Each system measured `count` times, alternating, so a drift of the machine hits all of them alike."""
    results: list[list[dict[str, float]]] = [[] for _ in runs]
    for _ in range(count):
        for slot, run in zip(results, runs, strict=True):
            slot.append(measure(*run, seconds))
    return results


def _median(results: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements of each server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        step: dict[str, object] = {"text": TEXT}
        runs = [ours(tmp, 0, step), aimock(tmp, 0), ours(tmp, 0, step, workers=2)]
        ours_tp, aim_tp, ours_2w = rounds(runs, args.seconds, args.rounds)
        ours_mem = memory(*ours(tmp, 0, step, journal_max=0), args.seconds)
        aim_mem = memory(*aimock(tmp, 0, journal_max=0), args.seconds)
        ours_acc = accuracy(*ours(tmp, 1, {"text": TEXT, "delay_ms": 10}))
        aim_acc = accuracy(*aimock(tmp, 10))
    ratios = sorted(o["rps"] / a["rps"] for o, a in zip(ours_tp, aim_tp, strict=True))
    rps, aim_rps = _median(ours_tp, "rps"), _median(aim_tp, "rps")
    print(f"Machine: {machine()}\n")
    print(f"{args.rounds} alternating rounds of {args.seconds} s each; medians, and the ratio of each round.\n")
    print("| 40-event text stream, 16 connections (wrk) | reelkit (speed 0) | aimock | ratio |")
    print("|---|---|---|---|")
    print(f"| events per response | {ours_tp[0]['events']:.0f} | {aim_tp[0]['events']:.0f} | |")
    print(f"| streams/s | {rps:.0f} | {aim_rps:.0f} | **{rps / aim_rps:.2f}x** |")
    print(f"| ratio per round | | | {', '.join(f'{r:.2f}' for r in ratios)} |")
    for key in ("p50", "p99"):
        ours_ms, aim_ms = _median(ours_tp, key), _median(aim_tp, key)
        print(f"| {key} latency (ms) | {ours_ms:.2f} | {aim_ms:.2f} | {ours_ms / aim_ms:.2f} |")
    rps_2w = _median(ours_2w, "rps")
    print(f"| streams/s, `--workers 2` | {rps_2w:.0f} | {aim_rps:.0f} | **{rps_2w / aim_rps:.2f}x** |")
    print(
        f"| p50 / p99 latency (ms), `--workers 2` | {_median(ours_2w, 'p50'):.2f} / {_median(ours_2w, 'p99'):.2f} | | |"
    )
    print(f"\n| memory, journal unbounded, {args.seconds} s of the same load | reelkit | aimock (--journal-max 0) |")
    print("|---|---|---|")
    print(f"| requests journaled | {ours_mem['requests']:.0f} | {aim_mem['requests']:.0f} |")
    print(f"| RSS before / after (MiB) | {ours_mem['before'] / 1024:.0f} / {ours_mem['after'] / 1024:.0f} | "
          f"{aim_mem['before'] / 1024:.0f} / {aim_mem['after'] / 1024:.0f} |")  # fmt: skip
    print(f"| growth per journaled request (bytes) | {ours_mem['per_request']:.0f} | {aim_mem['per_request']:.0f} |")
    print("\n| timed replay, 40 events 10 ms apart (10 streams) | reelkit (speed 1) | aimock (-l 10) |")
    print("|---|---|---|")
    for key in ("mean", "p99", "max"):
        print(f"| {key} abs error vs scripted offset (ms) | {ours_acc[key]:.2f} | {aim_acc[key]:.2f} |")


if __name__ == "__main__":
    main()
