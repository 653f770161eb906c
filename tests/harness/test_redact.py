from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.redact import Redactor, SecretLeakError, save_cassette
from mockprovider.cassette import Cassette, Interaction, RecordedChunk
from reelkit_common.fsutil import atomic_write

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


def interaction(text: str) -> Interaction:
    return Interaction(
        method="POST",
        uri=f"https://user:pw@api.example.com/v1/responses?token={text}&model=x",
        request_headers={"authorization": [f"Bearer {text}"], "x-keep": ["visible"], "cookie": ["a=b"]},
        request_body=f'{{"input": "{text}"}}',
        status=200,
        reason="OK",
        response_headers={"set-cookie": ["s=1"], "x-request-id": ["req_1"]},
        body=f"data: {text}\n\n".encode(),
        chunks=[RecordedChunk(0.0, f"data: {text}\n\n".encode())],
    )


@pytest.mark.parametrize("secret", ["sk-proj-abcdefghijklmnop123456", JWT, "env-value-123456"])
def test_every_place_is_scrubbed(secret: str, tmp_path: Path) -> None:
    redactor = Redactor.from_env(["MY_TOKEN"], env={"MY_TOKEN": "env-value-123456", "OPENAI_API_KEY": "short"})
    clean = save_cassette(Cassette([interaction(secret)]), tmp_path / "c.yaml", redactor)
    text = (tmp_path / "c.yaml").read_text()
    item = clean.interactions[0]
    assert secret not in text
    assert item.request_headers == {"authorization": ["REDACTED"], "x-keep": ["visible"], "cookie": ["REDACTED"]}
    assert item.response_headers["set-cookie"] == ["REDACTED"]
    assert item.uri == "https://api.example.com/v1/responses?token=REDACTED&model=x"
    assert [c.data for c in item.chunks or []] == [b"data: REDACTED\n\n"]


def test_saving_refuses_when_a_secret_survives(tmp_path: Path) -> None:
    redactor = Redactor(secrets=("literal-secret-value",), patterns=())
    leaky = Cassette([interaction("x")], metadata={"note": "literal-secret-value"})
    # Metadata is scrubbed too; force a leak through a field the scrubber does not touch (the reason phrase).
    leaky.interactions[0].reason = "literal-secret-value"
    with pytest.raises(SecretLeakError, match=r"refusing to write .*c\.yaml: still contains secret value #1"):
        save_cassette(leaky, tmp_path / "c.yaml", redactor)
    assert not (tmp_path / "c.yaml").exists()
    assert list(tmp_path.iterdir()) == []  # no temp file left behind either


def test_atomic_writes_get_ordinary_permissions_and_keep_existing_ones(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.yaml"
    atomic_write(fresh, "a")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~_current_umask()
    kept = tmp_path / "kept.yaml"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write(kept, "new")
    assert (kept.read_text(), kept.stat().st_mode & 0o777) == ("new", 0o640)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _current_umask() -> int:
    probe_mask = os.umask(0o022)
    os.umask(probe_mask)
    return probe_mask
