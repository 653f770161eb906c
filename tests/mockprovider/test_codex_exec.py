"""The real codex CLI 0.163.0 completes turns against the mock provider (the reference client)."""

from __future__ import annotations

from pathlib import Path

from mockprovider import MockProvider
from tests.support.codex import codex_exec

PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch\n"


async def test_text_answer(mock: MockProvider, tmp_path: Path) -> None:
    mock.enqueue({"reasoning": "**Thinking**", "text": "Hello from the mock provider."})
    run = await codex_exec(tmp_path, mock.url, "say hello")
    [request] = mock.response_requests
    assert (run.returncode, run.stdout.strip()) == (0, "Hello from the mock provider."), run.stderr
    assert request.message_input_texts("user")[-1] == "say hello"
    assert (request.body["stream"], request.body["store"]) == (True, False)


async def test_exec_command_really_runs_and_its_output_comes_back(mock: MockProvider, tmp_path: Path) -> None:
    args = {"cmd": "echo reelkit-$((6 * 7))", "yield_time_ms": 1000}
    mock.enqueue(
        {"function_call": {"name": "exec_command", "arguments": args, "call_id": "call_sh"}}, {"text": "ran it"}
    )
    run = await codex_exec(tmp_path, mock.url, "run it", "-s", "workspace-write")
    first, second = mock.response_requests
    output = second.function_call_output("call_sh")
    assert (run.returncode, run.stdout.strip()) == (0, "ran it"), run.stderr
    assert "exec_command" in first.tool_names()
    assert output is not None
    assert "reelkit-42" in output["output"]
    assert "Process exited with code 0" in output["output"]
    assert [i["type"] for i in second.input()[-2:]] == ["function_call", "function_call_output"]


async def test_freeform_apply_patch_creates_a_file(mock: MockProvider, tmp_path: Path) -> None:
    mock.enqueue(
        {"custom_tool_call": {"name": "apply_patch", "input": PATCH, "call_id": "call_p"}}, {"text": "patched"}
    )
    run = await codex_exec(tmp_path, mock.url, "add the file", "-s", "workspace-write")
    output = mock.response_requests[1].custom_tool_call_output("call_p")
    assert (run.returncode, run.stdout.strip()) == (0, "patched"), run.stderr
    assert (tmp_path / "work" / "hello.txt").read_text() == "hello world\n"
    assert output is not None
    assert "Success. Updated the following files:\nA hello.txt" in output["output"]


async def test_a_500_is_retried_then_succeeds(mock: MockProvider, tmp_path: Path) -> None:
    mock.enqueue({"http_error": {"status": 500}}, {"text": "second time lucky"})
    run = await codex_exec(tmp_path, mock.url, "hi", request_max_retries=1)
    assert (run.returncode, run.stdout.strip()) == (0, "second time lucky"), run.stderr
    assert [(r.status, r.step) for r in mock.response_requests] == [(500, 0), (200, 1)]
    assert mock.response_requests[0].body == mock.response_requests[1].body  # the same request, re-sent


async def test_response_failed_fails_codex_exec_with_the_scripted_message(mock: MockProvider, tmp_path: Path) -> None:
    mock.enqueue({"failed": {"code": "invalid_prompt", "message": "scripted failure: prompt rejected"}})
    run = await codex_exec(tmp_path, mock.url, "hi")
    assert run.returncode != 0
    assert "scripted failure: prompt rejected" in run.stderr
    assert len(mock.response_requests) == 1  # a fatal code is not retried


async def test_codex_test_kit_style_minimal_events(mock: MockProvider, tmp_path: Path) -> None:
    from mockprovider import events as ev

    first = [
        ev.ev_response_created("r1"),
        ev.ev_function_call("c1", "exec_command", '{"cmd": "echo minimal"}'),
        ev.ev_completed("r1"),
    ]
    second = [ev.ev_response_created("r2"), ev.ev_assistant_message("m1", "minimal done"), ev.ev_completed("r2")]
    mock.enqueue({"events": first}, {"events": second})
    run = await codex_exec(tmp_path, mock.url, "go", "-s", "workspace-write")
    output = mock.response_requests[1].function_call_output("c1")
    assert (run.returncode, run.stdout.strip()) == (0, "minimal done"), run.stderr
    assert output is not None
    assert "minimal" in output["output"]
