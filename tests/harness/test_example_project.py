"""examples/user-project as a user runs it: installed into a fresh venv that reuses this venv's packages
(reelkit, pytest-recording, pytest-asyncio, openai), its tests record once against the mock provider standing
in for the real services (one for the Responses API, one for Chat Completions, as the example's two clients
are configured), then replay with the upstreams gone and the network blocked (pytest-recording's
--block-network), in pytest-asyncio strict and auto modes."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

from mockprovider import ThreadedMockProvider
from mockprovider.cassette import Cassette

EXAMPLE = Path(__file__).parents[2] / "examples" / "user-project"
TESTS = 6


def _venv(root: Path, project: Path) -> Path:
    """A fresh venv seeing this venv's packages through a .pth file; the example is pip-installed into it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    # addsitedir also runs that folder's own .pth files (reelkit's editable install is one).
    pth = root / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages" / "reuse.pth"
    pth.write_text(f"import site; site.addsitedir({site.getsitepackages()[0]!r})\n")
    python = root / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", str(project)]
    subprocess.run(pip, check=True, capture_output=True, timeout=300)
    return python


def _pytest(python: Path, project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=300)


def _dumps(folder: Path) -> dict[str, list[str]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.iterdir())}


def test_the_example_project_records_once_then_replays_offline(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("cassettes", "build", "*.egg-info"))
    python = _venv(tmp_path / "venv", project)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    recorded, replayed = tmp_path / "recorded", tmp_path / "replayed"
    recorded.mkdir()
    replayed.mkdir()
    with ThreadedMockProvider([{"text": "Hello from the model."}], speed=1, loop_script=True) as mock, \
            ThreadedMockProvider([{"text": "Hello from chat."}], speed=1, loop_script=True) as chat:  # fmt: skip
        env |= {"OPENAI_BASE_URL": mock.url, "CHAT_BASE_URL": chat.url, "CHUNK_DUMP": str(recorded)}
        run = _pytest(python, project, env, "--record-mode=once")
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"{TESTS} passed" in run.stdout
        assert len(mock.response_requests) == 5  # every Responses call really reached the upstream
        assert [(r.path, r.status) for r in chat.requests] == [("/v1/chat/completions", 200)]
    cassettes = project / "tests" / "cassettes" / "test_user_project"
    assert len(list(cassettes.glob("*.yaml"))) == TESTS

    env |= {"CHUNK_DUMP": str(replayed), "CI": "true"}  # upstreams gone; CI never records
    for mode in ("strict", "auto"):
        run = _pytest(python, project, env, "--block-network", "-o", f"asyncio_mode={mode}")
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"{TESTS} passed" in run.stdout
    assert _dumps(replayed) == _dumps(recorded)  # raw chunks: same count, same bytes
    chat_chunks = Cassette.load(cassettes / "test_chat.yaml").interactions[0].chunks or []
    assert len(chat_chunks) > 1  # the mock's chat stream was recorded chunk by chunk, as a real one is
    raw = Cassette.load(cassettes / "test_sse_raw.yaml").interactions[0].chunks or []
    assert [c.data.decode() for c in raw] == _dumps(replayed)["test_sse_raw"]
    assert len(raw) > 1
