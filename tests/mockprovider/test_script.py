from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockprovider import Script, ScriptError, Step, parse_step
from mockprovider.script import last_user_text


def test_yaml_and_json_scripts_load_the_same(tmp_path: Path) -> None:
    steps = [{"text": "hi"}, {"function_call": {"name": "exec_command", "arguments": {"cmd": "ls"}}}]
    (tmp_path / "s.json").write_text(json.dumps({"responses": steps, "loop": True}))
    (tmp_path / "s.yaml").write_text(
        "loop: true\nresponses:\n  - text: hi\n  - function_call: {name: exec_command, arguments: {cmd: ls}}\n"
    )
    a, b = Script.load(tmp_path / "s.json"), Script.load(tmp_path / "s.yaml")
    assert a.steps == b.steps
    assert a.loop
    assert b.loop


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "empty step"),
        ({"text": "a", "events": []}, "a step takes one of"),
        ({"txt": "typo"}, "txt: Extra inputs are not permitted"),
        ({"http_error": {"status": 200}}, "http_error.status"),
        ({"output": [{"text": "a", "reasoning": "b"}]}, "exactly one of"),
        ({"text": "a", "delay_ms": -1}, "delay_ms"),
    ],
)
def test_bad_steps_are_rejected_with_where_and_why(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        parse_step(raw, "step 3")


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("responses: [ {text: ")
    with pytest.raises(ScriptError, match=r"bad\.yaml: not valid JSON or YAML"):
        Script.load(bad)
    with pytest.raises(ScriptError, match="cannot read script"):
        Script.load(tmp_path / "missing.yaml")
    (tmp_path / "wrong.json").write_text('{"responses": [{"text": 1}]}')
    with pytest.raises(ScriptError, match=r"wrong.json: responses\[0\]: text"):
        Script.load(tmp_path / "wrong.json")


def test_take_consumes_in_order_and_loops_only_when_asked() -> None:
    once = Script([parse_step({"text": "a"}), parse_step({"text": "b"})])
    assert [once.take(), once.take(), once.take()] == [(0, once.steps[0]), (1, once.steps[1]), None]
    looping = Script([parse_step({"text": "a"})], loop=True)
    assert [looping.take()[0] for _ in range(3)] == [0, 0, 0]  # type: ignore[index]


def _user(text: str) -> dict[str, object]:
    return {"input": [{"role": "user", "content": [{"type": "input_text", "text": "env"}]},
                      {"role": "user", "content": [{"type": "input_text", "text": text}]},
                      {"type": "function_call_output", "call_id": "c", "output": "x"}]}  # fmt: skip


def _take_step(script: Script, user_text: str) -> Step:
    taken = script.take(user_text)
    assert taken is not None
    return taken[1]


def test_match_steps_answer_their_request_whenever_it_comes() -> None:
    script = Script.from_mapping(
        [{"text": "first in order"}, {"match": "for B", "text": "B"}, {"match": "for A", "text": "A"}, {"text": "next"}]
    )
    assert _take_step(script, last_user_text(_user("this is for A"))).text == "A"
    assert _take_step(script, last_user_text(_user("unrelated"))).text == "first in order"
    assert _take_step(script, last_user_text(_user("also for A"))).text == "next"  # A is used up: back to order
    assert script.pending() == [1]
    assert _take_step(script, last_user_text(_user("now for B"))).text == "B"
    assert script.take("anything") is None


def test_match_steps_in_a_loop_are_never_used_up() -> None:
    script = Script.from_mapping({"responses": [{"match": "^ping$", "text": "pong"}, {"text": "other"}], "loop": True})
    assert [_take_step(script, t).text for t in ("ping", "x", "ping", "y")] == ["pong", "other", "pong", "other"]


def test_a_bad_match_pattern_is_rejected() -> None:
    with pytest.raises(ScriptError, match="match: Value error, not a regular expression"):
        parse_step({"match": "(", "text": "a"})


def test_a_function_call_can_name_its_namespace_tool() -> None:
    """codex calls an MCP tool as `{"namespace": "mcp__probe", "name": "echo"}`; plain calls carry no key."""
    from mockprovider.ids import IdFactory
    from mockprovider.render import RequestContext, _scripted_events

    def done_item(call: dict[str, object]) -> dict[str, object]:
        ctx = RequestContext(body={}, body_size=0, stream=True, chunk_size=64, ids=IdFactory(1))
        events = _scripted_events(parse_step({"function_call": call}), ctx)
        return next(e["item"] for e in events if e["type"] == "response.output_item.done")

    namespaced = done_item({"namespace": "mcp__probe", "name": "echo", "arguments": {"text": "hi"}, "call_id": "c1"})
    assert (namespaced["namespace"], namespaced["name"], namespaced["call_id"]) == ("mcp__probe", "echo", "c1")
    assert json.loads(str(namespaced["arguments"])) == {"text": "hi"}
    assert "namespace" not in done_item({"name": "exec_command", "arguments": {"cmd": "ls"}})
