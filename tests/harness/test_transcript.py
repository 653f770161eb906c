from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.transcript import _UUID, Normaliser, Transcript, diff, normalise

DATA = Path(__file__).parent / "data"
T1, T2 = "019a0b5d-a845-7661-b33a-7efe9d2cb39a", "019a0b5d-ffff-7661-b33a-7efe9d2cb39a"
TURN = "019a0b5e-0000-7000-8000-000000000001"


def session(thread: str, cwd: str, ts: int) -> Transcript:
    t = Transcript()
    t.add("C->S", {"id": 1, "method": "thread/start", "params": {"cwd": cwd}})
    t.add(
        "S->C",
        {
            "id": 1,
            "result": {
                "thread": {
                    "id": thread,
                    "cwd": cwd,
                    "createdAt": ts,
                    "path": f"/h/sessions/2026/11/23/rollout-2026-11-23T20-24-50-{thread}.jsonl",
                }
            },
        },
    )
    t.add(
        "S->C",
        {
            "method": "turn/started",
            "params": {"threadId": thread, "turn": {"id": TURN, "startedAt": None}},
            "emittedAtMs": ts * 1000,
        },
    )
    return t


def test_normalised_sessions_from_different_runs_are_equal() -> None:
    a = normalise(session(T1, "/tmp/a/work", 100), {"/tmp/a/work": "<CWD>"})
    b = normalise(session(T2, "/tmp/b/work", 200), {"/tmp/b/work": "<CWD>"})
    assert diff(a, b) == []
    result = a.lines[1].message["result"]["thread"]
    assert result == {
        "id": "<thread 1>",
        "cwd": "<CWD>",
        "createdAt": "<ts>",
        "path": "/h/sessions/<date>/rollout-<date>-<thread 1>.jsonl",
    }
    assert a.lines[2].message["params"]["turn"] == {"id": "<turn 1>", "startedAt": None}


def test_a_difference_shows_as_a_readable_diff() -> None:
    a = normalise(session(T1, "/w", 1))
    b = session(T1, "/w", 1)
    b.add("S->C", {"method": "turn/completed", "params": {"threadId": T1}})
    lines = diff(a, normalise(b))
    assert lines[-1] == 'S->C {"method": "turn/completed", "params": {"threadId": "<thread 1>"}}'.replace(
        "S->C", "+S->C"
    )


def test_reference_captures_round_trip() -> None:
    original = (DATA / "text_turn.jsonl").read_text()
    parsed = Transcript.parse(original)
    assert Transcript.parse(parsed.render()) == parsed
    assert parsed.methods()[:3] == ["thread/started", "thread/status/changed", "turn/started"]


def test_bad_transcript_lines_name_the_line() -> None:
    with pytest.raises(ValueError, match="golden:2: expected a"):
        Transcript.parse('C->S {"id": 1}\nxx {}', "golden")
    with pytest.raises(ValueError, match="golden:1: not JSON"):
        Transcript.parse("S->C {oops", "golden")


@pytest.mark.parametrize("anchor", ["tmp/x/ws/", "x/ws/", ""])
def test_turn_diff_paths_read_the_same_wherever_the_repository_root_is(anchor: str) -> None:
    diff = f"diff --git a/{anchor}a.txt b/{anchor}a.txt\n--- a/{anchor}a.txt\n+++ b/{anchor}a.txt\n"
    message = {"method": "turn/diff/updated", "params": {"diff": diff}}
    out = Normaliser({"/tmp/x/ws": "<CWD>"}).value(message, None)
    assert out["params"]["diff"] == "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["0", "9", "a", "f", "g", "-", " ", "/", T1, T1[:20], T1[9:], T2]), max_size=40))
def test_id_labels_are_those_of_the_plain_pattern(pieces: list[str]) -> None:
    """The fast tail scan labels exactly what `[0-9a-f]{8}-...-[0-9a-f]{12}` matches, in the same order."""
    text = "".join(pieces)
    fast, plain = Normaliser(), Normaliser()
    assert fast.value(text, "threadId") == _UUID.sub(lambda m: plain._label(m.group(), "thread"), text)
