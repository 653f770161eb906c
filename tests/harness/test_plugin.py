"""The pytest plugin, exercised with pytester: record modes, goldens, fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SCENARIO = """
name: plugin_demo
upstream:
  - text: "Hi from the plugin."
steps:
  - request: {method: thread/start, params: {cwd: $CWD}}
    save: {thread: thread.id}
  - request: {method: turn/start, params: {threadId: $thread, input: [{type: text, text: hello}]}}
    until: turn/completed
"""

TEST = """
import pytest

@pytest.mark.cassette("cassettes/demo.yaml")
async def test_session(reelkit_session):
    result = await reelkit_session(scenario="demo_scenario.yaml")
    assert result.ok, result.diff

async def test_fixtures(app_server, mock_provider):
    mock_provider.enqueue({"text": "direct"})
    srv = await app_server(approval_policy="never")
    thread = (await srv.call("thread/start", {}))["thread"]["id"]
    await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "hi"}]})
    done = await srv.read_notification("turn/completed")
    assert done["params"]["turn"]["items"][0]["text"] == "direct"
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("CI", raising=False)  # these runs record; under CI=true the plugin never would
    pytester.makefile(".yaml", demo_scenario=SCENARIO)
    pytester.makepyfile(test_demo=TEST)
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    return pytester


def test_none_mode_fails_without_a_cassette_then_once_records_it(project: pytest.Pytester) -> None:
    missing = project.runpytest_subprocess("-k", "test_session")
    missing.assert_outcomes(failed=1)
    assert "no cassette at" in missing.stdout.str()
    recorded = project.runpytest_subprocess("-k", "test_session", "--record-mode=once")
    recorded.assert_outcomes(passed=1)
    cassette = Path(project.path, "cassettes/demo.yaml")
    assert cassette.exists()
    assert cassette.with_suffix(".jsonl").exists()
    replayed = project.runpytest_subprocess("-k", "test_session")  # default mode: replay only
    replayed.assert_outcomes(passed=1)


def test_a_changed_golden_fails_until_updated(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("-k", "test_session", "--record-mode=once").assert_outcomes(passed=1)
    golden = Path(project.path, "cassettes/demo.jsonl")
    golden.write_text(golden.read_text().replace("Hi from the plugin.", "Something else."))
    project.runpytest_subprocess("-k", "test_session").assert_outcomes(failed=1)
    project.runpytest_subprocess("-k", "test_session", "--update-goldens").assert_outcomes(passed=1)
    project.runpytest_subprocess("-k", "test_session").assert_outcomes(passed=1)


def test_provider_and_app_server_fixtures(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("-k", "test_fixtures").assert_outcomes(passed=1)
