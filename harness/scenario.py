"""Scenarios: the client side of a recorded session, as data.

A scenario is YAML: provider config, and steps that send JSON-RPC requests, read until a
notification (answering server requests met on the way), or restart the server. `$NAME` in params
is replaced by a value saved from an earlier result (`save: {thread: result.thread.id}`) or by the
built-ins `$CWD` and `$CODEX_HOME`. The same scenario drives the recording and every replay.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .client import AppServerProcess, RpcFailure
from .transcript import Transcript

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class ScenarioError(ValueError):
    """A scenario file that cannot be used, or a session that did not go as the scenario says."""


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: dict[str, Any] | None = None  # {method, params}
    expect_error: bool = False  # the request is meant to fail (its error is part of the transcript)
    save: dict[str, str] = Field(default_factory=dict)  # name -> dotted path into the response
    until: str | None = None  # read until this notification method
    where: dict[str, Any] = Field(default_factory=dict)  # ...whose params match these dotted values
    answer: dict[str, Any] = Field(default_factory=dict)  # server request method -> result to send
    restart: bool = False  # stop the server (stdin closed) and start it again on the same CODEX_HOME


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    config: dict[str, Any] = Field(default_factory=dict)  # top-level config.toml keys
    provider: dict[str, Any] = Field(default_factory=dict)  # [model_providers.mock] overrides
    upstream: list[dict[str, Any]] = Field(default_factory=list)  # mock steps for synthetic recordings
    steps: list[Step]

    @classmethod
    def load(cls, path: Path) -> Scenario:
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as exc:
            raise ScenarioError(f"{path}: cannot read scenario: {exc}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ScenarioError(f"{path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _lookup(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _fill(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        whole = _VAR.fullmatch(value)
        if whole and whole.group(1) in env:
            return env[whole.group(1)]
        return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, env) for v in value]
    return value


Starter = Callable[[], Awaitable[AppServerProcess]]


class Driver:
    """Runs a scenario against servers from `start`, collecting one transcript across restarts."""

    def __init__(self, scenario: Scenario, start: Starter, env: dict[str, str], timeout: float = 60.0,
                 on_step: Callable[[int, int], None] | None = None):  # fmt: skip
        self.scenario, self.start, self.env, self.timeout = scenario, start, dict(env), timeout
        self.on_step = on_step  # told (steps done, steps in all) after each step: the CLI's progress line
        self.transcript: list[tuple[str, dict[str, Any]]] = []

    async def run(self) -> Transcript:
        srv = await self._open()
        try:
            for number, step in enumerate(self.scenario.steps):
                srv = await self._step(srv, step, number)
                if self.on_step is not None:
                    self.on_step(number + 1, len(self.scenario.steps))
        finally:
            await srv.close()
        out = Transcript()
        for direction, message in self.transcript:
            out.add(direction, message)  # type: ignore[arg-type]
        return out

    async def _open(self) -> AppServerProcess:
        srv = await self.start()
        srv.transcript = self.transcript
        await srv.initialize(name="reelkit-harness")
        return srv

    async def _step(self, srv: AppServerProcess, step: Step, number: int) -> AppServerProcess:
        where = f"{self.scenario.name}: step {number}"
        if step.restart:
            await srv.close()
            return await self._open()
        if step.request is not None:
            await self._request(srv, step, where)
        if step.until is not None:
            await self._until(srv, step, where)
        return srv

    async def _request(self, srv: AppServerProcess, step: Step, where: str) -> None:
        request = _fill(step.request, self.env)
        try:
            result = await srv.call(request["method"], request.get("params"), timeout=self.timeout)
        except RpcFailure as exc:
            if not step.expect_error:
                raise ScenarioError(f"{where}: {request['method']} failed: {exc.error}") from None
            return
        for name, path in step.save.items():
            self.env[name] = str(_lookup(result, path))

    async def _until(self, srv: AppServerProcess, step: Step, where: str) -> None:
        want = _fill(step.where, self.env)
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await srv.read_until(lambda m: "method" in m, timeout=self.timeout)
                    if "id" in message:
                        await self._answer(srv, step, message, where)
                    elif message["method"] == step.until and all(
                        _lookup(message["params"], k) == v for k, v in want.items()
                    ):
                        return
        except TimeoutError:
            raise ScenarioError(f"{where}: no {step.until} within {self.timeout}s") from None

    async def _answer(self, srv: AppServerProcess, step: Step, message: dict[str, Any], where: str) -> None:
        if message["method"] not in step.answer:
            raise ScenarioError(f"{where}: unexpected server request {message['method']} (add it to `answer`)")
        await srv.respond(message["id"], step.answer[message["method"]])
