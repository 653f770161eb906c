"""What record/replay costs: one scenario driven straight against the mock provider (no harness layers),
then recorded through the recording proxy, then replayed from the cassette; medians side by side."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from harness.scenario import Scenario
from harness.session import drive, record, replay, workspace
from mockprovider import MockProvider

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


async def timed(runs: int, make: object) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await make()  # type: ignore[operator]
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key-0000000000")  # recording sends a key upstream
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            name: asyncio.run(measure(name, args.runs, Path(tmp))) for name in ("turns/text", "approvals/exec_accepted")
        }
    print(f"Machine: {machine()}\n")
    header = ["direct (no harness)", "record via proxy", "replay from cassette", "record / direct", "replay / direct"]
    print(f"| scenario (median of {args.runs}, ms) | " + " | ".join(header) + " |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['direct']:.0f} | {r['record']:.0f} | {r['replay']:.0f} | "
              f"**{r['record'] / r['direct']:.2f}** | **{r['replay'] / r['direct']:.2f}** |")  # fmt: skip


if __name__ == "__main__":
    main()
