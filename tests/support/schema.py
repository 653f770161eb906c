"""Validate what the server sends against the pinned codex 0.163.0 JSON Schema."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_DIR = Path(__file__).parents[2] / "server" / "protocol" / "schema"
# Methods whose response type name is not the PascalCase of the method.
_RESPONSE_NAMES = {
    "thread/name/set": "ThreadSetNameResponse",
    "config/value/write": "ConfigWriteResponse",
    "config/batchWrite": "ConfigWriteResponse",
    "command/exec/write": "CommandExecWriteResponse",
    "account/logout": "LogoutAccountResponse",
    "account/gatewayOAuth/read": "GatewayOAuthReadResponse",
    "account/gatewayOAuth/login": "GatewayOAuthLoginResponse",
    "account/gatewayOAuth/cancel": "GatewayOAuthCancelResponse",
    "account/rateLimits/read": "GetAccountRateLimitsResponse",
    "account/usage/read": "GetAccountTokenUsageResponse",
    "account/workspaceMessages/read": "GetWorkspaceMessagesResponse",
    "externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse",
}
# Our extensions are not in the upstream schema; their shapes are checked by their own tests.
EXTENSIONS = frozenset({"exec/run", "thread/rollback"})
# codex 0.163 answers these with v1 types the pinned v2 bundle does not define (checked by their own tests).
UNTYPED = frozenset({"fuzzyFileSearch", "fuzzyFileSearch/sessionStart", "fuzzyFileSearch/sessionUpdate",
                     "fuzzyFileSearch/sessionStop"})  # fmt: skip


@functools.cache
def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text())
    return loaded


def _pascal(method: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[/_]", method))


@functools.cache
def _validator(file: str, ref: str) -> jsonschema.Draft7Validator:
    bundle = _load(file)
    return jsonschema.Draft7Validator({"$ref": f"#/definitions/{ref}", "definitions": bundle["definitions"]})


def _branch(file: str, method: str) -> jsonschema.Draft7Validator | None:
    for index, branch in enumerate(_load(file)["oneOf"]):
        if method in (branch["properties"]["method"].get("enum") or []):
            return _branch_validator(file, index)
    return None


@functools.cache
def _branch_validator(file: str, index: int) -> jsonschema.Draft7Validator:
    bundle = _load(file)
    return jsonschema.Draft7Validator({**bundle["oneOf"][index], "definitions": bundle["definitions"]})


def problems(transcript: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Every schema violation in the server's side of a transcript (empty when all is valid)."""
    sent: dict[Any, str] = {}
    out: list[str] = []
    for direction, message in transcript:
        if direction == "C->S":
            if "method" in message and "id" in message:
                sent[message["id"]] = message["method"]
            continue
        out.extend(_check(message, sent))
    return out


def _check(message: dict[str, Any], sent: dict[Any, str]) -> list[str]:
    if "method" in message:
        file = "ServerRequest.json" if "id" in message else "ServerNotification.json"
        body = {k: v for k, v in message.items() if k != "emittedAtMs"}  # emitted by the real server, not in schema
        validator = _branch(file, message["method"])
        if validator is None:
            return [f"{message['method']}: not a {file[:-5]} method"]
        return [f"{message['method']}: {e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(body)]
    if "result" in message:
        method = sent.get(message.get("id"), "")
        return _check_result(method, message["result"])
    return []


def _params_named(method: str) -> str | None:
    """The response type named like the params type (`LoginAccountParams` → `LoginAccountResponse`)."""
    for branch in _load("ClientRequest.json")["oneOf"]:
        if method in (branch["properties"]["method"].get("enum") or []):
            ref = branch["properties"].get("params", {}).get("$ref", "")
            name = ref.split("/")[-1].replace("Params", "Response")
            return name if name in _load("codex_app_server_protocol.v2.schemas.json")["definitions"] else None
    return None


def _check_result(method: str, result: Any) -> list[str]:
    if method in EXTENSIONS or method in UNTYPED or not method:
        return []
    if method == "initialize":
        validator = jsonschema.Draft7Validator(_load("InitializeResponse.json"))
    else:
        name = _RESPONSE_NAMES.get(method) or _params_named(method) or _pascal(method) + "Response"
        if name not in _load("codex_app_server_protocol.v2.schemas.json")["definitions"]:
            return [f"{method}: no response type {name} in the schema"]
        validator = _validator("codex_app_server_protocol.v2.schemas.json", name)
    return [f"{method} response: {e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(result)]
