"""A broken config.toml gives a clear error naming the file and the key; the server never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.appserver import AppServerProcess, RpcFailure

CASES = {
    "syntax": ('model = "x"\nsandbox_mode = [', "not valid TOML"),
    "bad enum": ('sandbox_mode = "bogus"\n', "sandbox_mode: `bogus` is not one of read-only"),
    "bad type": ("[model_providers.m]\nbase_url = 5\n", "model_providers.m.base_url: expected a string, got int"),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_broken_config_is_reported_with_file_and_key(case: str, tmp_path: Path) -> None:
    text, expected = CASES[case]
    (tmp_path / "home").mkdir()
    config = tmp_path / "home" / "config.toml"
    config.write_text(text)
    srv = await AppServerProcess.start(tmp_path / "home", cwd=tmp_path)
    try:
        await srv.initialize()
        with pytest.raises(RpcFailure) as failure:
            await srv.call("thread/start", {"cwd": str(tmp_path)})
        assert (await srv.call("thread/list", {}))["data"] == []  # still serving
    finally:
        code = await srv.close()
    message = failure.value.error["message"]
    assert message.startswith(f"failed to load configuration: {config}: ")
    assert expected in message
    assert failure.value.error["code"] == -32600
    assert code == 0
    assert srv.proc.stderr is not None
    assert "Traceback" not in (await srv.proc.stderr.read()).decode()
