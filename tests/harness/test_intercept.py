"""In-process record and replay of a test's own HTTP calls: the openai SDK (httpx2, sync and async), aiohttp
and requests record through the real mock provider over loopback, then replay with nothing listening."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
import requests

from harness.intercept import intercept
from harness.tape import Tape, TapeError
from mockprovider import ThreadedMockProvider
from mockprovider.cassette import Cassette

NOWHERE = "http://127.0.0.1:9/v1"  # the discard port: a request that left the process would fail
TEXT = "A streamed answer long enough to arrive in several chunks."


async def _aiohttp_chunks(base: str) -> list[bytes]:
    async with aiohttp.ClientSession() as session:
        body = {"model": "m", "input": "aio", "stream": True}
        async with session.post(f"{base}/responses", json=body) as resp:
            return [data async for data, _ in resp.content.iter_chunks()]


async def _async_events(base: str) -> list[str]:
    async with openai.AsyncOpenAI(base_url=base, api_key="sk-test", max_retries=0) as client:
        return [e.type async for e in await client.responses.create(model="m", input="async", stream=True)]


def _traffic(base: str) -> dict[str, list[bytes]]:
    with openai.OpenAI(base_url=base, api_key="sk-test", max_retries=0) as sync:
        with sync.responses.with_streaming_response.create(model="m", input="sync", stream=True) as resp:
            sync_chunks = list(resp.iter_bytes())
        text = sync.responses.create(model="m", input="plain").output_text
    events = asyncio.run(_async_events(base))
    body: dict[str, Any] = {"model": "m", "input": "requests", "stream": True}
    with requests.post(f"{base}/responses", json=body, stream=True, timeout=10) as resp:
        requests_chunks = list(resp.iter_content(None))
    return {"sync": sync_chunks, "text": [text.encode()], "async": [e.encode() for e in events],
            "aiohttp": asyncio.run(_aiohttp_chunks(base)), "requests": requests_chunks}  # fmt: skip


def _chunks_of(cassette: Cassette, name: str) -> list[bytes]:
    item = next(i for i in cassette.interactions if json.loads(i.request_body or "{}").get("input") == name)
    return [c.data for c in item.chunks or []]


def test_record_then_replay_chunk_for_chunk_with_no_server(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    steps = [{"text": TEXT}, {"text": "plain"}, {"text": "async"}, {"text": TEXT}, {"text": TEXT}]
    with ThreadedMockProvider(steps, speed=1, chunk_size=8) as mock:
        tape = Tape(path, "once", ci=False)
        with intercept(tape):
            recorded = _traffic(mock.url)
        assert tape.commit()
    cassette = Cassette.load(path)
    assert len(cassette.interactions) == 5
    assert recorded["text"] == [b"plain"]
    replay = Tape(path, "none")
    with intercept(replay):
        replayed = _traffic(NOWHERE)
    assert replayed == recorded
    assert sorted(replay.played) == [0, 1, 2, 3, 4]
    # What the client read are the recorded chunks themselves, boundaries included.
    assert _chunks_of(cassette, "aio") == replayed["aiohttp"]
    assert _chunks_of(cassette, "requests") == replayed["requests"]
    assert _chunks_of(cassette, "sync") == replayed["sync"]
    assert len(replayed["aiohttp"]) > 1


def _ask(base: str, text: str) -> str:
    with openai.OpenAI(base_url=base, api_key="sk-test", max_retries=0) as client:
        return client.responses.create(model="m", input=text).output_text


def test_none_mode_refuses_an_unrecorded_request_and_a_missing_cassette(tmp_path: Path) -> None:
    with pytest.raises(TapeError, match="no cassette at"):
        Tape(tmp_path / "missing.yaml", "none")
    path = tmp_path / "c.yaml"
    with ThreadedMockProvider([{"text": "hi"}], speed=0) as mock:
        tape = Tape(path, "once", ci=False)
        with intercept(tape):
            assert _ask(mock.url, "hi") == "hi"
        tape.commit()
    replay = Tape(path, "none")
    with intercept(replay), pytest.raises(TapeError) as miss:
        _ask(NOWHERE, "yo")
    assert "c.yaml" in str(miss.value)
    assert '-  "input": "hi",' in str(miss.value)
    assert '+  "input": "yo",' in str(miss.value)


def test_ci_never_records(tmp_path: Path) -> None:
    with pytest.raises(TapeError, match="CI=true never records"):
        Tape(tmp_path / "c.yaml", "all", ci=True)


def test_record_modes_mean_what_they_mean_in_vcrpy(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"

    def run(mode: str, *questions: str) -> Tape:
        tape = Tape(path, mode, ci=False)
        with intercept(tape):
            for question in questions:
                _ask(mock.url, question)
        tape.commit()
        return tape

    def inputs() -> list[str]:
        return [json.loads(i.request_body or "{}")["input"] for i in Cassette.load(path).interactions]

    with ThreadedMockProvider([{"text": "a"}], speed=0, loop_script=True) as mock:
        assert run("once", "hi").recorded
        assert inputs() == ["hi"]
        assert not run("once", "hi").recorded  # an existing cassette replays
        episodes = run("new_episodes", "hi", "yo")
        assert (episodes.played, len(episodes.recorded)) == ([0], 1)
        assert inputs() == ["hi", "yo"]
        again = run("all", "hi")
        assert again.played == []  # recorded anew; the old ones stay, unplayed
        assert len(again.recorded) == 1
        assert inputs() == ["hi", "yo", "hi"]
        run("rewrite", "yo")
        assert inputs() == ["yo"]
        assert len(mock.response_requests) == 4  # hi, yo, hi, yo: every replayed one stayed in-process


LATE_IMPORT = """
import sys
from pathlib import Path

