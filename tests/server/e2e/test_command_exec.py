"""command/exec (+ write / terminate / outputDelta) on our server and on the real `codex app-server`
0.163.0, side by side: the same answers, and the same streamed output."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.support.appserver import AppServerProcess, RpcFailure

SERVERS = {"ours": None, "codex": "codex"}


async def _server(tmp: Path, which: str | None) -> tuple[AppServerProcess, Path]:
    ws, home = tmp / "ws", tmp / "home"
    ws.mkdir(parents=True)
    write_codex_home(home, ProviderSettings("http://127.0.0.1:9/v1"), model="mock-model", approval_policy="never",
                     sandbox_mode="workspace-write")  # fmt: skip
    argv = [str(find_codex()), "app-server"] if which else None
    srv = await AppServerProcess.start(home, argv=argv, cwd=ws, env={"HOME": str(home)})
    await srv.initialize()
    return srv, ws


async def _answer(srv: AppServerProcess, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(await srv.call("command/exec", params, timeout=30))
    except RpcFailure as exc:
        return {"error": exc.error}


CASES: dict[str, dict[str, Any]] = {
    "stdout": {"command": ["echo", "hi"]},
    "stderr-and-exit-code": {"command": ["sh", "-c", "echo out; echo err >&2; exit 3"]},
    "empty": {"command": []},
    "timeout": {"command": ["sleep", "5"], "timeoutMs": 300},
    "env": {"command": ["sh", "-c", "echo $REELKIT_X"], "env": {"REELKIT_X": "set-by-client"}},
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_answers_match_the_real_server(case: str, tmp_path: Path) -> None:
    results = {}
    for name, which in SERVERS.items():
        srv, ws = await _server(tmp_path / name, which)
        try:
            results[name] = await _answer(srv, {**CASES[case], "cwd": str(ws)})
        finally:
            await srv.close()
    assert results["ours"] == results["codex"]


async def test_a_write_outside_the_workspace_is_refused_by_both(tmp_path: Path) -> None:
    for name, which in SERVERS.items():
        srv, ws = await _server(tmp_path / name, which)
        try:
            result = await _answer(srv, {"command": ["touch", "/usr/reelkit-x"], "cwd": str(ws)})
        finally:
            await srv.close()
        assert result["exitCode"] == 1, name  # the texts differ: bubblewrap EROFS vs Landlock EACCES
        assert "cannot touch '/usr/reelkit-x'" in result["stderr"], name


async def _streamed(srv: AppServerProcess, ws: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    request = await srv.request("command/exec", {"command": ["cat"], "cwd": str(ws), "processId": "p1",
                                                 "streamStdin": True, "streamStdoutStderr": True})  # fmt: skip
    await srv.call("command/exec/write", {"processId": "p1", "deltaBase64": base64.b64encode(b"hello\n").decode()})
    first = await srv.read_notification("command/exec/outputDelta")
    await srv.call("command/exec/write", {"processId": "p1", "closeStdin": True})
    result = (await srv.read_response(request))["result"]
    return result, [first["params"]]


async def test_streamed_stdin_and_output_match_the_real_server(tmp_path: Path) -> None:
    seen = {}
    for name, which in SERVERS.items():
        srv, ws = await _server(tmp_path / name, which)
        try:
            seen[name] = await _streamed(srv, ws)
        finally:
            await srv.close()
    assert seen["ours"] == seen["codex"]
    result, deltas = seen["ours"]
    assert base64.b64decode(deltas[0]["deltaBase64"]) == b"hello\n"
    assert result["exitCode"] == 0


async def test_terminate_matches_the_real_server(tmp_path: Path) -> None:
    results = {}
    for name, which in SERVERS.items():
        srv, ws = await _server(tmp_path / name, which)
        try:
            request = await srv.request("command/exec", {"command": ["sleep", "30"], "cwd": str(ws), "processId": "t1",
                                                         "streamStdoutStderr": True})  # fmt: skip
            await srv.call("command/exec/terminate", {"processId": "t1"})  # right behind the request
            results[name] = (await srv.read_response(request, timeout=30))["result"]
        finally:
            await srv.close()
    assert results["ours"] == results["codex"]
