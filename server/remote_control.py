"""The remote-control status codex pushes after `initialize`: always `disabled` here (the feature reaches a
remote service), named by the host and CODEX_HOME's installation id as codex names it."""

from __future__ import annotations

import contextlib
import socket
import uuid
from pathlib import Path
from typing import Any

from reelkit_common.fsutil import atomic_write


def installation_id(home: Path) -> str:
    """CODEX_HOME/installation_id, created on first use (codex and ours share the file)."""
    path = home / "installation_id"
    with contextlib.suppress(OSError, ValueError):
        return str(uuid.UUID(path.read_text().strip()))
    value = str(uuid.uuid4())
    with contextlib.suppress(OSError):  # a read-only home still gets an id for this process
        atomic_write(path, value)
    return value


def status(home: Path) -> dict[str, Any]:
    return {
        "status": "disabled",
        "serverName": socket.gethostname(),
        "installationId": installation_id(home),
        "environmentId": None,
    }
