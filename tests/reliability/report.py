"""Figures for docs/reliability.md: a test records what it measured when REELKIT_RELIABILITY_REPORT
names a directory (scripts/reliability sets it); otherwise recording does nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reelkit_common.fsutil import atomic_write


def record(name: str, **figures: Any) -> None:
    folder = os.environ.get("REELKIT_RELIABILITY_REPORT")
    if folder:
        atomic_write(Path(folder) / f"{name}.json", json.dumps(figures, indent=2) + "\n")
