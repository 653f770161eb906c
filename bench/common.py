"""Shared bench plumbing: start servers on free loopback ports, run wrk, describe the machine."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).parent
NODE_DIR = BENCH / ".node"
AIMOCK_VERSION = "1.43.0"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return str(shutil.which("wrk"))


def ensure_aimock() -> Path:
    cli = NODE_DIR / "node_modules/@copilotkit/aimock/dist/cli.js"
    if not cli.exists():
        NODE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(NODE_DIR), f"@copilotkit/aimock@{AIMOCK_VERSION}"],
            check=True,
        )
    return cli


@contextmanager
def server(argv: list[str], ready: re.Pattern[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """Start a server, wait for its address line, yield the origin, stop it."""
    with server_process(argv, ready, env) as (origin, _pid):
        yield origin


@contextmanager
def server_process(
    argv: list[str], ready: re.Pattern[str], env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """`server`, yielding the process id too (for memory readings)."""
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, **(env or {})}
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            match = ready.search(line)
            if match:
                yield match.group(1), proc.pid
                break
        else:
            raise RuntimeError(f"{argv[0]} exited before listening")
    finally:
        proc.terminate()
        proc.wait(10)


def wrk(
    url: str, body: dict[str, object], seconds: int, connections: int = 16, threads: int = 1,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:  # fmt: skip
    """Run wrk with a POST body; return requests/s and latency percentiles in ms."""
    extra = [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    lua = "\n".join(['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}",
                     'wrk.headers["Content-Type"] = "application/json"', *extra, ""])  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    command = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "requests": float(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
            "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "errors": float(len(re.findall(r"Non-2xx|Socket errors", out)))}  # fmt: skip


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    import aiohttp

    python = sys.version.split()[0]
    versions = f"Python {python}, aiohttp {aiohttp.__version__}; node {node}"
    return f"{cpu}, {os.cpu_count()} cores; {versions}; {platform.platform()}"


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
