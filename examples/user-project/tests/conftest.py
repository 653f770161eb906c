"""Dump the raw chunks a test read, so a CI run can compare a recording run with a replay run."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def dump_chunks(request: pytest.FixtureRequest) -> Callable[[list[bytes]], None]:
    def dump(chunks: list[bytes]) -> None:
        folder = os.environ.get("CHUNK_DUMP")
        if folder:
            out = Path(folder) / f"{request.node.name}.json"
            out.write_text(json.dumps([c.decode("utf-8", "replace") for c in chunks]))

    return dump
