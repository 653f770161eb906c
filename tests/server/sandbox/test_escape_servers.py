"""The escape suite through the servers: every probe, in both sandbox modes, as the model's tool calls
(one `exec_command` running every shell probe, the workdir probes, the apply_patch probes, all in one
turn) and as `command/exec`, against the real `codex app-server` 0.163.0 and against ours, each in a
fresh scene. Whatever codex blocks, we must block.

Judged on the host by effects (scene.py). The servers get `/tmp` and `$TMPDIR` excluded from the
writable roots (the scene lives under /tmp). Set REELKIT_SANDBOX_TABLE=FILE to write the results
(probe x mode x channel x server) as JSON, from which docs/reliability.md's table is made.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.support.appserver import AppServerProcess

from .probes import PATCH_PROBES, READ_ONLY_ONLY, WORKDIR_PROBES
from .scene import Scene, build

SERVERS = ("codex", "ours")
MODES = {
    "workspace-write": {"type": "workspaceWrite", "writableRoots": [], "networkAccess": False,
                        "excludeSlashTmp": True, "excludeTmpdirEnvVar": True},
    "read-only": {"type": "readOnly", "networkAccess": False},
    "danger-full-access": {"type": "dangerFullAccess"},  # the control: the probes must really escape
}  # fmt: skip
RESULTS: dict[str, dict[str, list[str]]] = {}


def _calls(scene: Scene) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = [_exec("batch", scene.batch())]
    for name, (workdir, command) in WORKDIR_PROBES.items():
        values = scene.values(name)
        calls.append(_exec(name, command, workdir.format(**values)))
    for name, body in PATCH_PROBES.items():
        patch = "*** Begin Patch\n" + body.format(**scene.values(name)) + "\n*** End Patch"
        calls.append({"custom_tool_call": {"name": "apply_patch", "input": patch, "call_id": name}})
    return calls


def _exec(call_id: str, command: str, workdir: str | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"cmd": command, "login": False, "yield_time_ms": 30_000}
    if workdir is not None:
        args["workdir"] = workdir
    return {"function_call": {"name": "exec_command", "arguments": args, "call_id": call_id}}


async def _start(scene: Scene, which: str, url: str, mode: str) -> AppServerProcess:
    write_codex_home(scene.home, ProviderSettings(url), model="mock-model", approval_policy="never",
                     sandbox_mode=mode)  # fmt: skip
    argv = [str(find_codex()), "app-server"] if which == "codex" else None
    srv = await AppServerProcess.start(scene.home, argv=argv, cwd=scene.ws, env={"HOME": str(scene.home)})
    await srv.initialize()
    return srv


async def _attack_by_turn(scene: Scene, which: str, mode: str) -> dict[str, str]:
    """Run every probe as the model's tool calls; return what the model was told for each patch probe."""
    steps: list[dict[str, Any]] = [{"output": _calls(scene)}, {"text": "done"}]
    async with MockProvider(steps, speed=0) as mock:
        srv = await _start(scene, which, mock.url, mode)
        scene.take_before()
        try:
            thread = (await srv.call("thread/start", {"cwd": str(scene.ws)}))["thread"]["id"]
            params = {"threadId": thread, "input": [{"type": "text", "text": "go"}], "sandboxPolicy": MODES[mode]}
            await srv.call("turn/start", params)
            await srv.read_notification("turn/completed", timeout=120)
        finally:
            await srv.close()
        request = mock.response_requests[1]
        output = request.call_output("batch", "function_call_output")
        patches = {name: request.call_output(name, "custom_tool_call_output") for name in PATCH_PROBES}
    assert output is not None
    assert "PROBES-DONE" in output["output"], output
    return {name: str((said or {}).get("output")) for name, said in patches.items()}


async def _attack_by_command_exec(scene: Scene, which: str, mode: str) -> str:
    srv = await _start(scene, which, "http://127.0.0.1:9/v1", mode)
    command = scene.batch()
    scene.take_before()
    try:
        params = {"command": ["bash", "-c", command], "cwd": str(scene.ws), "sandboxPolicy": MODES[mode],
                  "timeoutMs": 90_000}  # fmt: skip
        result = await srv.call("command/exec", params, timeout=120)
    finally:
        await srv.close()
    assert "PROBES-DONE" in result["stdout"], result
    return str(result["stdout"])


