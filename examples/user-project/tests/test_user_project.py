"""Each test records its HTTP traffic into tests/cassettes/test_user_project/<test>.yaml once
(`pytest --record-mode=once`), then replays it in-process on every run after (`pytest`)."""

from __future__ import annotations

import pytest
import user_project

pytestmark = pytest.mark.cassette  # every test here records and replays


def test_ask() -> None:
    assert user_project.ask("Say hello") == "Hello from the model."


def test_stream_answer() -> None:
    assert user_project.stream_answer("Say hello, streamed") == "Hello from the model."


@pytest.mark.asyncio
async def test_astream_answer() -> None:
    assert await user_project.astream_answer("Say hello, async") == "Hello from the model."


def test_chat() -> None:
    assert user_project.chat("Say hello in chat") == "Hello from chat."


def test_sse_raw(dump_chunks) -> None:
    raw = list(user_project.sse_raw("Say hello, raw"))
    dump_chunks(raw)
    assert user_project.sse_events(raw)[-1] == "response.completed"
    assert len(raw) > 1


@pytest.mark.asyncio
async def test_aiohttp_answer(dump_chunks) -> None:
    text, raw = await user_project.aiohttp_answer("Say hello with aiohttp")
    dump_chunks(raw)
    assert text == "Hello from the model."
