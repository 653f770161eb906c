"""In-process replay through vcrpy: an aiohttp client (our own model client) replays a library cassette
with nothing listening on the port it calls; a request the cassette does not hold fails loudly."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from harness.vcr import use_cassette
from mockprovider.cassette import Cassette
from reelkit_common.sse import SSEDecoder
from server.agent.model import ModelClient
from server.agent.provider import ProviderInfo

CASSETTE = Path(__file__).parents[2] / "cassettes" / "turns" / "reasoning.yaml"
NOWHERE = "http://127.0.0.1:9/v1"  # the discard port: a real request could never be answered


def _recorded() -> tuple[dict[str, object], list[dict[str, object]]]:
    item = Cassette.load(CASSETTE).interactions[0]
    assert item.request_body is not None
    events = [json.loads(e.data) for e in SSEDecoder().feed(item.body) if e.data.startswith("{")]
    return json.loads(item.request_body), events


async def test_an_aiohttp_client_replays_in_process() -> None:
    body, recorded = _recorded()
    provider = ProviderInfo("anywhere", NOWHERE, request_max_retries=0, stream_max_retries=0)
    with use_cassette(CASSETTE) as cassette:
        async with aiohttp.ClientSession() as session:
            events = [event async for event in ModelClient(session, provider).stream(body, {})]
    assert cassette.play_count == 1
    assert events == recorded
    assert events[-1]["type"] == "response.completed"
    assert any(e["type"] == "response.reasoning_summary_text.delta" for e in events)


async def test_a_request_the_cassette_does_not_hold_fails() -> None:
    body, _ = _recorded()
    body["input"] = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "other"}]}]
    with use_cassette(CASSETTE), pytest.raises(CannotOverwriteExistingCassetteException):
        async with aiohttp.ClientSession() as session:
            await session.post(f"{NOWHERE}/responses", json=body)