async def _escapes(
    root: Path, which: str, mode: str, channel: str, skip: frozenset[str] = frozenset()
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """What each probe managed on the host, and what the model was told for each patch probe."""
    scene = build(root, read_only=mode == "read-only", skip=skip)
    said: dict[str, str] = {}
    try:
        if channel == "turn":
            said = await _attack_by_turn(scene, which, mode)
        else:
            await _attack_by_command_exec(scene, which, mode)
        shell = scene.shell_probes
        probes = [*shell, *WORKDIR_PROBES, *PATCH_PROBES] if channel == "turn" else shell
        return {name: scene.escaped(name) for name in probes}, said
    finally:
        scene.close()


@pytest.mark.parametrize("channel", ["turn", "command-exec"])
@pytest.mark.parametrize("mode", ["workspace-write", "read-only"])
async def test_every_probe_codex_blocks_we_block(tmp_path: Path, mode: str, channel: str) -> None:
    runs = {which: await _escapes(tmp_path / which, which, mode, channel) for which in SERVERS}
    escapes = {which: run[0] for which, run in runs.items()}
    _record(mode, channel, escapes)
    # apply_patch's own check speaks first, in codex's words (protected names count as outside). Known
    # difference: codex checks a symlinked target lexically and lets its sandboxed write fail ("Failed to
    # write file …"); ours resolves it and rejects it up front. Both block it.
    said = {which: {k: v for k, v in run[1].items() if k != "patch-symlinked-target"} for which, run in runs.items()}
    assert said["ours"] == said["codex"]
    blocked_by_codex = {name for name, found in escapes["codex"].items() if not found}
    ours = {name: found for name, found in escapes["ours"].items() if found and name in blocked_by_codex}
    assert ours == {}
    # The judgement is not vacuous: codex blocks nearly all of them, and lets the ordinary work through.
    assert len(blocked_by_codex) >= len(escapes["codex"]) - 8


# Without a sandbox these show nothing: the launcher reaps what a command leaves behind, and writes inside
# the workspace are judged only in read-only mode. Every other probe must show its real effect.
HARMLESS_UNCONFINED = {"orphan-setsid", "orphan-double-fork", "orphan-daemon", *READ_ONLY_ONLY}


async def test_the_probes_really_escape_without_a_sandbox(tmp_path: Path) -> None:
    # Not setdomainname: unconfined it renames the host's domain, which other tests (and people) would see.
    escapes, _ = await _escapes(tmp_path / "ours", "ours", "danger-full-access", "turn", frozenset({"setdomainname"}))
    _record("danger-full-access", "turn", {"ours": escapes})
    assert sorted(name for name, found in escapes.items() if not found) == sorted(HARMLESS_UNCONFINED)


def _record(mode: str, channel: str, escapes: dict[str, dict[str, list[str]]]) -> None:
    target = os.environ.get("REELKIT_SANDBOX_TABLE")
    if not target:
        return
    path = Path(target)
    table = json.loads(path.read_text()) if path.exists() else {}
    for which, found in escapes.items():
        for name, what in found.items():
            table.setdefault(name, {})[f"{mode}/{channel}/{which}"] = what
    path.write_text(json.dumps(table, indent=1, sort_keys=True))


async def test_a_workdir_that_does_not_exist_fails_the_call_not_the_turn(tmp_path: Path) -> None:
    outputs = {}
    for which in SERVERS:
        scene = Scene(tmp_path / which, read_only=False)
        scene.ws.mkdir(parents=True)
        steps: list[dict[str, Any]] = [_exec("c1", "echo hi", str(tmp_path / "nowhere")), {"text": "done"}]
        async with MockProvider(steps, speed=0) as mock:
            srv = await _start(scene, which, mock.url, "workspace-write")
            try:
                thread = (await srv.call("thread/start", {"cwd": str(scene.ws)}))["thread"]["id"]
                await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "go"}]})
                done = await srv.read_notification("turn/completed", timeout=60)
            finally:
                await srv.close()
            assert done["params"]["turn"]["status"] == "completed"
            output = mock.response_requests[1].call_output("c1", "function_call_output")
            assert output is not None
            outputs[which] = output["output"]
    assert (
        outputs["ours"]
        == outputs["codex"]
        == (
            'exec_command failed: CreateProcess { message: "Rejected(\\"Failed to create unified exec process: '
            'No such file or directory (os error 2)\\")" }'
        )
    )
