"""thread/shellCommand: a command the user typed (`!cmd`), run as codex 0.163 runs it: its own turn with one
`commandExecution` item of source `userShell`, `/bin/bash -lc <command>` in the thread's cwd, output streamed
as `outputDelta`, and the turn completed with the item left out of `turn/completed` (notLoaded)."""

from __future__ import annotations

import asyncio
import shlex
import time
import uuid
from typing import Any

from server.agent.commandparse import command_actions
from server.errors import InvalidRequest
from server.protocol.params_more import ShellCommandParams
from server.state import Ctx
from server.store import TurnRecord
from server.threads import ThreadRuntime, new_id

from .item_turn import close_turn, open_turn


async def run(ctx: Ctx, params: ShellCommandParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    if not params.command.strip():
        raise InvalidRequest("command must not be empty")
    if thread.active is not None:
        raise InvalidRequest("a turn is already running on this thread")
    ctx.after(lambda: _run(thread, params.command))
    return {}


async def _run(thread: ThreadRuntime, command: str) -> None:
    began, now, cwd = time.monotonic(), int(time.time()), str(thread.settings.cwd)
    record = TurnRecord(new_id(), started_at=now)
    ids = {"threadId": thread.id, "turnId": record.id}
    item: dict[str, Any] = {
        "type": "commandExecution", "id": str(uuid.uuid4()), "pluginId": None, "scriptPath": None,
        "command": f"/bin/bash -lc {shlex.quote(command)}", "cwd": cwd, "processId": None, "source": "userShell",
        "status": "inProgress", "commandActions": command_actions(command, cwd), "aggregatedOutput": None,
        "exitCode": None, "durationMs": None,
    }  # fmt: skip
    open_turn(thread, record, item, ids)
    output, code = await _execute(command, cwd, lambda d: thread.notify(
        "item/commandExecution/outputDelta", {**ids, "itemId": item["id"], "delta": d}))  # fmt: skip
    item.update(status="completed" if code == 0 else "failed", aggregatedOutput=output, exitCode=code,
                durationMs=int((time.monotonic() - began) * 1000))  # fmt: skip
    close_turn(thread, record, item, ids, began, "notLoaded")


async def _execute(command: str, cwd: str, on_delta: Any) -> tuple[str, int]:
    proc = await asyncio.create_subprocess_exec(
        "/bin/bash", "-lc", command, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    chunks: list[str] = []
    try:
        while chunk := await proc.stdout.read(8192):
            text = chunk.decode(errors="replace")
            chunks.append(text)
            on_delta(text)
        return "".join(chunks), await proc.wait()
    except asyncio.CancelledError:  # the server is shutting down: leave no orphan behind
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
