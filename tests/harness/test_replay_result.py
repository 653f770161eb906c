"""A failed `assert result.ok` shows the transcript diff in pytest's output, not `assert False`."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.session import ReplayResult
from harness.transcript import Transcript

pytest_plugins = ["pytester"]
GOLDEN = Path(__file__).parents[2] / "cassettes" / "turns" / "text.jsonl"


def test_the_repr_carries_the_diff() -> None:
    golden = Transcript.load(GOLDEN)
    changed = Transcript.parse(GOLDEN.read_text().replace("How can I help today?", "Something else"))
    result = ReplayResult(GOLDEN.with_suffix(".yaml"), changed, golden, ["text.yaml#1"])
    assert not result.ok
    text = repr(result)
    assert "MISMATCH" in text
    assert any(line.startswith("+S->C") and "Something else" in line for line in text.splitlines())
    assert "unplayed interactions: text.yaml#1" in text
    assert repr(ReplayResult(GOLDEN, golden, golden, [])) == "ReplayResult(text.jsonl: ok)"


def test_pytest_shows_the_diff_under_a_failed_assert(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        f"""
        from pathlib import Path
        from harness.session import ReplayResult
        from harness.transcript import Transcript

        def test_it():
            golden = Transcript.load(Path({str(GOLDEN)!r}))
            changed = Transcript.parse(Path({str(GOLDEN)!r}).read_text().replace("How can I", "Why would I"))
            result = ReplayResult(Path("x.yaml"), changed, golden, [])
            assert result.ok
        """
    )
    out = pytester.runpytest("-p", "no:cacheprovider").stdout.str()
    assert "Why would I" in out
    assert "MISMATCH" in out
