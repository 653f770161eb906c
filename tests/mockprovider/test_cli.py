"""`python -m mockprovider serve` as a real subprocess."""

from __future__ import annotations

import asyncio
import json
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
