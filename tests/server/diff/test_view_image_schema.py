"""view_image's parameters follow the catalog, as the real `codex app-server` 0.163.0's do: `detail` only
for an entry with `supports_image_detail_original: true`; absent or false, `path` alone. Both servers get
the same catalog and mock; the first request's view_image is compared (descriptions are ours)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.server.tools.test_specs import strip
from tests.support.appserver import AppServerProcess

FLAG = "supports_image_detail_original"


async def first_view_image(argv: list[str] | None, flag: bool | None, tmp: Path) -> dict[str, Any]:
    ws, home = tmp / "ws", tmp / "home"
    ws.mkdir(parents=True)
    async with MockProvider([{"text": "ok"}], speed=0) as mock:
        # No shell snapshot: codex writes the environment (the planted key) to a temp file the secret scan may catch.
        write_codex_home(home, ProviderSettings(mock.url), model="mock-model", features={"shell_snapshot": False})
        catalog = home / "catalog.json"
        data = json.loads(catalog.read_text())
        if flag is not None:
            data["models"][0][FLAG] = flag
        catalog.write_text(json.dumps(data))
        srv = await AppServerProcess.start(home, argv=argv, cwd=ws, env={"HOME": str(home)})
        try:
            await srv.initialize()
            thread = (await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"]
            await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "hi"}]})
            await srv.read_notification("turn/completed", timeout=60)
        finally:
            await srv.close()
        [request] = mock.response_requests
    return next(t for t in request.body["tools"] if t.get("name") == "view_image")


@pytest.mark.parametrize("flag", [None, False, True], ids=["absent", "false", "true"])
async def test_view_image_parameters_follow_the_catalog_as_codex(flag: bool | None, tmp_path: Path) -> None:
    real = await first_view_image([str(find_codex()), "app-server"], flag, tmp_path / "codex")
    ours = await first_view_image(None, flag, tmp_path / "ours")
    assert strip(ours) == strip(real)
    assert sorted(real["parameters"]["properties"]) == (["detail", "path"] if flag else ["path"])
