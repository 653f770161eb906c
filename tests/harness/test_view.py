"""`harness show --json`, `harness view` (the page's file and data, without a browser) and `--reelkit-report`.

The page as a person sees it is checked in a real browser by test_view_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.view import render_page

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "cassettes"
TEXT = LIBRARY / "turns" / "text.yaml"

pytest_plugins = ["pytester"]


def harness(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "harness", *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=cwd or REPO, check=False)


def embedded(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="reelkit-data">(.*?)</script>', page, re.DOTALL)
    assert match, "no data block in the page"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_show_json_gives_chunks_events_text_and_the_linked_transcript() -> None:
    done = harness("show", "--json", LIBRARY / "approvals" / "exec_accepted.yaml")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    (cassette,) = data["cassettes"]
    first, second = cassette["interactions"]
    assert [c["offset_ms"] for c in first["chunks"]] == sorted(c["offset_ms"] for c in first["chunks"])
    assert first["tool_calls"] == [
        {"arguments": '{"cmd": "touch made.txt && echo made"}', "done": True, "type": "function_call",
         "name": "exec_command", "call_id": "c1"}
    ]  # fmt: skip
    assert second["text"] == "Created made.txt."
    assert second["usage"]["input_tokens"] > 0
    assert cassette["integrity"] == {"verify": [], "lint": []}
    turns = cassette["transcript"]["turns"]
    assert [(t["title"], t["interactions"]) for t in turns] == [("Session set-up", []), ("Turn 1", [0, 1])]
    approvals = [line for t in turns for line in t["lines"] if line["approval"] and line["kind"] == "server-request"]
    assert [a["method"] for a in approvals] == ["item/commandExecution/requestApproval"]


def test_view_writes_one_self_contained_page(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = harness("view", TEXT, LIBRARY / "failures" / "stream_cut_mid_event.yaml", "--out", out)
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    # Nothing is fetched: no external script, style, image or link target.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "default-src 'none'" in page
    sections = embedded(page)["sections"]
    assert [s["name"] for s in sections] == ["text.yaml", "stream_cut_mid_event.yaml"]
    assert sections[1]["interactions"][0]["ending"] == "abort"
    assert list(tmp_path.iterdir()) == [out]  # written whole: no temp file left beside it


def test_recorded_text_cannot_end_the_data_block() -> None:
    hostile = {"kind": "diff", "name": "x", "a": "a", "b": "b", "unit": "line", "units": [], "changes": 0,
               "note": "</script><script>alert(1)</script><!--"}  # fmt: skip
    page = render_page([hostile], "{{SCRIPT}} <b>")
    assert embedded(page)["sections"][0]["note"] == hostile["note"]
    assert "<title>{{SCRIPT}} &lt;b&gt;</title>" in page  # a placeholder in a name is not expanded
    assert "</script><script>alert(1)" not in page  # the data block is not closed early


def test_bad_input_gets_one_error_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 2\n", encoding="utf-8")
    done = harness("view", broken, "--out", tmp_path / "x.html")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: {broken}: not a vcrpy v1 cassette (it needs `version: 1` and an `interactions` list)"
    ]
    assert not (tmp_path / "x.html").exists()
    usage = harness("view", "--out", tmp_path / "x.html")
    assert usage.returncode == 2
    assert "give either CASSETTE... or --diff A B" in usage.stderr


def test_view_diff_of_two_transcripts_names_the_changed_field(tmp_path: Path) -> None:
    golden = TEXT.with_suffix(".jsonl")
    changed = tmp_path / "changed.jsonl"
    changed.write_text(golden.read_text(encoding="utf-8").replace("Hello! How", "Howdy! How"), encoding="utf-8")
    out = tmp_path / "diff.html"
    assert harness("view", "--diff", golden, changed, "--out", out).returncode == 0
    (section,) = embedded(out.read_text(encoding="utf-8"))["sections"]
    marked = {(u["a_label"], c["path"]) for u in section["units"] for c in u["changes"]}
    lines = golden.read_text(encoding="utf-8").splitlines()
    numbers = [n for n, line in enumerate(lines, 1) if "Hello! How" in line]
    # the streamed delta, the completed item, and the item list of turn/completed
    assert len(numbers) == 3
    delta, item, turn = numbers
    assert marked == {
        (f"line {delta}", "$.params.delta"),
        (f"line {item}", "$.params.item.text"),
        (f"line {turn}", "$.params.turn.items[0].text"),
    }


def test_replay_report_option_writes_the_page_of_a_mismatch(tmp_path: Path) -> None:
    shutil.copy(TEXT, tmp_path / "text.yaml")
    golden = TEXT.with_suffix(".jsonl").read_text(encoding="utf-8")
    (tmp_path / "text.jsonl").write_text(golden.replace("Hello! How can I help today?", "Nope."), encoding="utf-8")
    done = harness("replay", tmp_path / "text.yaml", "--report", tmp_path / "reports")
    assert done.returncode == 1
    page = tmp_path / "reports" / "text.html"
    assert f"  report: {page}" in done.stdout.splitlines()
    _cassette, replayed = embedded(page.read_text(encoding="utf-8"))["sections"]
    assert {c["path"] for u in replayed["units"] for c in u["changes"]} == {
        "$.params.item.text", "$.params.turn.items[0].text"
    }  # fmt: skip


FAILING_TEST = """
import pytest

@pytest.mark.cassette("cassettes/text.yaml")
async def test_replay(reelkit_session):
    result = await reelkit_session()
    assert result.ok, "replay differs from the golden"
"""


def test_reelkit_report_writes_a_page_for_a_failing_cassette_test(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "cassettes"
    folder.mkdir()
    shutil.copy(TEXT, folder / "text.yaml")
    golden = TEXT.with_suffix(".jsonl").read_text(encoding="utf-8")
    (folder / "text.jsonl").write_text(golden.replace('"text": "Hello! How can I help today?"', '"text": "Bye."'))
    pytester.makepyfile(test_failing=FAILING_TEST)
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    plain = pytester.runpytest_subprocess()
    plain.assert_outcomes(failed=1)
    assert "reelkit report" not in plain.stdout.str()  # off by default
    result = pytester.runpytest_subprocess("--reelkit-report", "reports")
    result.assert_outcomes(failed=1)
    pages = list((pytester.path / "reports").glob("*.html"))
    assert [p.name for p in pages] == ["test_failing.py_test_replay.html"]
    assert f"reelkit report: {pages[0]}" in result.stdout.str()
    cassette, replay = embedded(pages[0].read_text(encoding="utf-8"))["sections"]
    assert cassette["name"] == "text.yaml"
    # the completed item, and the same item in turn/completed's list
    assert [(c["path"], c["old"], c["new"]) for u in replay["units"] for c in u["changes"]] == [
        ("$.params.item.text", "Bye.", "Hello! How can I help today?"),
        ("$.params.turn.items[0].text", "Bye.", "Hello! How can I help today?"),
    ]
