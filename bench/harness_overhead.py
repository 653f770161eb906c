"""What record/replay costs: one scenario driven straight against the mock provider (no harness layers),
then recorded through the recording proxy, then replayed from the cassette; medians side by side."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from harness.proxy import create_proxy_app
from harness.redact import Redactor
from harness.scenario import Scenario
from harness.session import drive, record, replay, workspace
from mockprovider import MockProvider
from mockprovider.serving import start_site

from .common import machine

SCENARIOS = Path(__file__).parents[1] / "cassettes" / "scenarios"


async def direct(scenario: Scenario) -> None:
    async with workspace() as place, MockProvider(scenario.upstream, speed=0) as mock:
        place.configure(mock.url, scenario)
        await drive(scenario, place, None)


async def recorded(scenario: Scenario, cassette: Path) -> None:
    async with MockProvider(scenario.upstream, speed=0) as mock:
        await record(scenario, cassette, upstream=mock.url)


async def replayed(cassette: Path) -> None:
    result = await replay(cassette)
    assert result.ok, result.diff


async def timed(runs: int, make: Callable[[], Awaitable[object]]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await make()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def measure(name: str, runs: int, tmp: Path) -> dict[str, float]:
    scenario = Scenario.load(SCENARIOS / f"{name}.yaml")
    cassette = tmp / f"{scenario.name}.yaml"
    return {
        "direct": await timed(runs, lambda: direct(scenario)),
        "record": await timed(runs, lambda: recorded(scenario, cassette)),
        "replay": await timed(runs, lambda: replayed(cassette)),
    }


async def first_byte_ms(session: aiohttp.ClientSession, url: str) -> float:
    body = {"model": "mock-model", "input": "hi", "stream": True}
    start = time.perf_counter()
    async with session.post(f"{url}/responses", json=body) as resp:
        await resp.content.readany()
        elapsed = (time.perf_counter() - start) * 1000
        await resp.read()
    return elapsed


async def ttfb(runs: int, tmp: Path) -> dict[str, float]:
    """Time to first byte straight from the upstream and through the recording proxy, alternating."""
    step = {"text": "first byte after 20 ms, the rest streamed", "delay_ms": 20}
    async with MockProvider([step], loop_script=True, speed=1) as upstream:
        app = create_proxy_app(upstream.url, tmp / "ttfb.yaml", Redactor.from_env(), synthetic=True)
        runner, port = await start_site(app, "127.0.0.1", 0)
        direct_ms, proxied_ms = [], []
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(runs):
                    direct_ms.append(await first_byte_ms(session, upstream.url))
                    proxied_ms.append(await first_byte_ms(session, f"http://127.0.0.1:{port}/v1"))
        finally:
            await runner.cleanup()
    extra = sorted(p - d for p, d in zip(proxied_ms, direct_ms, strict=True))
    return {"direct": statistics.median(direct_ms), "proxied": statistics.median(proxied_ms),
            "p99_extra": extra[max(0, int(runs * 0.99) - 1)]}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key-0000000000")  # recording sends a key upstream
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            name: asyncio.run(measure(name, args.runs, Path(tmp))) for name in ("turns/text", "approvals/exec_accepted")
        }
        first = asyncio.run(ttfb(max(20, args.runs * 5), Path(tmp)))
    print(f"Machine: {machine()}\n")
    header = ["direct (no harness)", "record via proxy", "replay from cassette", "record / direct", "replay / direct"]
    print(f"| scenario (median of {args.runs}, ms) | " + " | ".join(header) + " |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['direct']:.0f} | {r['record']:.0f} | {r['replay']:.0f} | "
              f"**{r['record'] / r['direct']:.2f}** | **{r['replay'] / r['direct']:.2f}** |")  # fmt: skip
    print("\n| time to first byte (ms, median) | straight from upstream | through the recording proxy | added |")
    print("|---|---|---|---|")
    added = first["proxied"] - first["direct"]
    print(f"| SSE stream, events 20 ms apart | {first['direct']:.2f} | {first['proxied']:.2f} | "
          f"**{added:.2f}** (p99 {first['p99_extra']:.2f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