from harness.intercept import intercept
from harness.tape import Tape
from mockprovider import ThreadedMockProvider

def call(base):
    assert "requests" not in sys.modules  # the intercept did not import it
    import requests  # the code under test imports requests only now, inside the intercepted block

    body = {"model": "m", "input": "late", "stream": True}
    with requests.post(f"{base}/responses", json=body, stream=True, timeout=10) as resp:
        return list(resp.iter_content(None))

path, mode, text, nowhere = Path(sys.argv[1]), *sys.argv[2:]
assert "requests" not in sys.modules
tape = Tape(path, mode, ci=False)
if mode == "once":
    with ThreadedMockProvider([{"text": text}], speed=1, chunk_size=8) as mock, intercept(tape):
        chunks = call(mock.url)
    assert tape.commit()
else:
    with intercept(tape):
        chunks = call(nowhere)
import requests.adapters
assert requests.adapters.HTTPAdapter.send.__module__ == "requests.adapters"  # unpatched after the block
assert not any(type(f).__name__ == "_PatchOnImport" for f in sys.meta_path)
print(len(chunks), b"".join(chunks).count(b"event: response.completed"))
"""


def test_requests_imported_only_inside_the_test_is_recorded_and_replayed(tmp_path: Path) -> None:
    """The plugin does not import requests for a test that never uses it; code importing it late is caught."""
    path = tmp_path / "late.yaml"
    runs = [subprocess.run([sys.executable, "-c", LATE_IMPORT, str(path), mode, TEXT, NOWHERE], capture_output=True,
                           text=True, timeout=60, check=False) for mode in ("once", "none")]  # fmt: skip
    assert [(r.returncode, r.stderr) for r in runs] == [(0, ""), (0, "")]
    assert runs[0].stdout == runs[1].stdout
    count, completed = map(int, runs[0].stdout.split())
    assert (count > 1, completed) == (True, 1)
    recorded = Cassette.load(path).interactions
    assert len(recorded) == 1
    assert len(recorded[0].chunks or []) == count
