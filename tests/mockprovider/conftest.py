from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from mockprovider import MockProvider


@pytest.fixture
async def mock() -> AsyncIterator[MockProvider]:
    async with MockProvider(speed=0, seed=7) as provider:
        yield provider


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


def body(**extra: object) -> dict[str, object]:
    return {"model": "mock-model", "input": "hi", "stream": True, **extra}
