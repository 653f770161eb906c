"""Record modes and the CI rule, importable without the rest of the kit (the pytest plugin loads in every
pytest run of a project that installed reelkit, so its start-up cost is everyone's)."""

from __future__ import annotations

import os
from collections.abc import Mapping

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if env is None else env).get("CI", "")
    return value.lower() in ("1", "true", "yes")
