"""`initialize`'s params read without pydantic, so the first answer does not wait for pydantic's import.

Only the plain shape every client sends is taken here (exact JSON types, camelCase keys); anything else
returns None and goes through `InitializeParams` as before, so errors and coercions stay pydantic's.
tests/protocol/test_initialize_fast.py checks that whatever is taken here, pydantic reads the same.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# snake_case names pydantic also accepts (populate_by_name): their precedence is pydantic's to decide.
_SNAKE = ("client_info", "experimental_api", "opt_out_notification_methods")


class ClientInfoView(NamedTuple):  # not a dataclass: a NamedTuple costs start-up a quarter as much
    name: str
    title: str | None
    version: str


class CapabilitiesView(NamedTuple):
    experimental_api: bool
    opt_out_notification_methods: list[str] | None


class InitializeView(NamedTuple):
    client_info: ClientInfoView
    capabilities: CapabilitiesView | None


def read_initialize(raw: Any) -> InitializeView | None:
    """The params as `InitializeParams` would read them, or None when the shape is not the plain one."""
    if not isinstance(raw, dict) or any(k in raw for k in _SNAKE):
        return None
    info = _client_info(raw.get("clientInfo"))
    if info is None:
        return None
    caps = raw.get("capabilities")
    if caps is None:
        return InitializeView(info, None)
    view = _capabilities(caps)
    return None if view is None else InitializeView(info, view)


def _client_info(raw: Any) -> ClientInfoView | None:
    if not isinstance(raw, dict):
        return None
    name, title, version = raw.get("name"), raw.get("title"), raw.get("version")
    if type(name) is not str or type(version) is not str or not (title is None or type(title) is str):
        return None
    return ClientInfoView(name, title, version)


def _capabilities(raw: Any) -> CapabilitiesView | None:
    if not isinstance(raw, dict) or any(k in raw for k in _SNAKE):
        return None
    experimental, opt_out = raw.get("experimentalApi", False), raw.get("optOutNotificationMethods")
    if type(experimental) is not bool:
        return None
    if opt_out is not None and not (type(opt_out) is list and all(type(m) is str for m in opt_out)):
        return None
    return CapabilitiesView(experimental, opt_out)
