"""Fixtures for end-to-end server tests: a real server process over stdio, the real mock provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from mockprovider.journal import CapturedRequest
from tests.support import schema
from tests.support.appserver import AppServerProcess
from tests.support.secrets import PLANTED_ENV


@dataclass
class Env:
    home: Path
    ws: Path
    mock: MockProvider
    servers: list[AppServerProcess] = field(default_factory=list)

    def config(self, **top: object) -> None:
        defaults: dict[str, object] = {"approval_policy": "never", "sandbox_mode": "workspace-write"}
        write_codex_home(
            self.home, ProviderSettings(self.mock.url, env_key=PLANTED_ENV), model="mock-model", **{**defaults, **top}
        )

    async def server(self, initialize: bool = True, **caps: Any) -> AppServerProcess:
        srv = await AppServerProcess.start(self.home, cwd=self.ws)
        self.servers.append(srv)
        if initialize:
            await srv.initialize(**caps)
        return srv


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    ws = tmp_path / "ws"
    ws.mkdir()
    async with MockProvider(speed=0, strict=True) as mock:
        environment = Env(tmp_path / "home", ws, mock)
        environment.config()
        yield environment
        violations = []
        for srv in environment.servers:
            await srv.close()
            violations.extend(schema.problems(srv.transcript))
    assert violations == [], "messages that break the pinned 0.163.0 schema:\n" + "\n".join(violations)


async def start_thread(srv: AppServerProcess, ws: Path, **params: object) -> str:
    result = await srv.call("thread/start", {"cwd": str(ws), **params})
    return str(result["thread"]["id"])


def call_output(request: CapturedRequest, call_id: str, item_type: str = "function_call_output") -> Any:
    """The `output` of the `item_type` input item answering `call_id` in `request` (which must carry one)."""
    item = request.call_output(call_id, item_type)
    assert item is not None, f"no {item_type} for {call_id}"
    return item["output"]
