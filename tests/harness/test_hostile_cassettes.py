"""Hostile or broken cassettes through every tool: one `Error: <file>: <what> (<fix>)` line, exit 1, in 5 s.

The corpus is `tests/data/hostile/` (made by its make_corpus.py) plus variants made here: the library's
text cassette cut at many points, and a file over the size limit.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from harness.cli import cli as harness_cli
from harness.vcr import use_cassette
from mockprovider.cassette import CassetteError
from mockprovider.cli import cli as mock_cli

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "data" / "hostile"
LIMIT_S = 5.0


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", HOSTILE / "make_corpus.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CORPUS = _corpus_module()
STATIC = sorted(CORPUS.static_files())
TRUNCATED = sorted(CORPUS.truncations())
TOOLS = {
    "show": (harness_cli, ["show"]),
    "lint": (harness_cli, ["lint"]),
    "verify": (harness_cli, ["verify"]),
    "replay": (harness_cli, ["replay"]),
    "serve": (mock_cli, ["serve", "--port", "0", "--cassette"]),
}


def test_the_committed_corpus_is_what_the_generator_makes() -> None:
    made = CORPUS.static_files()
    assert {name: (HOSTILE / name).read_bytes() for name in made} == made


def _assert_one_error_line(output: str, path: Path) -> None:
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    assert errors[0].startswith(f"Error: {path}: ")
    assert errors[0].endswith(")"), errors[0]  # every message ends with its fix in parentheses
    assert "Traceback" not in output


def _run_all_tools(path: Path, env: dict[str, str] | None = None) -> None:
    for name, (command, args) in TOOLS.items():
        started = time.perf_counter()
        result = CliRunner().invoke(command, [*args, str(path)], env=env)
        elapsed = time.perf_counter() - started
        assert result.exit_code == 1, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (name, result.exception)
        _assert_one_error_line(result.output, path)
        assert elapsed < LIMIT_S, (name, elapsed)


@pytest.mark.parametrize("name", STATIC)
def test_every_hostile_file_is_one_error_line_from_every_tool(name: str) -> None:
    _run_all_tools(HOSTILE / name)


def test_a_cassette_cut_short_anywhere_is_one_error_line_from_every_tool(tmp_path: Path) -> None:
    for path in CORPUS.write(tmp_path, CORPUS.truncations()):
        _run_all_tools(path)


def test_a_cassette_over_the_size_limit_names_the_limit_and_the_fix(tmp_path: Path) -> None:
    [path] = CORPUS.write(tmp_path, {"huge.yaml": CORPUS.oversized(1)})
    _run_all_tools(path, env={"REELKIT_MAX_CASSETTE_MB": "1"})
    result = CliRunner().invoke(harness_cli, ["show", str(path)], env={"REELKIT_MAX_CASSETTE_MB": "1"})
    assert (
        "larger than the 1 MB cassette limit (split the recording, or raise REELKIT_MAX_CASSETTE_MB)" in result.output
    )


@pytest.mark.parametrize("name", ["alias_bomb.yaml"])
def test_real_processes_print_one_error_line_and_exit_1(name: str) -> None:
    # The same through the real command lines (stderr and stdout kept apart), for a sample of the corpus.
    # The 5 s bound is checked in process above; here the timeout only catches a hang, since interpreter
    # start-up alone can take seconds on a loaded 2-core CI machine.
    path = HOSTILE / name
    for module, args in (("harness", ["show"]), ("harness", ["lint"]), ("mockprovider", ["serve", "--cassette"])):
        done = subprocess.run(
            [sys.executable, "-m", module, *args, str(path)], capture_output=True, text=True, timeout=60
        )
        assert (done.returncode, done.stdout) == (1, ""), (module, args, done.stderr)
        _assert_one_error_line(done.stderr, path)


@pytest.mark.parametrize("name", ["alias_bomb.yaml", "scalar_aliases.yaml", "offset_nan.yaml", "binary.yaml"])
def test_in_process_vcr_replay_refuses_a_hostile_file_before_vcrpy_reads_it(name: str) -> None:
    started = time.perf_counter()
    with pytest.raises(CassetteError, match=rf"^{re.escape(str(HOSTILE / name))}: .*\)$"):
        use_cassette(HOSTILE / name)
    assert time.perf_counter() - started < LIMIT_S
