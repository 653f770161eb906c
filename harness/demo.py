"""The README's main job: replay a bundled cassette through our app-server and show the session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from . import inspect
from .session import replay

LIBRARY = Path(__file__).resolve().parents[1] / "cassettes"
DEFAULT = LIBRARY / "approvals" / "exec_accepted.yaml"


def describe(direction: str, message: dict[str, Any]) -> str | None:
    """One readable line per message worth seeing (deltas and status churn are summarised away)."""
    method, params = message.get("method"), message.get("params") or {}
    if direction == "C->S":
        return f"  client -> {method or 'answer'} {json.dumps(message.get('params') or message.get('result'))[:90]}"
    if "id" in message and method:
        return f"  server ?? {method} (asks the client)"
    if "id" in message:
        outcome = "error: " + message["error"]["message"] if "error" in message else "ok"
        return f"  server <- response {outcome[:100]}"
    if method in ("item/started", "item/completed"):
        item = params["item"]
        detail = item.get("text") or item.get("command") or item.get("status") or ""
        return f"  server    {method} {item['type']}: {str(detail)[:70]}"
    if method == "turn/completed":
        return f"  server    turn/completed: {params['turn']['status']}"
    return None


async def _run(path: Path) -> bool:
    click.echo(f"Replaying {path.relative_to(LIBRARY.parent)} through reelkit's app-server (python -m server)\n")
    for line in inspect.timeline(path):
        click.echo(line)
    result = await replay(path)
    click.echo("\nThe session, as the client saw it:")
    for entry in result.transcript.lines:
        text = describe(entry.direction, entry.message)
        if text:
            click.echo(text)
    verdict = "identical to" if result.ok else "DIFFERENT from"
    golden = path.with_suffix(".jsonl").name
    click.echo(f"\nTranscript {verdict} the golden {golden}; unplayed interactions: {len(result.unplayed)}")
    return result.ok


def run_demo(path: Path | None = None) -> bool:
    return asyncio.run(_run(path or DEFAULT))
