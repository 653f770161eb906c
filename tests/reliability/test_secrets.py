"""A planted API key travels through everything that writes files — a recording through the proxy, its
golden transcript, a replay, server rollouts and a DEBUG server log, the mock's journal — and is found
in none of them. The scanner itself is shown to find a planted copy."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from harness.scenario import Scenario
from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from tests.support.appserver import AppServerProcess
from tests.support.secrets import PLANTED, PLANTED_ENV, leaks

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "cassettes" / "scenarios" / "approvals" / "exec_accepted.yaml"


async def _run(*argv: str, cwd: Path) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *argv, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "OPENAI_API_KEY": PLANTED},
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def test_no_file_written_anywhere_holds_the_planted_key(tmp_path: Path) -> None:
    upstream_steps = Scenario.load(SCENARIO).upstream
    async with MockProvider(upstream_steps, speed=0) as upstream:
        cassette = tmp_path / "rec" / "exec_accepted.yaml"
        await _run("-m", "harness", "record", "--scenario", str(SCENARIO), "--cassette", str(cassette),
                   "--upstream", upstream.url, cwd=REPO)  # fmt: skip
        sent = [r.headers.get("authorization", "") for r in upstream.response_requests]
        journal = json.dumps([r.to_json() for r in upstream.requests])
    assert sent, "the recording reached the upstream"
    assert all(h.startswith("Bearer ") and PLANTED not in h for h in sent)  # the journal keeps it redacted
    (tmp_path / "journal.json").write_text(journal)
    await _run("-m", "harness", "replay", str(cassette), cwd=REPO)
    await _server_turn_with_debug_log(tmp_path / "server")
    assert leaks(tmp_path) == []
    # The scanner is not blind: a planted copy, raw or in a Basic auth header, is found.
    (tmp_path / "control.txt").write_text(f"Authorization: Bearer {PLANTED}")
    assert leaks(tmp_path) == [tmp_path / "control.txt"]
    (tmp_path / "control.txt").unlink()  # the session-wide scan would rightly flag it


async def _server_turn_with_debug_log(root: Path) -> None:
    (root / "ws").mkdir(parents=True)
    async with MockProvider([{"text": "logged"}, {"text": "persisted"}], speed=0) as mock:
        write_codex_home(root / "home", ProviderSettings(mock.url, env_key=PLANTED_ENV), model="mock-model",
                         approval_policy="never")  # fmt: skip
        log = (root / "server.log").open("wb")
        srv = await AppServerProcess.start(root / "home", argv=[sys.executable, "-m", "server", "--log-level", "DEBUG"],
                                           cwd=root / "ws")  # fmt: skip
        try:
            await srv.initialize()
            result = await srv.call("exec/run", {"input": [{"type": "text", "text": "hi"}]})
            thread = (await srv.call("thread/start", {"cwd": str(root / "ws")}))["thread"]["id"]
            await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "keep this"}]})
            await srv.read_notification("turn/completed")
        finally:
            await srv.close()
            assert srv.proc.stderr is not None
            log.write(await srv.proc.stderr.read())
            log.close()
        assert mock.response_requests[0].headers["authorization"] != ""
    assert result["lastAgentMessage"] == "logged"
    assert (root / "server.log").stat().st_size > 0
    assert list((root / "home" / "sessions").rglob("rollout-*.jsonl"))
