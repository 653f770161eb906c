"""command/exec (+ write, terminate, resize): run a command under the sandbox, outside any thread."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.errors import InvalidParams, InvalidRequest
from server.handlers.turn import _SANDBOX_TYPES
from server.protocol import params as p
from server.sandbox import SandboxMode, SandboxPolicy, wrap
from server.state import Ctx
from server.tools.exec import command_env

DEFAULT_CAP = 1024 * 1024  # bytes per stream
DEFAULT_TIMEOUT_MS = 10_000


@dataclass(slots=True)
class Running:
    # Registered before the spawn, so a write or terminate sent right behind the request finds it and waits.
    spawned: asyncio.Future[asyncio.subprocess.Process]
    terminated: bool = False


def _policy(ctx: Ctx, params: p.CommandExecParams) -> SandboxPolicy:
    sp = params.sandbox_policy
    if sp is None:
        return SandboxPolicy(SandboxMode(ctx.state.config().sandbox_mode))
    roots = tuple(Path(r) for r in sp.writable_roots or ())
    return SandboxPolicy(_SANDBOX_TYPES[sp.type], roots, bool(sp.network_access), not sp.exclude_slash_tmp)


def _cwd(raw: str | None) -> Path:
    return Path(raw).expanduser() if raw else Path(os.getcwd())


def _validate(params: p.CommandExecParams) -> None:
    if not params.command:
        raise InvalidRequest("command must not be empty")
    if (params.tty or params.stream_stdin or params.stream_stdout_stderr) and not params.process_id:
        raise InvalidRequest("command/exec tty or streaming requires a client-supplied processId")
    if params.timeout_ms is not None and params.disable_timeout:
        raise InvalidRequest("timeoutMs and disableTimeout are mutually exclusive")
    if params.output_bytes_cap is not None and params.disable_output_cap:
        raise InvalidRequest("outputBytesCap and disableOutputCap are mutually exclusive")


async def run(ctx: Ctx, params: p.CommandExecParams) -> dict[str, Any]:
    _validate(params)
    cwd = _cwd(params.cwd)
    env = command_env()
    for key, value in (params.env or {}).items():
        env.pop(key, None) if value is None else env.__setitem__(key, value)
    running = Running(asyncio.get_running_loop().create_future())
    key = params.process_id or f"anon-{id(running)}"
    ctx.state.commands[key] = running
    try:
        try:
            proc = await asyncio.create_subprocess_exec(
                *wrap(params.command, _policy(ctx, params), cwd), cwd=cwd, env=env, start_new_session=True,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
        except BaseException:
            running.spawned.set_exception(InvalidRequest(f'process id "{key}" failed to start'))
            running.spawned.exception()  # retrieved: nobody may be waiting
            raise
        running.spawned.set_result(proc)
        if not params.stream_stdin and proc.stdin is not None:
            proc.stdin.close()
        return await _collect(ctx, params, proc, key)
    finally:
        ctx.state.commands.pop(key, None)


async def _collect(ctx: Ctx, params: p.CommandExecParams, proc: asyncio.subprocess.Process, key: str) -> dict[str, Any]:
    cap = None if params.disable_output_cap else (params.output_bytes_cap or DEFAULT_CAP)
    assert proc.stdout is not None  # spawned with pipes
    assert proc.stderr is not None
    readers = [_pump(ctx, params, proc.stdout, "stdout", cap), _pump(ctx, params, proc.stderr, "stderr", cap)]
    timeout = None if params.disable_timeout else (params.timeout_ms or DEFAULT_TIMEOUT_MS) / 1000
    gathered = asyncio.gather(*readers, proc.wait())
    try:
        out, err, _ = await asyncio.wait_for(gathered, timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return {"exitCode": 124, "stdout": "", "stderr": ""}  # as codex 0.163 answers a timeout
    running = ctx.state.commands.get(key)
    code = 137 if running is not None and running.terminated else (proc.returncode or 0)
    return {"exitCode": code, "stdout": out, "stderr": err}


async def _pump(ctx: Ctx, params: p.CommandExecParams, stream: asyncio.StreamReader, name: str, cap: int | None) -> str:
    kept = bytearray()
    while chunk := await stream.read(65536):
        room = len(chunk) if cap is None else max(0, cap - len(kept))
        if params.stream_stdout_stderr:
            reached = cap is not None and len(kept) + len(chunk) > cap
            delta = base64.b64encode(chunk[:room]).decode()
            ctx.conn.notify("command/exec/outputDelta", {"processId": params.process_id, "stream": name,
                                                         "deltaBase64": delta, "capReached": reached})  # fmt: skip
        kept.extend(chunk[:room])
    return "" if params.stream_stdout_stderr else kept.decode("utf-8", errors="replace")


def _running(ctx: Ctx, process_id: str) -> Running:
    running: Running | None = ctx.state.commands.get(process_id)
    if running is None:
        raise InvalidRequest(f'no active command/exec for process id "{process_id}"')
    return running


async def write(ctx: Ctx, params: p.CommandExecWriteParams) -> dict[str, Any]:
    if params.delta_base64 is None and not params.close_stdin:
        raise InvalidParams("command/exec/write requires deltaBase64 or closeStdin")
    stdin = (await _running(ctx, params.process_id).spawned).stdin
    if stdin is None or stdin.is_closing():
        raise InvalidRequest(f'stdin of process id "{params.process_id}" is closed')
    if params.delta_base64:
        stdin.write(base64.b64decode(params.delta_base64))
        await stdin.drain()
    if params.close_stdin:
        stdin.close()
    return {}


async def terminate(ctx: Ctx, params: p.ProcessIdParams) -> dict[str, Any]:
    running = _running(ctx, params.process_id)
    running.terminated = True
    proc = await running.spawned
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()  # the sandbox launcher relays it to the command and reaps the rest
    return {}


async def resize(ctx: Ctx, params: p.CommandExecResizeParams) -> dict[str, Any]:
    if params.size.get("rows", 0) <= 0 or params.size.get("cols", 0) <= 0:
        raise InvalidParams("command/exec size rows and cols must be greater than 0")
    _running(ctx, params.process_id)
    # Our processes run on pipes, never a PTY: codex answers a resize of such a process so.
    raise InvalidRequest("failed to resize PTY: process is not attached to a PTY")
