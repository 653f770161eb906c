"""JSON-RPC fuzzing against a live server process: junk never crashes or hangs it, every request gets
exactly the documented answer, and valid traffic interleaved with the junk keeps working."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, write_codex_home
from tests.reliability.fuzzcases import Case, corpus, generate
from tests.reliability.report import record
from tests.support.appserver import AppServerProcess
from tests.support.secrets import PLANTED_ENV

BATCHES, PER_BATCH = 220, 50  # 11,000 generated cases, plus the hand-written corpus


async def _exchange(srv: AppServerProcess, batch: list[Case], round_no: int) -> None:
    """Send one batch plus a valid request; read until every expected answer and the valid one arrived."""
    await srv.send_raw(b"".join(case.line for case in batch))
    valid = await srv.request("thread/list", {"limit": 1})
    expected = {case.request_id: case for case in batch if case.request_id is not None}
    while True:
        message = await srv.read_until(lambda m: "id" in m and "method" not in m, timeout=30)
        if message["id"] == valid:
            assert "data" in message["result"], message
            break
        case = expected.pop(message["id"], None)
        assert case is not None, f"round {round_no}: an answer to input that must be dropped: {message}"
        _check(case, message)
    # Answers to requests the server finished after the valid one (slower handlers) arrive next.
    for request_id, case in list(expected.items()):
        try:
            answer = await srv.read_response(request_id, timeout=30)
        except TimeoutError:
            raise AssertionError(f"round {round_no}: no answer to {case.line[:300]!r}") from None
        _check(case, answer)


def _check(case: Case, message: dict[str, Any]) -> None:
    assert case.expect != "none", message
    if "result" in message:
        assert case.expect == "result-or-invalid", (case.line[:300], message)
        return
    assert message["error"]["code"] == -32600, (case.line[:300], message)
    assert message["error"]["message"], message


async def test_ten_thousand_junk_lines_get_documented_answers(tmp_path: Path) -> None:
    batches = [corpus(), *generate(BATCHES, PER_BATCH)]
    total = sum(len(batch) for batch in batches)
    assert total >= 10_000
    ws = tmp_path / "ws"
    ws.mkdir()
    async with MockProvider(speed=0, strict=True) as mock:
        mock.enqueue({"text": "still answering"})
        write_codex_home(
            tmp_path / "home",
            ProviderSettings(mock.url, env_key=PLANTED_ENV),
            model="mock-model",
            approval_policy="never",
        )
        srv = await AppServerProcess.start(tmp_path / "home", cwd=ws)
        try:
            await srv.initialize()
            for round_no, batch in enumerate(batches):
                await _exchange(srv, batch, round_no)
            # After all of it, a real turn still completes.
            result = await srv.call("exec/run", {"input": [{"type": "text", "text": "hi"}], "cwd": str(ws)})
            assert (result["status"], result["lastAgentMessage"]) == ("completed", "still answering")
        finally:
            code = await srv.close()
        stderr = (await srv.proc.stderr.read()).decode(errors="replace") if srv.proc.stderr else ""
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[stderr.find("Traceback") :][:3000]
    # A dropped line is logged, and the log stays bounded (each line quotes at most 200 characters).
    assert "dropped" in stderr
    assert max(len(line) for line in stderr.splitlines()) < 2000
    expected = Counter(case.expect for batch in batches for case in batch)
    record("fuzz", cases=total, corpus=len(batches[0]), generated=total - len(batches[0]), rounds=len(batches),
           dropped=expected["none"], invalid_request=expected["invalid"],
           result_or_invalid=expected["result-or-invalid"],
           valid_interleaved=len(batches) + 2, exit_code=code)  # fmt: skip
