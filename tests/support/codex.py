"""Run the real codex CLI (the reference client) against a mock provider, bounded in time."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

from mockprovider.codexhome import ProviderSettings, codex_exec_args, find_codex, write_codex_home


class ProviderRetries(TypedDict, total=False):
    """The integer knobs of ProviderSettings that a test may override."""

    request_max_retries: int
    stream_max_retries: int
    stream_idle_timeout_ms: int


@dataclass(frozen=True)
class CodexRun:
    returncode: int
    stdout: str
    stderr: str


def codex_env(home: Path) -> dict[str, str]:
    # Only what codex needs: its home, a HOME, and a PATH; never the developer's own credentials. And a TMPDIR
    # that does not hold its home: else codex makes no helper aliases and its sandbox fails with a system bwrap.
    tmpdir = home.parent / f"{home.name}-tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    path = os.environ.get("PATH", "/usr/bin:/bin")
    return {"CODEX_HOME": str(home), "HOME": str(home), "PATH": path, "TMPDIR": str(tmpdir)}


async def codex_exec(
    tmp_path: Path,
    base_url: str,
    prompt: str,
    *extra: str,
    timeout: float = 90,
    env: dict[str, str] | None = None,
    **provider: Unpack[ProviderRetries],
) -> CodexRun:
    home, work = tmp_path / "codex-home", tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    write_codex_home(home, ProviderSettings(base_url, **provider))
    proc = await asyncio.create_subprocess_exec(
        str(find_codex()), *codex_exec_args(prompt, *extra),
        cwd=work, env={**codex_env(home), **(env or {})},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return CodexRun(proc.returncode or 0, out.decode(), err.decode())
