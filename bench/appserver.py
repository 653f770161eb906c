"""Our app-server vs the real `codex app-server` 0.163.0 on the same mock provider.

Run: `.venv/bin/python -m bench.appserver [--turns 20] [--concurrent 50]`. Measures: spawn to
initialize reply, thread/start (and the two together), a text turn (turn/start to turn/completed, median), and 50
concurrent one-shot turns on one server (ours: exec/run; codex has no exec/run, so the same
work as thread/start{ephemeral} + turn/start + turn/completed).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.support.appserver import AppServerProcess

from .common import machine


async def burst(srv: AppServerProcess, ws: Path, exec_run: bool, count: int) -> None:
    """`count` one-shot turns in flight at once (requests pipelined; one reader collects the answers)."""
    text = [{"type": "text", "text": "hi"}]
    if exec_run:
        ids = {await srv.request("exec/run", {"input": text, "cwd": str(ws)}) for _ in range(count)}
        while ids:
            ids.discard((await srv.read_until(lambda m: m.get("id") in ids and "method" not in m, timeout=120))["id"])
        return
    starts = {await srv.request("thread/start", {"cwd": str(ws), "ephemeral": True}) for _ in range(count)}
    threads = []
    while starts:
        reply = await srv.read_until(lambda m: m.get("id") in starts and "method" not in m, timeout=120)
        starts.discard(reply["id"])
        threads.append(reply["result"]["thread"]["id"])
    for thread in threads:
        await srv.request("turn/start", {"threadId": thread, "input": text})
    for _ in threads:
        await srv.read_notification("turn/completed", timeout=120)


async def measure(argv: list[str] | None, exec_run: bool, turns: int, concurrent: int, tmp: Path) -> dict[str, float]:
    home, ws = tmp / "home", tmp / "ws"
    async with MockProvider(
        [{"text": "Hello there, this is a benchmark answer."}], speed=0, loop_script=True, journal_max=1
    ) as mock:
        write_codex_home(
            home, ProviderSettings(mock.url), model="mock-model", approval_policy="never", sandbox_mode="read-only"
        )
        t0 = time.perf_counter()
        srv = await AppServerProcess.start(home, argv=argv, cwd=ws, env={"HOME": str(home)})
        await srv.initialize()
        spawn = time.perf_counter() - t0
        t1 = time.perf_counter()
        thread = (await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"]
        start = time.perf_counter() - t1
        latencies = []
        for _ in range(turns):
            t2 = time.perf_counter()
            await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "hi"}]})
            await srv.read_notification("turn/completed", timeout=120)
            latencies.append(time.perf_counter() - t2)
            srv.buffer.clear()
        t3 = time.perf_counter()
        await burst(srv, ws, exec_run, concurrent)
        burst_s = time.perf_counter() - t3
        await srv.close()
    return {
        "spawn": spawn * 1000,
        "start": start * 1000,
        "ready": (spawn + start) * 1000,  # start-up work moved past `initialize` shows here
        "turn": statistics.median(latencies) * 1000,
        "burst": burst_s * 1000,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        (Path(a) / "ws").mkdir()
        (Path(b) / "ws").mkdir()
        codex = asyncio.run(measure([str(find_codex()), "app-server"], False, args.turns, args.concurrent, Path(a)))
        ours = asyncio.run(measure([sys.executable, "-m", "server"], True, args.turns, args.concurrent, Path(b)))
    print(f"Machine: {machine()}\n")
    print("| measure (ms) | reelkit | codex app-server 0.163.0 | ratio ours/codex |")
    print("|---|---|---|---|")
    rows = {"spawn": "spawn to initialize reply", "start": "thread/start", "ready": "spawn to thread/start reply",
            "turn": f"text turn, median of {args.turns}",
            "burst": f"{args.concurrent} concurrent one-shot turns (ours: exec/run)"}  # fmt: skip
    for key, label in rows.items():
        print(f"| {label} | {ours[key]:.1f} | {codex[key]:.1f} | **{ours[key] / codex[key]:.2f}** |")


if __name__ == "__main__":
    main()
