"""`initialize`'s params read without pydantic (server/protocol/initialize.py) read exactly as
`InitializeParams` does, and give up (None) rather than guess on any other shape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.cli import codex_home as cli_codex_home
from server.config import codex_home
from server.protocol.initialize import read_initialize
from server.protocol.params import InitializeParams

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
KEYS = st.sampled_from(["name", "title", "version", "experimentalApi", "optOutNotificationMethods", "x", "client_info"])
CLIENT = st.dictionaries(KEYS, st.one_of(VALUES, st.text(max_size=5)), max_size=4)
CAPS = st.one_of(
    st.none(),
    VALUES,
    st.dictionaries(
        st.sampled_from(["experimentalApi", "optOutNotificationMethods", "experimental_api", "y"]),
        st.one_of(st.booleans(), st.lists(st.text(max_size=3), max_size=2), VALUES),
        max_size=3,
    ),
)
PARAMS = st.one_of(
    VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "clientInfo": st.one_of(CLIENT, VALUES),
            "capabilities": CAPS,
            "client_info": CLIENT,
            "other": VALUES,
        },
    ),
)


def pydantic_reading(raw: Any) -> Any:
    model = InitializeParams.model_validate(raw)
    caps = model.capabilities
    return (
        (model.client_info.name, model.client_info.title, model.client_info.version),
        None if caps is None else (caps.experimental_api, caps.opt_out_notification_methods),
    )


@settings(max_examples=400, deadline=None)
@given(PARAMS)
def test_what_the_quick_reader_takes_pydantic_reads_the_same(raw: Any) -> None:
    quick = read_initialize(raw)
    if quick is None:
        return
    caps = quick.capabilities
    mine = (tuple(quick.client_info), None if caps is None else tuple(caps))
    assert mine == pydantic_reading(raw)


@pytest.mark.parametrize(
    "raw",
    [
        {"clientInfo": {"name": "c", "version": "1"}},
        {"clientInfo": {"name": "c", "title": "T", "version": "1"}, "capabilities": None},
        {"clientInfo": {"name": "c", "version": "1"}, "capabilities": {"experimentalApi": True}},
        {"clientInfo": {"name": "c", "version": "1", "extra": 1}, "capabilities": {"optOutNotificationMethods": ["a"]}},
    ],
)
def test_the_shapes_clients_send_take_the_quick_path(raw: dict[str, Any]) -> None:
    quick = read_initialize(raw)
    assert quick is not None
    assert (tuple(quick.client_info), None if quick.capabilities is None else tuple(quick.capabilities)) == (
        pydantic_reading(raw)
    )


@pytest.mark.parametrize(
    "raw",
    [
        None, [], {}, {"clientInfo": None}, {"clientInfo": {"name": 1, "version": "1"}},
        {"clientInfo": {"name": "c"}}, {"clientInfo": {"name": "c", "version": "1", "title": 2}},
        {"clientInfo": {"name": "c", "version": "1"}, "capabilities": {"experimentalApi": "true"}},
        {"clientInfo": {"name": "c", "version": "1"}, "capabilities": {"experimentalApi": 1}},
        {"clientInfo": {"name": "c", "version": "1"}, "capabilities": {"optOutNotificationMethods": [1]}},
        {"clientInfo": {"name": "c", "version": "1"}, "capabilities": []},
        {"client_info": {"name": "c", "version": "1"}},
        {"clientInfo": {"name": "c", "version": "1"}, "capabilities": {"experimental_api": True}},
    ],
)  # fmt: skip
def test_anything_else_is_left_to_pydantic(raw: Any) -> None:
    assert read_initialize(raw) is None  # errors and lax coercions ("true") stay pydantic's, phrased as before


@pytest.mark.parametrize("env", [{}, {"CODEX_HOME": ""}, {"CODEX_HOME": "~/elsewhere"}, {"CODEX_HOME": "rel/h"}])
def test_the_cli_finds_codex_home_as_config_does(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEX_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert cli_codex_home() == codex_home() == codex_home(dict(os.environ))
    assert isinstance(cli_codex_home(), Path)


def test_what_initialize_needs_imports_no_pydantic_click_config_or_aiohttp() -> None:
    # Start-up is measured against codex's (bench/appserver.py): these come after the first answer.
    code = (
        "import sys, server.cli, server.app, server.handlers.session, server.protocol.initialize\n"
        "heavy = ('pydantic', 'click', 'aiohttp', 'server.config', 'server.threads', 'server.store',"
        " 'server.protocol.params')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
