"""The mock provider's admin API checks what it is sent, numbers the journal from 0 after a reset, and
journals each request's own duration (real server over loopback)."""

from __future__ import annotations

import asyncio

import aiohttp

from mockprovider import MockProvider


async def test_admin_script_validates_mode_and_loop() -> None:
    async with MockProvider(speed=0) as mock, aiohttp.ClientSession() as http:
        admin = f"{mock.origin}/__admin/script"
        for bad in ({"mode": "appnd"}, {"loop": "yes please"}, {"loop": 1}):
            async with http.post(admin, json={"responses": [{"text": "x"}], **bad}) as resp:
                assert resp.status == 400, bad
                assert '"mode" is "replace" or "append"' in (await resp.json())["error"]["message"]
        async with http.post(admin, json={"responses": [{"text": "x"}], "mode": "append", "loop": True}) as resp:
            assert resp.status == 200


async def test_the_journal_restarts_at_reset_and_times_each_request() -> None:
    body = {"model": "m", "input": "hi"}
    async with MockProvider([{"text": "x"}], speed=0, loop_script=True) as mock, aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(f"{mock.url}/responses", json=body) as resp:
                await resp.read()
        assert [e.index for e in mock.requests] == [0, 1]
        await asyncio.sleep(0.3)  # the server ages; a request's own time must not
        async with http.post(f"{mock.origin}/__admin/reset") as resp:
            assert resp.status == 200
        async with http.post(f"{mock.url}/responses", json=body) as resp:
            await resp.read()
        entries = mock.requests
    assert [e.index for e in entries] == [0]
    assert entries[0].elapsed_ms < 250
