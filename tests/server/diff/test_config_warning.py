"""codex's `configWarning` when bubblewrap is not on PATH: both servers push it after `initialize`, before the
remote-control status, with the same opening sentence."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.support.appserver import AppServerProcess

REMOTE = "remoteControl/status/changed"


def path_without_bwrap(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True)
    for tool in ("node", "sh", "bash"):  # codex's launcher is a node script; ours runs by absolute path
        real = shutil.which(tool)
        assert real is not None, f"{tool} is not installed"
        os.symlink(real, bin_dir / tool)


async def first_notices(argv: list[str] | None, tmp: Path) -> list[dict[str, Any]]:
    home, bin_dir = tmp / "home", tmp / "bin"
    path_without_bwrap(bin_dir)
    write_codex_home(home, ProviderSettings("http://127.0.0.1:9/v1"), model="mock-model")
    srv = await AppServerProcess.start(home, argv=argv, cwd=tmp, env={"HOME": str(home), "PATH": str(bin_dir)})
    try:
        await srv.initialize()
        await srv.read_notification(REMOTE, timeout=30)
    finally:
        await srv.close()
    return [m for d, m in srv.transcript if d == "S->C" and "method" in m]


async def test_missing_bubblewrap_is_a_config_warning_in_both(tmp_path: Path) -> None:
    real = await first_notices([str(find_codex()), "app-server"], tmp_path / "codex")
    ours = await first_notices(None, tmp_path / "ours")
    assert [m["method"] for m in ours] == [m["method"] for m in real] == ["configWarning", REMOTE]
    opening = "Codex could not find bubblewrap on PATH. Install bubblewrap with your OS package manager."
    for warning in (real[0]["params"], ours[0]["params"]):
        assert warning["summary"].startswith(opening)
        assert warning["details"] is None
