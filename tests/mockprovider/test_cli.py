"""`python -m mockprovider serve` as a real subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from mockprovider import decode_all

from .conftest import body


async def start(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mockprovider", "serve", "--port", "0", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
    assert line.startswith("listening on http://127.0.0.1:"), line
    return proc, line.split()[-1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_serves_a_script_file_and_exits_cleanly_on_signals(tmp_path: Path, sig: signal.Signals) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"responses": [{"text": "from the CLI"}]}))
    proc, origin = await start("--script", str(script), "--speed", "0")
    async with aiohttp.ClientSession() as http, http.post(f"{origin}/v1/responses", json=body()) as resp:
        events = decode_all(await resp.read())
    proc.send_signal(sig)
    _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert events[-1].json()["response"]["output"][0]["content"][0]["text"] == "from the CLI"
    assert (proc.returncode, b"Traceback" in stderr) == (0, False)


async def test_a_bad_script_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text("responses:\n  - txt: typo\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mockprovider", "serve", "--script", str(script),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert (proc.returncode, stdout) == (1, b"")
    assert f"Error: {script}: responses[0]: txt: Extra inputs are not permitted" in stderr.decode()
    assert b"Traceback" not in stderr


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process went away while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_load_test_mode_two_workers_and_a_bounded_journal(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"responses": [{"text": "loaded"}], "loop": True}))
    proc, origin = await start("--script", str(script), "--speed", "0", "--workers", "2", "--journal-max", "1")
    workers = _children(proc.pid)
    texts, journals = [], []
    for _ in range(12):
        async with aiohttp.ClientSession() as http:  # a new connection each time: SO_REUSEPORT spreads them
            async with http.post(f"{origin}/v1/responses", json=body()) as resp:
                texts.append(decode_all(await resp.read())[-1].json()["response"]["output"][0]["content"][0]["text"])
            async with http.get(f"{origin}/__admin/requests") as resp:
                journals.append(len((await resp.json())["requests"]))
    proc.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert texts == ["loaded"] * 12
    assert set(journals) == {1}  # the same connection, so the same worker: its journal stays at one entry
    assert (len(workers), proc.returncode, b"Traceback" in stderr) == (1, 0, False)
    assert not _alive(workers[0])
