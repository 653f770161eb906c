"""How fast `harness view` pages open: a generated 1,000-interaction, ~50 MB cassette, first screen in Chromium.

    .venv/bin/python -m bench.viewer [--interactions 1000] [--runs 3]

Prints the page build time (Python: decode and write the HTML), the page size, and the first-screen
time in headless Chromium (navigation start to the first frame after the first screen is drawn, as the
page stamps it) with the median of the runs. Needs Debian's chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from mockprovider.cassette import Cassette, Interaction, RecordedChunk
from mockprovider.sse import encode_event

CHROMIUM = "/usr/bin/chromium"
# As root in a container: no sandbox; and nothing that reaches the network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WORDS = "the model streams a long answer in small pieces so the viewer has many chunks to draw ".split()


def big_cassette(interactions: int = 1000, deltas: int = 100) -> Cassette:
    """A synthetic cassette shaped like a long agent session: each request offers a tools list, each
    response streams `deltas` text deltas, one event per chunk, with one 40 ms stall (about 55 KB each)."""
    tools = [{"type": "function", "name": f"tool_{k}", "description": "x" * 600, "parameters": {}} for k in range(8)]
    items = []
    for index in range(interactions):
        words = [{"type": "input_text", "text": f"step {index}"}]
        request = {"model": "mock-model", "stream": True, "tools": tools, "input": [{"role": "user", "content": words}]}
        events = _stream(index, deltas)
        chunks = [
            RecordedChunk(round(2.0 + 0.4 * k + (40 if k >= deltas // 2 else 0), 3), e) for k, e in enumerate(events)
        ]
        items.append(
            Interaction(
                "POST",
                "http://127.0.0.1:1/v1/responses",
                {},
                json.dumps(request),
                200,
                "OK",
                {"content-type": ["text/event-stream"]},
                b"".join(events),
                chunks,
            )
        )
    return Cassette(items, {"format": 1, "synthetic": True, "model": "mock-model", "recorded_at": "generated"})


def _stream(index: int, deltas: int) -> list[bytes]:
    rid, mid = f"resp_{index:06d}", f"msg_{index:06d}"
    response: dict[str, Any] = {"id": rid, "object": "response", "status": "in_progress", "model": "mock-model"}
    events = [{"type": "response.created", "response": response, "sequence_number": 0}]
    item = {"type": "message", "id": mid, "role": "assistant", "content": [], "status": "in_progress"}
    events.append({"type": "response.output_item.added", "output_index": 0, "sequence_number": 1, "item": item})
    for k in range(deltas):
        delta = " ".join(WORDS[(k + j) % len(WORDS)] for j in range(12)) + " "
        events.append({"type": "response.output_text.delta", "item_id": mid, "output_index": 0, "content_index": 0,
                       "delta": delta, "logprobs": [], "sequence_number": k + 2})  # fmt: skip
    usage = {"input_tokens": 1000 + index, "output_tokens": deltas * 12, "total_tokens": 1000 + index + deltas * 12}
    done = {**response, "status": "completed", "usage": usage}
    events.append({"type": "response.completed", "response": done, "sequence_number": deltas + 2})
    return [encode_event(e) for e in events]


def cassette_bytes(cassette: Cassette) -> int:
    """The size the cassette takes on disk, near enough: bodies twice (body and chunks) plus requests."""
    return sum(2 * len(i.body) + len(i.request_body or "") for i in cassette.interactions)


def build_page(cassette: Cassette, out: Path) -> float:
    """Write the page of `cassette` to `out`; returns the seconds it took."""
    from harness.view import write_page
    from harness.view_data import cassette_data

    started = time.perf_counter()
    data = cassette_data(out.with_suffix(".yaml"), cassette, integrity=False)
    write_page(out, [data], "reelkit · generated large cassette")
    return time.perf_counter() - started


def first_screen_ms(page: Any, url: str) -> tuple[float, float]:
    """Open `url` in a playwright page: the time of the first frame after the first screen is drawn (the page
    stamps it), and of the end of parsing the whole file (DOMContentLoaded), both from navigation start."""
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    first = float(page.evaluate("Number(document.body.dataset.firstScreenMs)"))
    parsed = float(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
    return first, parsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    cassette = big_cassette(args.interactions)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        out = Path(tmp) / "big.html"
        build_s = build_page(cassette, out)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        runs = [first_screen_ms(page, out.as_uri()) for _ in range(args.runs)]
        browser.close()
        size = out.stat().st_size
    print("| what | value |\n|---|---|")
    print(f"| cassette | {args.interactions} interactions, {cassette_bytes(cassette) / 1e6:.1f} MB |")
    print(f"| page build (Python) | {build_s:.2f} s, page {size / 1e6:.1f} MB |")
    times, parsed = [r[0] for r in runs], [r[1] for r in runs]
    print(f"| first screen in Chromium, median of {args.runs} | {statistics.median(times):.0f} ms (goal < 1000 ms) |")
    print(f"| runs | {', '.join(f'{t:.0f}' for t in times)} ms |")
    print(f"| whole file parsed (DOMContentLoaded), median | {statistics.median(parsed):.0f} ms |")


if __name__ == "__main__":
    main()
