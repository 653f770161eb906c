"""The import contracts (pyproject.toml [tool.importlinter]) hold here, and each one catches a deliberate
violation: one file added to a temporary copy of the packages, then `lint-imports` run on the copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).with_name("lint-imports")

# contract id -> (file to add, its source): each breaks that contract and (where possible) only it.
VIOLATIONS = {
    "parts-independent": ("server/_violation.py", "import mockprovider.script\n"),
    "protocol-standalone": ("server/protocol/_violation.py", "import server.config\n"),
    "core-knows-no-wire": ("server/agent/_violation.py", "from server import connection\n"),
    "harness-on-top": ("mockprovider/_violation.py", "import harness.client\n"),
    "no-cycles": ("server/handlers/_violation.py", "import server.handlers.thread\n"),
}
CYCLE_BACK = ("server/handlers/listing.py", "\nfrom server.handlers import _violation  # noqa\n")


def lint(root: Path, contract: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-logo", "--no-cache", "--contract", contract], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def copy_tree(tmp: Path) -> Path:
    root = tmp / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.json", "data", "schema")
    for package in ("server", "mockprovider", "harness", "reelkit_common"):
        shutil.copytree(ROOT / package, root / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_contracts_hold_here() -> None:
    for contract in sorted(VIOLATIONS):
        result = lint(ROOT, contract)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_a_violation_breaks_the_contract(contract: str, tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    path, source = VIOLATIONS[contract]
    (root / path).write_text(source)
    if contract == "no-cycles":
        back, line = CYCLE_BACK
        with (root / back).open("a") as f:
            f.write(line)
    result = lint(root, contract)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "_violation" in result.stdout  # broken by the added file, not by something else


def test_every_contract_has_a_violation_test() -> None:
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as f:
        contracts = tomllib.load(f)["tool"]["importlinter"]["contracts"]
    assert {c["id"] for c in contracts} == set(VIOLATIONS)
