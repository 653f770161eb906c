"""Nothing may leave the machine: run processes under `strace -f -e trace=connect` and list every connection
attempt that is not to loopback or a local socket (a name lookup shows up as a connect to port 53)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_INET = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?, (?P<addr>[^}]*)\}")
_PORT = re.compile(r"(?:sin6?_port)=htons\((\d+)\)")
_LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\.')


def available() -> bool:
    return shutil.which("strace") is not None


def traced(argv: list[str], log: Path) -> list[str]:
    """`argv` under strace (following every child), logging connect() calls to `log`."""
    return ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), *argv]


def outside_attempts(logs: list[Path]) -> list[str]:
    bad = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            found = _INET.search(line)
            if found is None:
                continue
            port = _PORT.search(found.group("addr"))
            if not _LOOPBACK.search(found.group("addr")) or (port and port.group(1) == "53"):
                bad.append(f"{log.name}: {line.strip()}")
    return bad
