"""pytest-recording and plain vcrpy load every cassette the kit writes: the library (harness record), the
example project's (the plugin) and one the Recorder writes; they replay a recorded request in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import vcr
import yaml

from harness.recorder import ThreadedRecorder
from mockprovider import ThreadedMockProvider

pytest_plugins = ["pytester"]
ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "user-project" / "tests" / "cassettes" / "test_user_project"
KIT_WRITTEN = sorted((ROOT / "cassettes").glob("*/*.yaml")) + sorted(EXAMPLE.glob("*.yaml"))


@pytest.fixture
def recorder_written(tmp_path: Path) -> Path:
    path = tmp_path / "recorder.yaml"
    with ThreadedMockProvider([{"text": "hi"}], speed=0) as mock, ThreadedRecorder(mock.url, path) as rec:
        requests.post(f"{rec.url}/responses", json={"model": "m", "input": "hi"}, timeout=10).raise_for_status()
    return path


def test_plain_vcrpy_loads_every_cassette(recorder_written: Path) -> None:
    for path in [*KIT_WRITTEN, recorder_written]:
        count = len(yaml.safe_load(path.read_text())["interactions"])
        with vcr.VCR(record_mode="none").use_cassette(str(path)) as cassette:
            assert len(cassette.data) == count, path


def test_pytest_recording_replays_our_cassettes(pytester: pytest.Pytester, recorder_written: Path) -> None:
    ask = EXAMPLE / "test_ask.yaml"
    item = yaml.safe_load(ask.read_text())["interactions"][0]
    folder = pytester.path / "cassettes" / "test_theirs"
    folder.mkdir(parents=True)
    (folder / "test_default_path.yaml").write_text(ask.read_text())
    extra = [str(p) for p in [*KIT_WRITTEN, recorder_written]]
    pytester.makepyfile(
        test_theirs=f"""
        import json, pytest, requests

        def _ask():
            return json.loads(requests.post({item["request"]["uri"]!r}, data={item["request"]["body"]!r}).text)

        @pytest.mark.vcr
        def test_default_path(vcr):
            assert _ask()["object"] == "response"

        @pytest.mark.vcr(*{extra!r})
        def test_every_kit_cassette_as_extra(vcr):
            assert len(vcr.data) == {sum(len(yaml.safe_load(Path(p).read_text())["interactions"]) for p in extra)}
            assert _ask()["object"] == "response"
        """
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=none", "--block-network")
    result.assert_outcomes(passed=2)
    assert json.loads(item["response"]["body"]["string"])["object"] == "response"
