"""Render the figures the reliability tests recorded (REELKIT_RELIABILITY_REPORT) into docs/reliability.md,
between its `<!-- figures:begin -->` and `<!-- figures:end -->` markers. Run by scripts/reliability."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from reelkit_common.fsutil import atomic_write

BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"


def load(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return f"{dt.date.today()}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _info(value: Any) -> str:
    return "—" if value is None else f"`{json.dumps(value)}`"


def faults(figures: dict[str, dict[str, Any]]) -> str:
    suffixes = ("-turn-start", "-exec-run", "-codex")
    names = sorted({k[len("fault-") : -len(s)] for k in figures if k.startswith("fault-") for s in suffixes
                    if k.endswith(s)})  # fmt: skip
    rows = []
    for name in names:
        turn = figures.get(f"fault-{name}-turn-start", {})
        run = figures.get(f"fault-{name}-exec-run", {})
        real = figures.get(f"fault-{name}-codex", {})
        rows.append([name, turn.get("requests"), turn.get("retries"), turn.get("status"), _info(turn.get("info")),
                     run.get("status"), "same" if real.get("same") else "not run"])  # fmt: skip
    header = ["fault", "POSTs", "retry notices", "turn/start", "codexErrorInfo", "exec/run", "real codex"]
    return table(header, rows)


def render(figures: dict[str, dict[str, Any]]) -> str:
    fuzz, crash, soak = figures.get("fuzz", {}), figures.get("crash", {}), figures.get("soak", {})
    secrets = [v for k, v in figures.items() if k.startswith("secrets-")]
    parts = [
        f"Measured {machine()} by `scripts/reliability`.",
        "### JSON-RPC fuzzing",
        table(["cases", "hand-written", "generated", "dropped (no answer)", "-32600", "result or -32600",
               "valid requests interleaved", "server exit"],
              [[fuzz.get(k) for k in ("cases", "corpus", "generated", "dropped", "invalid_request",
                                      "result_or_invalid", "valid_interleaved", "exit_code")]]),
        "### Provider fault matrix (request_max_retries = 1, stream_max_retries = 1, idle timeout 400 ms)",
        faults(figures),
        "### Crash safety",
        table(["turns started", "SIGKILLs", "threads", "turn/start answered", "items seen completed",
               "turns stored", "of them interrupted"],
              [[crash.get(k) for k in ("turns_started", "kills", "threads", "acknowledged", "items_seen",
                                       "stored_turns", "interrupted")]]),
        "### Concurrency soak",
        table(["exec/run at once", "threads at once", "rounds", "model requests", "RSS before (KiB)",
               "peak RSS by round (KiB)", "peak per session (KiB)"],
              [[soak.get("one_shots"), soak.get("threads"), soak.get("rounds"), soak.get("model_requests"),
                soak.get("baseline_rss_kib"), ", ".join(map(str, soak.get("peak_rss_kib_by_round", []))),
                soak.get("peak_kib_per_session")]]),
        "### Secrets",
        table(["files scanned (whole suite)", "test workers", "files holding the planted key"],
              [[sum(s["temp_files"] for s in secrets) + max((s["library_files"] for s in secrets), default=0),
                len(secrets), sum(s["leaks"] for s in secrets)]]),
    ]  # fmt: skip
    return "\n\n".join(parts)


def main() -> None:
    folder, doc = Path(sys.argv[1]), Path(sys.argv[2])
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    atomic_write(doc, f"{head}{BEGIN}\n{render(load(folder))}\n{END}{tail}")
    print(f"wrote the figures into {doc}")


if __name__ == "__main__":
    main()
