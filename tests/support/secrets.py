"""The planted secret: set as the API key for the whole test session, so it travels wherever a real key
would (env, Authorization headers, proxies); no file the suite writes may contain it."""

from __future__ import annotations

import base64
from pathlib import Path

PLANTED = "sk-proj-reelkitPLANTEDsecret0123456789abcdefXYZ"
PLANTED_ENV = "REELKIT_PLANTED_KEY"


def scan(root: Path, secret: str = PLANTED) -> tuple[int, list[Path]]:
    """How many files are under `root`, and every one holding the secret, raw or base64-encoded (as in a
    Basic auth header)."""
    needles = [secret.encode(), base64.b64encode(secret.encode())[:40]]
    count, found = 0, []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            count += 1
            try:
                data = path.read_bytes()
            except OSError:
                continue  # sockets, fifos, files a sandboxed tool made unreadable
            if any(n in data for n in needles):
                found.append(path)
    return count, found


def leaks(root: Path, secret: str = PLANTED) -> list[Path]:
    return scan(root, secret)[1]
