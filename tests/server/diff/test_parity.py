"""Method parity with the real `codex app-server` 0.163.0: every request of the pinned schema is sent, with
minimal valid params built from the schema (hand-tuned where a placeholder would not reach the method's
logic), to both servers in equivalent sessions; each answer is reduced to its result keys or its error
code and kind, and the two must agree except for the named, reasoned exceptions below.

Set REELKIT_PARITY_DUMP=/tmp/prefix (and -s) to print both reduced answers of every method and write the
full ones to /tmp/prefix.<pid>.jsonl: how the exceptions were found.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from tests.reliability.report import record
from tests.support.appserver import AppServerProcess
from tests.support.schema import SCHEMA_DIR
from tests.support.secrets import PLANTED_ENV

SCHEMA = json.loads((SCHEMA_DIR / "ClientRequest.json").read_text())
DEFS: dict[str, Any] = SCHEMA["definitions"]
METHODS = [b["properties"]["method"]["enum"][0] for b in SCHEMA["oneOf"]]
PROBED = [m for m in METHODS if m != "initialize"]  # initialize opens both sessions

# Placeholders the session fills in (a string field named so gets the session's value).
STRING_FIELDS = {"threadId": "{thread}", "cwd": "{ws}", "path": "{ws}/a.txt", "sourcePath": "{ws}/a.txt",
                 "destinationPath": "{ws}/copy.txt", "processId": "p-none", "watchId": "w1"}  # fmt: skip

# Hand-tuned params: where the schema's minimum would only test argument parsing.
OVERRIDES: dict[str, dict[str, Any]] = {
    "thread/archive": {"threadId": "{victim}"},
    "thread/unarchive": {"threadId": "{victim}"},
    "thread/delete": {"threadId": "{doomed}"},
    "thread/unsubscribe": {"threadId": "{victim}"},  # the main thread keeps its notifications
    "thread/name/set": {"threadId": "{thread}", "name": "probe"},
    "thread/shellCommand": {"threadId": "{thread}", "command": "echo hi"},
    "thread/inject_items": {"threadId": "{thread}", "items": []},
    "fs/writeFile": {"path": "{ws}/written.txt", "dataBase64": "aGk="},
    "fs/createDirectory": {"path": "{ws}/newdir"},
    "fs/readDirectory": {"path": "{ws}"},
    "fs/remove": {"path": "{ws}/copy.txt"},
    "fs/watch": {"path": "{ws}", "watchId": "w1"},
    "turn/start": {"threadId": "{thread}", "input": [{"type": "text", "text": "hello"}]},
    "turn/steer": {"threadId": "{thread}", "expectedTurnId": "t-none", "input": [{"type": "text", "text": "x"}]},
    "turn/interrupt": {"threadId": "{thread}", "turnId": "t-none"},
    "command/exec": {"command": ["echo", "hi"]},
    "fuzzyFileSearch": {"query": "a", "roots": ["{ws}"]},
    "account/login/start": {"type": "apiKey", "apiKey": "sk-probe"},
    "config/value/write": {"keyPath": "model_reasoning_effort", "value": "low", "mergeStrategy": "replace"},
}
# Methods that start a turn: the probe waits for its turn/completed before the next method.
TURNS = {"turn/start", "review/start", "thread/compact/start", "thread/shellCommand"}
TIMEOUT = 20.0
# An API-key user, with a key of its own: codex writes some requests' environment to its log database, where
# the session's planted secret must never land.
API_KEY = dict.fromkeys(("OPENAI_API_KEY", "CODEX_API_KEY", PLANTED_ENV), "sk-parity-probe")

PARITY = 103  # the figure: methods of the 104 that answer alike
# Methods whose answers differ, each with its reason. Everything else must agree.
EXCEPTIONS: dict[str, str] = {
    "feedback/upload": "codex posts it to its Sentry project; with no network both answer -32603 "
    "`failed to upload feedback: …`, with different causes",
}


def minimal(schema: Any, name: str = "") -> Any:
    """The smallest instance of `schema`: required fields only, first enum value / variant."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return minimal(DEFS[schema["$ref"].split("/")[-1]], name)
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            variants = [v for v in schema[key] if v.get("type") != "null"] or schema[key]
            return minimal(variants[0], name)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: minimal(props.get(k, {}), k) for k in schema.get("required", [])}
    return {"string": STRING_FIELDS.get(name, "x"), "array": [], "boolean": False, "integer": 0,
            "number": 0}.get(str(kind))  # fmt: skip


def params_for(method: str) -> Any:
    branch = next(b for b in SCHEMA["oneOf"] if b["properties"]["method"]["enum"][0] == method)
    ref = branch["properties"].get("params", {}).get("$ref")
    if ref is None:
        return None
    return OVERRIDES.get(method) or minimal({"$ref": ref})


def fill(value: Any, slots: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: slots.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [fill(v, slots) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, slots) for k, v in value.items()}
    return value


