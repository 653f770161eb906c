"""The schema check used by every e2e test can fail; and our params models match the pinned schema."""

from __future__ import annotations

import json

import pytest

from server.protocol.methods import METHODS
from tests.support import schema


def test_a_valid_and_an_invalid_message() -> None:
    good = (
        "S->C",
        {"method": "thread/status/changed", "params": {"threadId": "t", "status": {"type": "idle"}}, "emittedAtMs": 1},
    )
    bad = (
        "S->C",
        {
            "method": "item/completed",
            "params": {"threadId": "t", "turnId": "u", "item": {"type": "agentMessage", "id": "m"}},
        },
    )
    assert schema.problems([good]) == []
    assert any("completedAtMs" in p for p in schema.problems([bad]))
    assert schema.problems([("S->C", {**bad[1], "method": "no/such"})]) == ["no/such: not a ServerNotification method"]


def test_results_are_checked_against_the_method_response() -> None:
    transcript = [("C->S", {"id": 1, "method": "turn/steer", "params": {}}), ("S->C", {"id": 1, "result": {}})]
    assert schema.problems(transcript) == ["turn/steer response: 'turnId' is a required property at []"]


def _schema_params(name: str) -> tuple[set[str], set[str]]:
    bundle = json.loads((schema.SCHEMA_DIR / "codex_app_server_protocol.v2.schemas.json").read_text())
    definition = bundle["definitions"][name]
    variants = definition.get("oneOf", [definition])  # a tagged union: the fields of all its variants
    props = {k for v in variants for k in v.get("properties", {})}
    required = set.intersection(*(set(v.get("required", [])) for v in variants))
    return props, required


def _client_params() -> dict[str, str]:
    client = json.loads((schema.SCHEMA_DIR / "ClientRequest.json").read_text())
    out = {}
    for branch in client["oneOf"]:
        ref = branch["properties"].get("params", {}).get("$ref", "")
        out[branch["properties"]["method"]["enum"][0]] = ref.rsplit("/", 1)[-1]
    return out


# Methods whose schema takes no params (configRequirements/read) have no model to compare.
@pytest.mark.parametrize(
    "method", sorted(m for m, ref in _client_params().items() if ref and m in METHODS and m != "initialize")
)
def test_params_model_fields_exist_in_the_schema(method: str) -> None:
    model = METHODS[method].model()
    if model is None:  # a unit: nothing to compare
        assert _client_params()[method] == ""
        return
    props, required = _schema_params(_client_params()[method])
    ours = {f.alias or name for name, f in model.model_fields.items()}
    ours_required = {f.alias or name for name, f in model.model_fields.items() if f.is_required()}
    # Experimental fields, our extension's field, and `personality` accepted on fork like on start/resume.
    experimental_extras = {"dynamicTools", "collaborationMode", "numTurns", "personality"}
    assert ours - props - experimental_extras == set(), "fields we accept that 0.163 does not define"
    assert ours_required == required & ours, "required-ness differs from the schema"
    assert required <= ours, "required fields we do not model"


def test_the_pinned_schema_is_what_codex_0_163_generates() -> None:
    import subprocess
    import sys

    script = schema.SCHEMA_DIR.parents[2] / "scripts" / "sync_schema.py"
    run = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout) == (0, "")
