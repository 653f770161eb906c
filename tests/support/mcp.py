"""MCP test plumbing: `[mcp_servers.*]` tables for the bundled probe (harness/mcpprobe.py), a probe served
over streamable HTTP, and waiting for a probe process to be gone without polling."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from mockprovider.codexhome import find_codex

PROBE_ARGV = (sys.executable, "-m", "harness.mcpprobe")
# Nothing may leave the machine: every proxy points at a closed loopback port, loopback itself is exempt.
DEAD_PROXY = "http://127.0.0.1:9"
OFFLINE_ENV = {
    **dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"), DEAD_PROXY),
    "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    "RUST_BACKTRACE": "0",  # else codex appends "Stack backtrace: ..." to every MCP error text
}  # fmt: skip
# codex's network features (plugin and app catalogues) stay off in tests.
CODEX_FLAGS = ("--disable", "plugins", "--disable", "apps", "--disable", "remote_plugin")


def codex_argv() -> list[str]:
    return [str(find_codex()), "app-server", *CODEX_FLAGS]


def mcp_table(name: str, keys: Mapping[str, object]) -> str:
    """A `[mcp_servers.NAME]` table (JSON scalars and arrays are valid TOML values)."""
    return f"\n[mcp_servers.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())


def stdio_probe(*flags: str, pid_file: Path | None = None, **keys: object) -> dict[str, object]:
    """Config keys that start the probe over stdio; short timeouts keep fault tests fast."""
    args = ["-m", "harness.mcpprobe", *flags, *(["--pid-file", str(pid_file)] if pid_file else [])]
    return {"command": PROBE_ARGV[0], "args": args, "startup_timeout_sec": 10, "tool_timeout_sec": 5, **keys}


def add_to_config(home: Path, tables: str) -> None:
    """Append tables after write_codex_home's: its top-level keys must stay above every table."""
    with (home / "config.toml").open("a") as config:
        config.write(tables)


@asynccontextmanager
async def http_probe(*flags: str) -> AsyncIterator[str]:
    """The probe serving streamable HTTP on a free port; yields its URL (the first stdout line)."""
    proc = await asyncio.create_subprocess_exec(
        *PROBE_ARGV, "--http", "0", *flags, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        assert line.startswith(b"http://127.0.0.1:"), line
        yield line.decode().strip()
    finally:
        with suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def read_pid(pid_file: Path) -> int:
    return int(pid_file.read_text())


async def exited(pid_file: Path, timeout: float = 10) -> bool:
    """Wait until the process named in `pid_file` has exited (a pidfd turns readable then; a zombie counts
    as gone: it runs nothing). False if it still runs after `timeout`."""
    pid = read_pid(pid_file)
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def on_exit() -> None:
        if not done.done():
            done.set_result(None)

    loop.add_reader(fd, on_exit)
    try:
        await asyncio.wait_for(done, timeout)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(fd)
        os.close(fd)