def kind(error: dict[str, Any]) -> str:
    """An error's kind: its message with ids, paths and numbers cut out."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", str(error.get("message", "")))
    text = re.sub(r"(?<![\w/])(/[\w.@+-]+)+", "<path>", text)
    return f"{error.get('code')} {re.sub(r'[0-9]+', 'N', text)}"[:160]


def reduce(response: dict[str, Any] | None) -> str:
    if response is None:
        return "timeout"
    if "error" in response:
        return "error " + kind(response["error"])
    result = response.get("result")
    return "result " + (",".join(sorted(result)) if isinstance(result, dict) else json.dumps(result))


def workspace(root: Path) -> Path:
    ws = root / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "a.txt").write_text("alpha\n")
    (ws / "src" / "b.py").write_text("print('b')\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(root), "PATH": os.environ.get("PATH", "")}  # fmt: skip
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=ws, env=env, check=True)
    return ws


async def probe(argv: list[str] | None, root: Path) -> dict[str, str]:
    ws, home = workspace(root), root / "home"
    answers: dict[str, str] = {}
    async with MockProvider([{"text": "ok"}] * 40, speed=0) as mock:
        write_codex_home(home, ProviderSettings(mock.url), model="mock-model", approval_policy="never",
                         sandbox_mode="workspace-write")  # fmt: skip
        srv = await AppServerProcess.start(home, argv=argv, cwd=ws, env={"HOME": str(home), **API_KEY})
        try:
            await srv.initialize()
            slots = {"ws": str(ws)}
            for slot in ("thread", "victim", "doomed"):
                slots[slot] = (await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"]
            for name in ("thread", "victim", "doomed"):  # materialized, so archive/delete act on a rollout
                await srv.call("turn/start", {"threadId": slots[name], "input": [{"type": "text", "text": "hi"}]})
                await srv.read_notification("turn/completed", timeout=TIMEOUT)
            for method in PROBED:
                answers[method] = await ask(srv, method, fill(params_for(method), slots))
            unknown = await srv.read_response(await srv.request("foo/bar", {}), TIMEOUT)
            answers[UNKNOWN] = str(unknown["error"]["message"])  # compared in full, not reduced
        finally:
            srv.kill()
            await srv.close()
    return answers


UNKNOWN = "<unknown method>"


def dump(pid: int, entry: dict[str, Any]) -> None:
    """With REELKIT_PARITY_DUMP=PREFIX, every full answer goes to PREFIX.<server pid>.jsonl (for study)."""
    if prefix := os.environ.get("REELKIT_PARITY_DUMP"):
        with Path(f"{prefix}.{pid}.jsonl").open("a") as out:
            out.write(json.dumps(entry) + "\n")


async def ask(srv: AppServerProcess, method: str, params: Any) -> str:
    request_id = await srv.request(method, params)
    try:
        response: dict[str, Any] | None = await srv.read_response(request_id, TIMEOUT)
    except TimeoutError:
        response = None
    dump(srv.proc.pid, {"method": method, "params": params, "response": response})
    if method in TURNS and response is not None and "result" in response:
        try:
            await srv.read_notification("turn/completed", timeout=TIMEOUT)
        except TimeoutError:
            return reduce(response) + " (no turn/completed)"
    return reduce(response)


def test_minimal_params_are_valid_for_the_schema() -> None:
    for method in PROBED:
        branch = next(b for b in SCHEMA["oneOf"] if b["properties"]["method"]["enum"][0] == method)
        message = {"id": 1, "method": method, **({"params": p} if (p := params_for(method)) is not None else {})}
        jsonschema.Draft7Validator({**branch, "definitions": DEFS}).validate(message)


async def test_every_method_answers_as_codex_does(tmp_path: Path) -> None:
    real = await probe([str(find_codex()), "app-server"], tmp_path / "codex")
    ours = await probe(None, tmp_path / "ours")
    # The unknown-variant error names codex's full method list, in its order; ours adds its two extensions.
    assert ours.pop(UNKNOWN) == real.pop(UNKNOWN) + ", `thread/rollback`, `exec/run`"
    alike = sorted(m for m in PROBED if real[m] == ours[m])
    differ = sorted(m for m in PROBED if real[m] != ours[m])
    for m in PROBED if os.environ.get("REELKIT_PARITY_DUMP") else []:
        sys.stdout.write(f"{'==' if m in alike else '!='} {m}\n   codex: {real[m]}\n   ours:  {ours[m]}\n")
    sys.stdout.write(f"parity: {len(alike)}/{len(PROBED)} methods answer alike\n")
    record("parity", alike=len(alike), total=len(PROBED), exceptions=sorted(EXCEPTIONS))
    assert len(alike) == len(PROBED) - len(EXCEPTIONS) == PARITY
    assert {m: (real[m], ours[m]) for m in differ if m not in EXCEPTIONS} == {}
    assert [m for m in EXCEPTIONS if m in alike] == [], "an exception that now agrees: drop it from EXCEPTIONS"


@pytest.mark.parametrize("method", ["thread/read", "fs/readFile"])
def test_placeholders_are_filled(method: str) -> None:
    filled = fill(params_for(method), {"thread": "T", "ws": "/w"})
    assert not any("{" in str(v) for v in filled.values()), filled
