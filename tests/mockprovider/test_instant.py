"""Instant replay (speed 0): pre-rendered templates, the lazy journal, and the router bypass for /v1/responses.

The load-test path renders a step once and refills ids per request; these tests hold it to exactly what the
ordinary renderer sends, request for request.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from mockprovider import MockProvider, decode_all

from .conftest import body

_IDS = re.compile(rb"(resp|msg|rs|fc|ctc|req|call)_[0-9a-f]{24,48}\b")
_CREATED = re.compile(rb'"created_at":\d+')
STEPS: list[dict[str, Any]] = [
    {"text": "100% sure: %s %d %% @@0@@ {braces} \u00e9\u4e2d", "chunk_size": 7},
    {"reasoning": "think %", "function_call": {"name": "f", "arguments": {"a": "%(x)s"}}},
    {"custom_tool_call": {"name": "apply_patch", "input": "*** Begin Patch\n%\n*** End Patch"}},
    {"output": [{"text": "a"}, {"function_call": {"name": "g", "arguments": "{}"}}], "usage": {"input_tokens": 5}},
    {"text": '"created_at":1111111111 and resp_@@0@@', "id": "resp_scripted"},
    {"failed": {"code": "rate_limit_exceeded", "message": "50% over"}},
    {"incomplete": {"reason": "max_output_tokens"}, "text": "cut"},
]


def _normal(raw: bytes) -> bytes:
    return _CREATED.sub(b'"created_at":0', _IDS.sub(lambda m: m.group(1) + b"_ID", raw))


async def _post(http: aiohttp.ClientSession, url: str, payload: object) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.post(f"{url}/responses?trace=1", json=payload) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.read()


async def test_templates_send_what_the_renderer_sends_with_fresh_ids(http: aiohttp.ClientSession) -> None:
    request = body(instructions="be brief", tools=[{"type": "function", "name": "f"}], metadata={"created_at": 1})
    instant = MockProvider(STEPS, speed=0, loop_script=True, seed=3)
    async with instant, MockProvider(STEPS, speed=1000, loop_script=True, seed=3) as rendered:
        # Round 1 renders (a shape seen once), round 2 builds the templates, round 3 refills them.
        rounds = [[await _post(http, instant.url, request) for _ in STEPS] for _ in range(3)]
        plain = [[await _post(http, rendered.url, request) for _ in STEPS] for _ in range(3)]
    assert len(instant.state.templates) == len(STEPS)
    for answers in zip(*rounds, plain[0], strict=True):
        assert {status for status, _, _ in answers} == {200}
        assert len({_normal(raw) for _, _, raw in answers}) == 1
        ids2, ids3 = ({m.group(0) for m in _IDS.finditer(raw)} for _, _, raw in answers[1:3])
        assert ids2
        assert not ids2 & ids3
        assert answers[1][1]["x-request-id"] != answers[2][1]["x-request-id"]
        assert re.fullmatch(r"req_[0-9a-f]{48}", answers[2][1]["x-request-id"])
    # Seeded, a template draws the same ids in the same order as the renderer: speed never changes them.
    ours, theirs = ([_CREATED.sub(b"", raw) for answers in run for _, _, raw in answers] for run in (rounds, plain))
    assert ours == theirs
    text = "".join(
        e.json().get("delta", "") for e in decode_all(rounds[2][0][2]) if e.event == "response.output_text.delta"
    )
    assert text == STEPS[0]["text"]


async def test_ids_within_one_response_agree(http: aiohttp.ClientSession) -> None:
    async with MockProvider([{"text": "hello there"}], speed=0, loop_script=True) as mock:
        for _ in range(3):
            _, _, raw = await _post(http, mock.url, body())
            events = [e.json() for e in decode_all(raw)]
            response_ids = {e["response"]["id"] for e in events if "response" in e}
            item_ids = {e["item_id"] for e in events if "item_id" in e} | {
                e["item"]["id"] for e in events if "item" in e
            }
            assert (len(response_ids), len(item_ids)) == (1, 1)
            assert events[-1]["response"]["output"][0]["id"] in item_ids


async def test_a_replaced_script_never_answers_from_an_old_template(http: aiohttp.ClientSession) -> None:
    async with MockProvider([{"text": "old"}], speed=0, loop_script=True) as mock:
        for word in ("old", "new", "newer"):
            if word != "old":
                async with http.post(f"{mock.origin}/__admin/script", json={"responses": [{"text": word}]}) as resp:
                    assert resp.status == 200
            _, _, raw = await _post(http, mock.url, body())
            assert decode_all(raw)[-1].json()["response"]["output"][0]["content"][0]["text"] == word


@pytest.mark.parametrize("speed", [0, 1000])
async def test_journal_entries_are_built_when_read(http: aiohttp.ClientSession, speed: float) -> None:
    secret = {"Authorization": "Bearer sk-planted-777"}
    async with MockProvider([{"text": "x"}], speed=speed, loop_script=True, journal_max=3) as mock:
        for n in range(5):
            async with http.post(f"{mock.url}/responses?n={n}", json=body(), headers=secret) as resp:
                await resp.read()
        entries = mock.requests
    assert [e.index for e in entries] == [2, 3, 4]
    assert [e.query for e in entries] == [{"n": "2"}, {"n": "3"}, {"n": "4"}]
    assert all(e.body == body() for e in entries)
    assert entries[0].body is not entries[1].body  # identical requests still get their own copy
    assert {e.headers["authorization"] for e in entries} == {"Bearer <redacted>"}
    assert "sk-planted-777" not in json.dumps([e.to_json() for e in entries])
    assert all(e.elapsed_ms == round(e.elapsed_ms, 3) for e in entries)
    assert all(0 <= e.elapsed_ms < 10_000 for e in entries)  # each request's own time, not the server's age


async def test_requests_the_fast_path_leaves_to_the_router(http: aiohttp.ClientSession) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        raw = json.dumps(body()).encode()
        for i in range(0, len(raw), 5):  # chunked upload: the body is not all there when the handler starts
            yield raw[i : i + 5]

    async with MockProvider([{"text": "one"}, {"text": "two"}, {"text": "three"}], speed=0) as mock:
        async with http.post(f"{mock.url}/responses", json=body(), expect100=True) as resp:
            first = (resp.status, await resp.read())
        async with http.post(f"{mock.origin}/responses", data=trickle(), headers={"Content-Type": "json"}) as resp:
            second = (resp.status, await resp.read())
        async with http.post(f"{mock.url}/responses", data=b'{"input": "hi"}') as resp:
            third = (resp.status, await resp.json())
        async with http.get(f"{mock.url}/responses") as resp:
            fourth = resp.status
        _, _, last = await _post(http, mock.url, body())
    assert [first[0], second[0], third[0], fourth] == [200, 200, 400, 404]
    texts = [decode_all(raw)[-1].json()["response"]["output"][0]["content"][0]["text"] for raw in (first[1], second[1])]
    assert texts == ["one", "two"]
    assert third[1]["error"]["param"] == "model"
    assert decode_all(last)[-1].json()["response"]["output"][0]["content"][0]["text"] == "three"
    assert [r.status for r in mock.requests] == [200, 200, 400, 404, 200]
    assert [r.path for r in mock.requests][:2] == ["/v1/responses", "/responses"]


async def test_one_off_requests_are_not_templated_and_the_cache_stays_bounded(http: aiohttp.ClientSession) -> None:
    async def ask(n: int, text: str) -> None:  # same-length inputs: the shape depends on n only
        _, _, raw = await _post(http, mock.url, body(input=text, metadata={"n": str(n)}))
        assert decode_all(raw)[-1].json()["response"]["metadata"] == {"n": str(n)}

    async with MockProvider([{"text": "same"}], speed=0, loop_script=True) as mock:
        for n in range(300):  # 300 shapes, once each (a codex session's bodies all differ)
            await ask(n, "hi")
        once = len(mock.state.templates)
        for n in range(100, 300):  # 200 of them again (another body): now each is worth a template
            await ask(n, "yo")
        again = len(mock.state.templates)
        for n in range(300, 400):  # 100 more shapes, twice each: the cache keeps the newest 256
            await ask(n, "hi")
            await ask(n, "yo")
        held = len(mock.state.templates)
    assert (once, again, held) == (0, 200, 256)
