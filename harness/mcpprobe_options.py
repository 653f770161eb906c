"""The probe's options, shared by its stdlib-only launcher (`harness.mcpprobe`) and its server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Options:
    http: int | None
    url_file: Path | None
    pid_file: Path | None
    crash_at_start: bool
    hang_at_start: bool
    junk: str | None  # "start": a junk line before the handshake; "call": junk instead of a tools/call answer
