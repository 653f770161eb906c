"""`mockprovider demo --apis-only`: one bundled script serves a tool-calling loop on all three APIs."""

from __future__ import annotations

import subprocess
import sys


def test_demo_serves_one_script_on_three_apis() -> None:
    run = subprocess.run([sys.executable, "-m", "mockprovider", "demo", "--apis-only"], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    lines = run.stdout.splitlines()
    posts = [line.split(" -> ")[0] for line in lines if line.startswith("POST ")]
    answers = [line.strip() for line in lines if line.strip().startswith("answer:")]
    assert (run.returncode, run.stderr) == (0, "")
    assert posts == ["POST /v1/responses"] * 2 + ["POST /v1/chat/completions"] * 2 + ["POST /v1/messages"] * 2
    assert answers == ["answer: 'It is sunny in Paris, 24 degrees.'"] * 3
    assert any("tool call toolu_01" in line for line in lines)
    assert any("tool call call_" in line for line in lines)
