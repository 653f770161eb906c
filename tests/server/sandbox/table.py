"""Render the escape suite's results (REELKIT_SANDBOX_TABLE=FILE) as docs/reliability.md's Markdown table.

Usage: REELKIT_SANDBOX_TABLE=/tmp/t.json scripts/test tests/server/sandbox/test_escape_servers.py
       python -m tests.server.sandbox.table /tmp/t.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .probes import READ_ONLY_ONLY

COLUMNS = [(mode, channel, which) for mode in ("workspace-write", "read-only") for channel in ("turn", "command-exec")
           for which in ("codex", "ours")]  # fmt: skip


def cell(results: dict[str, list[str]], key: str, name: str) -> str:
    if key not in results:
        return "—"  # a tool-call probe has no command/exec form
    if key.startswith("workspace-write") and name in READ_ONLY_ONLY:
        return "n/a"  # writing the workspace is allowed in workspace-write
    return "**escaped**" if results[key] else "blocked"


def render(table: dict[str, dict[str, list[str]]]) -> str:
    head = ["probe", *(f"{m} {c} {w}" for m, c, w in COLUMNS), "unconfined (control)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, results in sorted(table.items()):
        control = results.get("danger-full-access/turn/ours")
        unconfined = "—" if control is None else ("escapes" if control else "no effect")
        cells = [cell(results, f"{m}/{c}/{w}", name) for m, c, w in COLUMNS]
        lines.append("| " + " | ".join([f"`{name}`", *cells, unconfined]) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(json.loads(Path(sys.argv[1]).read_text())))
