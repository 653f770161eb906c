"""The marker on a plain test of the user's own code (pytester, real subprocess runs): record against the
mock provider over loopback, replay with the upstream gone, fail clearly on a miss, never save a failed run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockprovider import ThreadedMockProvider
from mockprovider.cassette import Cassette

pytest_plugins = ["pytester"]

TESTS = """
import os
import openai
import pytest

CLIENT = openai.OpenAI(base_url=os.environ["USER_UPSTREAM"], api_key="sk-user", max_retries=0)  # import time
ASYNC = openai.AsyncOpenAI(base_url=os.environ["USER_UPSTREAM"], api_key="sk-user", max_retries=0)


@pytest.mark.cassette
def test_sync():
    assert CLIENT.responses.create(model="m", input=os.environ.get("ASK", "hi")).output_text == "hello"


@pytest.mark.cassette("recorded/async.yaml")
@pytest.mark.asyncio
async def test_async_stream():
    events = [e.type async for e in await ASYNC.responses.create(model="m", input="stream", stream=True)]
    assert events[-1] == "response.completed"
    assert os.environ.get("FAIL_ASYNC") is None


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.cassette
@pytest.mark.anyio
async def test_under_anyio():  # its own client: a pooled connection belongs to one event loop
    async with openai.AsyncOpenAI(base_url=os.environ["USER_UPSTREAM"], api_key="sk-user", max_retries=0) as client:
        assert (await client.responses.create(model="m", input="anyio")).output_text == "hello"
"""


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadedMockProvider]:
    steps = [{"match": "^stream$", "text": "streamed"}, {"text": "hello"}]
    with ThreadedMockProvider(steps, speed=0, loop_script=True) as mock:
        monkeypatch.setenv("USER_UPSTREAM", mock.url)
        yield mock


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(test_user=TESTS)
    pytester.makeini("[pytest]\nasyncio_mode = strict\n")  # pytest-asyncio's default mode
    return pytester


def test_record_once_then_replay_with_the_upstream_gone(
    project: pytest.Pytester, upstream: ThreadedMockProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.runpytest_subprocess("--record-mode=once").assert_outcomes(passed=3)
    default = project.path / "cassettes" / "test_user" / "test_sync.yaml"
    named = project.path / "recorded" / "async.yaml"
    assert [len(Cassette.load(p).interactions) for p in (default, named)] == [1, 1]
    assert "sk-user" not in default.read_text()
    monkeypatch.setenv("USER_UPSTREAM", "http://127.0.0.1:9/v1")  # nothing listens there
    project.runpytest_subprocess().assert_outcomes(passed=3)  # beside pytest-recording, sharing --record-mode
    monkeypatch.setenv("ASK", "something else")
    missed = project.runpytest_subprocess("-k", "test_sync", "-p", "no:recording")  # and without it
    missed.assert_outcomes(failed=1)
    out = missed.stdout.str()
    assert "test_sync.yaml" in out
    assert '+  "input": "something else",' in out


def test_a_failed_run_saves_nothing_and_ci_never_records(
    project: pytest.Pytester, upstream: ThreadedMockProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL_ASYNC", "1")
    project.runpytest_subprocess("--record-mode=once").assert_outcomes(passed=2, failed=1)
    assert not (project.path / "recorded" / "async.yaml").exists()
    monkeypatch.delenv("FAIL_ASYNC")
    monkeypatch.setenv("CI", "true")
    ci = project.runpytest_subprocess("--record-mode=all", "-k", "test_async_stream")
    ci.assert_outcomes(errors=1)
    assert "CI=true never records" in ci.stdout.str()
    assert not Path(project.path, "recorded").exists()
