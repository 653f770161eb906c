"""`harness relay` records codex's TUI driving our server; the transcript replays against our server."""

from __future__ import annotations

import asyncio
import difflib
import sys
from pathlib import Path

import pytest
from aiohttp import web

from harness.client import AppServerProcess
from harness.relay import Relay, start_relay
from harness.replay import canonical, racing_reads, replay_transcript
from harness.transcript import Transcript
from mockprovider import MockProvider
from server.listen_url import parse_listen

from .session import Place, script, server_env, tui_session
from .test_tui import run_script
from .tmux import Tmux

pytestmark = pytest.mark.skipif(not Tmux.available(), reason="tmux is installed by scripts/bootstrap")
# What the TUI asks on start-up and during a turn: every one must be in the recording, answered.
TUI_METHODS = {
    "initialize", "account/read", "hooks/list", "account/bedrock/checkGovCloudRequirements",
    "collaborationMode/list", "config/read", "model/list", "configRequirements/read", "thread/list",
    "thread/start", "thread/loaded/list", "skills/list", "thread/read", "plugin/list", "turn/start",
}  # fmt: skip


NOT_MATERIALIZED = (
    "thread <thread 1> is not materialized yet; thread/turns/list is unavailable before first user message"
)


class RelayEndpoint:
    """The relay in this process, in front of our server on stdio."""

    def __init__(self, place: Place, out: Path):
        labels = {str(place.ws): "<CWD>", str(place.home): "<CODEX_HOME>"}
        env = {**server_env(place), "CODEX_HOME": str(place.home)}
        self.saved = asyncio.Event()
        self.relay = Relay([sys.executable, "-m", "server"], out, labels, place.ws, env)
        self.relay.on_saved = lambda _: self.saved.set()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> RelayEndpoint:
        self.runner, self.url = await start_relay(self.relay, parse_listen("ws://127.0.0.1:0"))
        return self

    async def ws_url(self) -> str:
        return self.url

    async def stop(self) -> int:
        await asyncio.wait_for(self.saved.wait(), 20)  # the TUI is gone: the session's transcript is written
        if self.runner is not None:
            await self.runner.cleanup()
        return 0


async def test_relay_records_the_tui_and_the_recording_replays(tmp_path: Path) -> None:
    golden_path = tmp_path / "tui.jsonl"

    async def start(place: Place) -> RelayEndpoint:
        return await RelayEndpoint(place, golden_path).start()

    async with tui_session(tmp_path / "record", start) as (tmux, place, _):
        await run_script(tmux, place)
    golden = Transcript.load(golden_path)
    asked = {line.message["method"] for line in golden.lines if line.direction == "C->S" and "id" in line.message
             and "method" in line.message}  # fmt: skip
    assert asked >= TUI_METHODS
    # The only error the TUI may see is the one codex gives too (whether it asks that early depends on timing).
    errors = {line.message["error"]["message"] for line in golden.lines if "error" in line.message}
    assert errors <= {NOT_MATERIALIZED}

    replay_place = Place(tmp_path / "replay")
    async with MockProvider(script(), speed=0) as mock:
        replay_place.configure(mock.url)
        server = await AppServerProcess.start(replay_place.home, cwd=replay_place.ws, env=server_env(replay_place))
        try:
            labels = {str(replay_place.ws): "<CWD>", str(replay_place.home): "<CODEX_HOME>"}
            replayed = await replay_transcript(golden, server, labels)
        finally:
            await server.close()
    # Reads the TUI sent while a turn was running are compared by shape: their answer depends on timing.
    loose = racing_reads(golden)
    expected, actual = canonical(golden, loose), canonical(replayed, loose)
    diff = difflib.unified_diff(expected, actual, "golden", "replay", n=0, lineterm="")
    assert (lines := list(diff)) == [], "\n".join(lines)
