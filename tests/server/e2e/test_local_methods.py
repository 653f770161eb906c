"""The local methods of issue 13 through the real server process: fs/* (with fs/watch → fs/changed), account
calls of an API-key user, skills from their directories, and codex's refusals (answers checked against the
real codex app-server 0.163.0 by tests/server/diff/test_parity.py; here the values and effects)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.server.conftest import Env
from tests.support.appserver import RpcFailure


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_fs_round_trip_and_errors(env: Env) -> None:
    srv = await env.server()
    ws = env.ws
    await srv.call("fs/writeFile", {"path": str(ws / "a.txt"), "dataBase64": b64("alpha\n")})
    assert (ws / "a.txt").read_text() == "alpha\n"
    assert (await srv.call("fs/readFile", {"path": str(ws / "a.txt")}))["dataBase64"] == b64("alpha\n")
    await srv.call("fs/createDirectory", {"path": str(ws / "d" / "e")})
    await srv.call("fs/copy", {"sourcePath": str(ws / "a.txt"), "destinationPath": str(ws / "d" / "b.txt")})
    entries = (await srv.call("fs/readDirectory", {"path": str(ws / "d")}))["entries"]
    assert sorted(e["fileName"] for e in entries) == ["b.txt", "e"]
    meta = await srv.call("fs/getMetadata", {"path": str(ws / "d" / "b.txt")})
    assert (meta["isFile"], meta["isDirectory"], meta["isSymlink"]) == (True, False, False)
    assert meta["modifiedAtMs"] > 0
    await srv.call("fs/remove", {"path": str(ws / "d")})
    assert not (ws / "d").exists()
    await srv.call("fs/remove", {"path": str(ws / "gone")})  # force by default, as codex
    for method, params, code, message in [
        ("fs/readFile", {"path": str(ws / "none")}, -32603, "No such file or directory (os error 2)"),
        ("fs/readFile", {"path": "rel"}, -32600, "Invalid request: AbsolutePathBuf deserialized without a base path"),
        ("fs/readDirectory", {"path": str(ws / "a.txt")}, -32603, "Not a directory (os error 20)"),
        ("fs/remove", {"path": str(ws / "none"), "force": False}, -32603, "No such file or directory (os error 2)"),
        ("fs/writeFile", {"path": str(ws / "no" / "f"), "dataBase64": "aGk="}, -32603,
         "No such file or directory (os error 2)"),
        ("fs/writeFile", {"path": str(ws / "f"), "dataBase64": "!!"}, -32600,
         "fs/writeFile requires valid base64 dataBase64: Invalid symbol 33, offset 0."),
    ]:  # fmt: skip
        with pytest.raises(RpcFailure) as failure:
            await srv.call(method, params)
        assert (failure.value.error["code"], failure.value.error["message"]) == (code, message), method


async def test_fs_watch_reports_changes_until_unwatched(env: Env) -> None:
    srv = await env.server()
    assert (await srv.call("fs/watch", {"path": str(env.ws), "watchId": "w1"}))["path"] == str(env.ws)
    with pytest.raises(RpcFailure, match="watchId already exists: w1"):
        await srv.call("fs/watch", {"path": str(env.ws), "watchId": "w1"})
    (env.ws / "new.txt").write_text("x")
    changed = await srv.read_notification("fs/changed", timeout=10)
    assert changed["params"] == {"watchId": "w1", "changedPaths": [str(env.ws / "new.txt")]}
    assert await srv.call("fs/unwatch", {"watchId": "w1"}) == {}
    assert await srv.call("fs/unwatch", {"watchId": "w9"}) == {}  # unknown ids are fine, as in codex


async def test_a_client_leaving_with_a_watch_lets_the_server_exit(env: Env) -> None:
    srv = await env.server()
    await srv.call("fs/watch", {"path": str(env.ws), "watchId": "left-open"})
    assert await srv.close(timeout=10) == 0  # no watcher thread keeps the process alive


async def test_api_key_login_and_logout(env: Env) -> None:
    srv = await env.server()
    assert await srv.call("account/login/start", {"type": "apiKey", "apiKey": "sk-test-login"}) == {"type": "apiKey"}
    done = await srv.read_notification("account/login/completed")
    assert done["params"]["success"] is True
    assert (await srv.read_notification("account/updated"))["params"] == {"authMode": "apikey", "planType": None}
    auth = env.home / "auth.json"
    assert json.loads(auth.read_text())["OPENAI_API_KEY"] == "sk-test-login"
    assert auth.stat().st_mode & 0o777 == 0o600
    read = await srv.call("account/read", {})
    assert read == {"account": None, "requiresOpenaiAuth": False, "workspaceRouting": None}
    assert await srv.call("account/logout") == {}
    assert (await srv.read_notification("account/updated"))["params"]["authMode"] is None
    assert not auth.exists()


@pytest.mark.parametrize(("method", "params", "message"), [
    ("account/rateLimits/read", None, "codex account authentication required to read rate limits"),
    ("account/usage/read", None, "codex account authentication required to read token usage"),
    ("plugin/share/list", {}, "list remote plugin shares: chatgpt authentication required for remote plugin catalog"),
    ("account/gatewayOAuth/login", None, "The current provider does not use gateway OAuth"),
    ("marketplace/remove", {"marketplaceName": "m"}, "marketplace `m` is not configured or installed"),
    ("mcpServer/oauth/login", {"name": "s"}, "No MCP server named 's' found."),
])  # fmt: skip
async def test_refusals_carry_codex_messages(env: Env, method: str, params: object, message: str) -> None:
    srv = await env.server()
    with pytest.raises(RpcFailure) as failure:
        await srv.call(method, params)
    assert failure.value.error["message"] == message


async def test_skills_come_from_their_directories(env: Env, tmp_path: Path) -> None:
    skill = env.ws / ".codex" / "skills" / "greet" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text("---\nname: greet\ndescription: Say hello\n---\nBody\n")
    bad = env.home / "skills" / "broken" / "SKILL.md"
    bad.parent.mkdir(parents=True)
    bad.write_text("no front matter\n")
    srv = await env.server()
    (entry,) = (await srv.call("skills/list", {"cwds": [str(env.ws)]}))["data"]
    assert [(s["name"], s["scope"], s["enabled"]) for s in entry["skills"]] == [("greet", "repo", True)]
    assert [e["path"] for e in entry["errors"]] == [str(bad)]
    assert await srv.call("skills/config/write", {"name": "greet", "enabled": False}) == {"effectiveEnabled": False}
    (entry,) = (await srv.call("skills/list", {"cwds": [str(env.ws)]}))["data"]
    assert entry["skills"][0]["enabled"] is False
    with pytest.raises(RpcFailure) as failure:
        await srv.call("skills/config/write", {"enabled": True})
    assert failure.value.error == {
        "code": -32602,
        "message": "skills/config/write requires exactly one of path or name",
    }


async def test_feature_flags_and_profiles(env: Env) -> None:
    srv = await env.server()
    features = (await srv.call("experimentalFeature/list", {}))["data"]
    assert len(features) == 175
    assert any(f["name"] == "goals" and f["stage"] == "stable" and f["enabled"] for f in features)
    page = await srv.call("experimentalFeature/list", {"limit": 10})
    assert len(page["data"]) == 10
    assert page["nextCursor"] == "10"
    profiles = (await srv.call("permissionProfile/list", {}))["data"]
    assert [p["id"] for p in profiles] == [":read-only", ":workspace", ":danger-full-access"]
    await srv.call("windowsSandbox/setupStart", {"mode": "elevated"})
    done = await srv.read_notification("windowsSandbox/setupCompleted")
    assert done["params"]["success"] is False
