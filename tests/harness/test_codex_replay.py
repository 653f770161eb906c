"""The provider side of our cassettes replays against the real codex CLI 0.163.0, and codex itself can
be recorded through the proxy: secrets scrubbed, replay with the upstream gone gives the same output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.proxy import create_proxy_app
from harness.redact import Redactor
from harness.trust import probe_argv
from mockprovider import MockProvider
from mockprovider.cassette import Cassette
from mockprovider.matching import MatchConfig
from mockprovider.serving import start_site
from tests.support.codex import ProviderRetries, codex_exec

LIBRARY = Path(__file__).parents[2] / "cassettes"
# codex sends its own request bodies, so replay pairs requests with recordings in order (method + path).
BY_ORDER = MatchConfig(match_body=False)
CASES: dict[str, tuple[int, str, ProviderRetries]] = {
    "turns/text": (0, "Hello! How can I help today?", {}),
    "turns/reasoning": (0, "Option B is simpler.", {}),
    "exec_run/completes": (0, "Done", {}),
    "approvals/exec_accepted": (0, "Created made.txt.", {}),
    "approvals/patch_accepted": (0, "Added notes.txt.", {}),
    "failures/http_500_then_retry": (0, "Recovered.", {"request_max_retries": 1}),
    "failures/response_failed": (1, "Codex ran out of room in the model's context window", {}),
    "approvals/mcp_tool_accepted": (0, "Wrote the notes.", {}),
    "approvals/mcp_tool_declined": (0, "Left the notes alone.", {}),
}
# Cassettes whose scenario configures the bundled MCP probe: codex exec gets the same server. (Under exec's
# `never` policy codex fails the unannotated tool call itself; the provider side replays all the same.)
PROBE = probe_argv()
PROBE_CONFIG = (
    "-c",
    f"mcp_servers.probe.command={json.dumps(PROBE[0])}",
    "-c",
    f"mcp_servers.probe.args={json.dumps(PROBE[1:])}",
)
EXTRA = {name: PROBE_CONFIG for name in CASES if "/mcp_" in name}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_codex_exec_completes_against_the_replayed_provider(name: str, tmp_path: Path) -> None:
    code, expected, retries = CASES[name]
    async with MockProvider(cassette=LIBRARY / f"{name}.yaml", match=BY_ORDER, speed=0) as mock:
        run = await codex_exec(tmp_path, mock.url, "replay", "-s", "workspace-write", *EXTRA.get(name, ()), **retries)
        unplayed = mock.unplayed()
    assert run.returncode == code, run.stderr
    assert expected in (run.stdout if code == 0 else run.stderr)
    assert unplayed == []


async def test_recording_codex_through_the_proxy_scrubs_secrets_and_replays_offline(tmp_path: Path) -> None:
    secret = "sk-proj-plantedSECRET0123456789abcdef"
    cassette = tmp_path / "codex.yaml"
    steps: list[dict[str, Any]] = [
        {"function_call": {"name": "exec_command", "arguments": {"cmd": "echo recorded"}, "call_id": "c1"}},
        {"text": "All recorded.", "chunk_size": 3, "delay_ms": 1},
    ]
    async with MockProvider(steps, speed=1) as upstream:
        runner, port = await start_site(
            create_proxy_app(upstream.url, cassette, Redactor(secrets=(secret,))), "127.0.0.1", 0
        )
        try:
            keyed = ("-c", 'model_providers.mock.env_key="REELKIT_TEST_KEY"')
            proxy = f"http://127.0.0.1:{port}/v1"
            first = await codex_exec(
                tmp_path / "rec", proxy, f"use key {secret}", *keyed, env={"REELKIT_TEST_KEY": secret}
            )
        finally:
            await runner.cleanup()
        seen_auth = upstream.response_requests[0].header("authorization")
    text = cassette.read_text()
    assert (first.returncode, first.stdout.strip()) == (0, "All recorded."), first.stderr
    assert seen_auth == "Bearer <redacted>"  # the secret really was sent upstream...
    assert secret not in text  # ...and never written
    recorded = Cassette.load(cassette)
    # Upstream is gone now: the cassette alone answers codex, with the recorded split points.
    async with MockProvider(cassette=cassette, speed=0) as replay:
        second = await codex_exec(tmp_path / "play", replay.url, f"use key {secret}")
        assert replay.unplayed() == []
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    chunks = [len(c.data) for c in recorded.interactions[1].chunks or []]
    assert len(chunks) > 5  # the text arrived in many chunks, and they were kept
