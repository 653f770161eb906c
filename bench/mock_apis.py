"""Mock provider vs aimock on Chat Completions and Anthropic Messages: streams/s for a 40-event answer.

Run: `.venv/bin/python -m bench.mock_apis [--seconds 10 --rounds 3]` (installs wrk and aimock if missing).
The same text on both servers, 20 characters a delta, sized so aimock's stream has 40 events on each API
(ours adds Anthropic's `ping`, as the real service sends it: 41). Both at full speed (ours `--speed 0`,
aimock `-l 0`), one-entry journals, 16 keep-alive connections from wrk, measured in alternating rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from .common import ensure_aimock, machine, server_process, wrk
from .mock_throughput import AIMOCK_READY, ours

BASE = "The quick brown fox jumps over the lazy dog. " * 20
# api -> (path, request body, headers, text): aimock sends role + 37 deltas + finish + [DONE] on Chat Completions,
# message_start + block start + 35 deltas + block stop + message_delta + message_stop on Anthropic
APIS: dict[str, tuple[str, dict[str, Any], dict[str, str], str]] = {
    "chat": ("/v1/chat/completions", {"model": "mock-model", "stream": True,
             "messages": [{"role": "user", "content": "bench"}]}, {}, BASE[:740]),
    "anthropic": ("/v1/messages", {"model": "mock-model", "stream": True, "max_tokens": 1024,
                  "messages": [{"role": "user", "content": "bench"}]}, {"anthropic-version": "2023-06-01"}, BASE[:700]),
}  # fmt: skip


def aimock(tmp: Path, text: str) -> tuple[list[str], Any]:
    fixture = tmp / "fixture.json"
    fixture.write_text(json.dumps({"fixtures": [{"match": {"userMessage": "bench"}, "response": {"content": text}}]}))
    argv = ["node", str(ensure_aimock()), "-p", "0", "-f", str(fixture), "--journal-max", "1", "-l", "0"]
    return argv, AIMOCK_READY


async def count_events(origin: str, api: str) -> int:
    path, body, headers, _ = APIS[api]
    async with aiohttp.ClientSession() as http, http.post(origin + path, json=body, headers=headers) as resp:
        return (await resp.read()).count(b"data:")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(run: tuple[list[str], Any], api: str, seconds: int) -> dict[str, float]:
    """Streams/s, and streams per CPU-second of the server process: on a shared machine the second is the
    steadier measure of the server's own cost (other processes' load shifts wall-clock throughput)."""
    path, body, headers, _ = APIS[api]
    with server_process(*run) as (origin, pid):
        events = asyncio.run(count_events(origin, api))
        wrk(origin + path, body, 2, headers=headers)  # warm-up
        before = cpu_seconds(pid)
        result = wrk(origin + path, body, seconds, headers=headers)
        used = cpu_seconds(pid) - before
    return {**result, "events": events, "per_cpu_s": result["requests"] / used}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements of each server")
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}\n")
    print(f"{args.rounds} alternating rounds of {args.seconds} s each per API; medians, and the ratio of each round.\n")
    print("| 16 connections (wrk) | events (ours / aimock) | reelkit streams/s | aimock streams/s | ratio | per round "
          "| streams per server CPU-second, reelkit / aimock | ratio | per round |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for api, (_, _, _, text) in APIS.items():
        with tempfile.TemporaryDirectory() as tmp_dir:
            tmp = Path(tmp_dir)
            runs = [ours(tmp, 0, {"text": text}), aimock(tmp, text)]
            rounds = [[measure(run, api, args.seconds) for run in runs] for _ in range(args.rounds)]
        ratios = sorted(o["rps"] / a["rps"] for o, a in rounds)
        rps = statistics.median(o["rps"] for o, _ in rounds)
        aim = statistics.median(a["rps"] for _, a in rounds)
        cpu_ratios = sorted(o["per_cpu_s"] / a["per_cpu_s"] for o, a in rounds)
        cpu = statistics.median(o["per_cpu_s"] for o, _ in rounds)
        aim_cpu = statistics.median(a["per_cpu_s"] for _, a in rounds)
        events = f"{rounds[0][0]['events']:.0f} / {rounds[0][1]['events']:.0f}"
        name = {"chat": "Chat Completions", "anthropic": "Anthropic Messages"}[api]
        print(f"| {name} | {events} | {rps:.0f} | {aim:.0f} | **{rps / aim:.2f}x** | "
              f"{', '.join(f'{r:.2f}' for r in ratios)} | {cpu:.0f} / {aim_cpu:.0f} | **{cpu / aim_cpu:.2f}x** | "
              f"{', '.join(f'{r:.2f}' for r in cpu_ratios)} |")  # fmt: skip


if __name__ == "__main__":
    main()
