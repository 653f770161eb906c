"""The bundled demo: the real codex CLI completes a session against the mock provider's default script."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from .codexhome import ProviderSettings, codex_exec_args, find_codex, write_codex_home
from .provider import MockProvider
from .script import Script

DEMO_SCRIPT = "demo.yaml"


def bundled_script() -> Script:
    with resources.as_file(resources.files("mockprovider") / "data" / DEMO_SCRIPT) as path:
        return Script.load(path)


def run_demo(out: TextIO = sys.stdout) -> int:
    """Serve the bundled script, run `codex exec` twice against it, and report what crossed the wire."""
    codex = find_codex()
    with tempfile.TemporaryDirectory(prefix="reelkit-demo-") as tmp:
        home, work = Path(tmp, "codex-home"), Path(tmp, "work")
        work.mkdir()
        return asyncio.run(_demo(codex, home, work, out))


async def _demo(codex: Path, home: Path, work: Path, out: TextIO) -> int:
    async with MockProvider(bundled_script()) as mock:
        write_codex_home(home, ProviderSettings(mock.url))
        _say(out, f"mock provider listening on {mock.origin} (script: mockprovider/data/{DEMO_SCRIPT})")
        for prompt in ("Say hello.", "Run a greeting command."):
            code = await _codex_exec(codex, home, work, prompt, out)
            if code != 0:
                return code
        for req in mock.response_requests:
            outputs = [i["call_id"] for i in req.inputs_of_type("function_call_output")]
            _say(out, f"  request {req.index}: step {req.step}, {len(req.input())} input items, outputs {outputs}")
        mock.assert_all_consumed()
    _say(out, "demo complete: codex finished both turns against the mock provider")
    return 0


async def _codex_exec(codex: Path, home: Path, work: Path, prompt: str, out: TextIO) -> int:
    _say(out, f"$ codex exec {prompt!r}")
    proc = await asyncio.create_subprocess_exec(
        str(codex),
        *codex_exec_args(prompt, "-s", "workspace-write"),
        cwd=work,
        env={"CODEX_HOME": str(home), "PATH": "/usr/bin:/bin", "HOME": str(home)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=120)
    _say(out, f"  codex answered: {stdout.decode().strip()!r} (exit {proc.returncode})")
    if proc.returncode:
        _say(out, stderr.decode())
    return proc.returncode or 0


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
