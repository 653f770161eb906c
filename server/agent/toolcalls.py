"""Run the model's tool calls: one handler per tool name, codex's item events and output texts.

A call's output always comes back paired with it (`function_call_output` / `custom_tool_call_output`
with the same call_id) in the next request, whatever happened: success, failure, decline or an
unknown tool (`unsupported call: <name>`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
import shlex
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.sandbox import SandboxMode, SandboxPolicy, wrap
from server.tools import apply_patch as ap
from server.tools.exec import ExecResult

from . import items
from .approvals import Asker, Decision, policy_name
from .commandparse import command_actions, simple_commands
from .errors import TurnInterrupted
from .host import AgentHost, Conversation, RequestFailed
from .jsonerrors import serde_json_message
from .mcp.names import RESOURCE_TOOLS
from .settings import new_id
from .turn import TurnState
from .turndiff import TurnDiff

Output = str | list[dict[str, Any]]
FULL_ACCESS = SandboxPolicy(SandboxMode.DANGER_FULL_ACCESS)


@dataclass(slots=True)
class Call:
    """One tool call from the model, with everything a handler needs."""

    raw: dict[str, Any]
    state: TurnState
    conv: Conversation
    host: AgentHost
    asker: Asker
    cwd: Path

    @property
    def call_id(self) -> str:
        return str(self.raw.get("call_id") or self.raw.get("id") or "")

    @property
    def name(self) -> str:
        return str(self.raw.get("name") or self.raw.get("type") or "")

    def args(self) -> dict[str, Any]:
        raw = self.raw.get("arguments") or "{}"
        value = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(value, dict):
            raise ValueError("arguments must be a JSON object")
        return value

    @property
    def policy(self) -> str:
        return policy_name(self.conv.settings.approval_policy)


Handler = Callable[[Call], Awaitable[Output]]


async def run_call(
    raw: dict[str, Any], state: TurnState, conv: Conversation, host: AgentHost, asker: Asker
) -> dict[str, Any]:
    """Execute one call and return the history item carrying its output."""
    call = Call(raw, state, conv, host, asker, conv.settings.cwd)
    handler = HANDLERS.get(call.name) or (dynamic_tool if call.name in conv.settings.dynamic_tool_names() else None)
    if raw.get("namespace") or (conv.mcp is not None and conv.mcp.configured and call.name in RESOURCE_TOOLS):
        handler = mcp_tool
    try:
        output: Output = await handler(call) if handler else f"unsupported call: {call.name}"
    except json.JSONDecodeError as exc:
        output = f"failed to parse function arguments: {serde_json_message(exc)}"
    except ValueError as exc:
        output = f"failed to parse function arguments: {exc}"
    custom = raw.get("type") == "custom_tool_call"
    kind, prefix = ("custom_tool_call_output", "ctco") if custom else ("function_call_output", "fco")
    # codex gives each output an id of its own (fco_/ctco_ + a UUIDv7), sent back with the history
    return {"type": kind, "id": f"{prefix}_{new_id()}", "call_id": call.call_id, "output": output}


# --- shell ---------------------------------------------------------------------------------------


def _shell_argv(args: dict[str, Any], command: str) -> list[str]:
    shell = args.get("shell") or "/bin/bash"
    return [shell, "-lc" if args.get("login", True) else "-c", command]


async def _approve_command(call: Call, argv: list[str], command: str, escalate: bool, cwd: Path) -> Decision | None:
    """None: run as planned; else the client's decision (after item/started and the request).

    As in 0.163, `untrusted` asks about every command (even `ls`); a command whose every part starts with an
    approved prefix is not asked again."""
    conv = call.conv
    if not (escalate or call.policy == "untrusted"):
        return None
    if command in conv.session_approvals or _prefix_approved(command, conv.approved_prefixes):
        return None
    amendment = _amendment(command)
    call.host.set_status({"type": "active", "activeFlags": ["waitingOnApproval"]})
    call.state.started(items.command_execution(call.call_id, argv, str(cwd), command))
    params = {"kind": "command", **call.state.ids(itemId=call.call_id), "startedAtMs": int(time.time() * 1000),
              "environmentId": "local", "reason": call.args().get("justification") if escalate else None,
              "command": items.shell_display(argv), "cwd": str(cwd),
              "commandActions": command_actions(command, str(cwd)), "proposedExecpolicyAmendment": amendment,
              "availableDecisions": ["accept", {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": amendment}},
                                     "cancel"]}  # fmt: skip
    decision, raw = await call.asker.decide_with_answer("item/commandExecution/requestApproval", params)
    if decision is Decision.ACCEPT_FOR_SESSION:
        conv.session_approvals.add(command)
    elif isinstance(raw, dict) and "acceptWithExecpolicyAmendment" in raw:
        prefix = (raw["acceptWithExecpolicyAmendment"] or {}).get("execpolicy_amendment") or amendment
        conv.approved_prefixes.add(tuple(str(w) for w in prefix))
    return decision


def _amendment(command: str) -> list[str]:
    """The prefix rule codex proposes: the words of the command's first simple command."""
    return _words(next(iter(simple_commands(command)), ""))


def _prefix_approved(command: str, prefixes: set[tuple[str, ...]]) -> bool:
    # Every part must be covered: approving `ls -la` must not wave through `ls -la && rm -rf ~`.
    parts = [_words(part) for part in simple_commands(command)] if prefixes else []
    return bool(parts) and all(any(tuple(words[: len(p)]) == p for p in prefixes) for words in parts)


def _words(simple: str) -> list[str]:
    try:
        return shlex.split(simple)
    except ValueError:
        return simple.split()


async def _run_command(
    call: Call, command: str, args: dict[str, Any], run: Callable[..., Awaitable[ExecResult]]
) -> tuple[ExecResult | None, str]:
    cwd = Path(args.get("workdir") or call.cwd)
    if not cwd.is_absolute():
        cwd = call.cwd / cwd
    argv = _shell_argv(args, command)
    escalate = args.get("sandbox_permissions") == "require_escalated"
    if escalate and call.policy == "never":
        call.asker.forbid_if_unattended("item/commandExecution/requestApproval")
        return None, f"approval policy is Never; reject command — you cannot ask for escalated permissions: {command}"
    decision = await _approve_command(call, argv, command, escalate, cwd)
    if decision in (Decision.DECLINE, Decision.CANCEL, Decision.FAILED):
        return None, _refused(call, argv, cwd, command, decision)
    # An approved command was announced with its request; any other is announced once it has run a moment.
    announce = _Announce(
        call, lambda: items.command_execution(call.call_id, argv, str(cwd), command), decision is not None
    )
    policy = FULL_ACCESS if escalate and decision else call.conv.settings.sandbox
    started = time.monotonic()
    timer = asyncio.get_running_loop().call_later(ANNOUNCE_AFTER_S, announce.window_over)
    try:
        result = await run(argv, cwd, policy, sink=announce.delta)
    finally:
        timer.cancel()
    denied = _sandbox_denied(result) and not result.refused  # a refused start is no sandbox denial
    if call.policy == "on-failure" and denied and policy is not FULL_ACCESS:
        announce()
        result = await _retry_unsandboxed(call, argv, cwd, command, run, announce) or result
    elif denied and not announce.done:
        return result, ""  # as codex: a quick sandbox denial goes to the model, with no item for the client
    announce()
    _complete_command(call, argv, cwd, command, result, started)
    return result, ""


# codex announces a command about 130 ms after starting it (item/started then, or at exit if sooner) and
# streams only output that comes after that; what came before shows in aggregatedOutput alone. Measured
# against 0.163: lines printed 50 ms apart stream from the fourth on.
ANNOUNCE_AFTER_S = 0.15


@dataclass(slots=True)
class _Announce:
    call: Call
    item: Callable[[], items.Item]  # built only if announced: an approved command was announced already
    done: bool = False
    streaming: bool = False
    seen_output: bool = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            self.call.state.started(self.item())

    def window_over(self) -> None:
        self.streaming = True
        self()

    def delta(self, data: bytes) -> None:
        # The first chunk never streams (codex shows it only in aggregatedOutput), whatever the timing, so
        # a one-chunk command reads the same on a loaded machine.
        first, self.seen_output = not self.seen_output, True
        if self.streaming and not first:
            delta = data.decode("utf-8", errors="replace")
            self.call.host.emit(
                "item/commandExecution/outputDelta", self.call.state.ids(itemId=self.call.call_id, delta=delta)
            )


def _refused(call: Call, argv: list[str], cwd: Path, command: str, decision: Decision) -> str:
    status = "failed" if decision is Decision.FAILED else "declined"
    call.state.finished(items.command_execution(call.call_id, argv, str(cwd), command, status=status))
    call.asker.resume_status()
    if decision is Decision.CANCEL:
        raise TurnInterrupted()
    return "approval request failed" if decision is Decision.FAILED else "exec command rejected by user"


def _sandbox_denied(result: ExecResult) -> bool:
    markers = ("Permission denied", "Operation not permitted", "Read-only file system", "Network is unreachable")
    return result.exit_code not in (0, None) and any(m in result.output for m in markers)


async def _retry_unsandboxed(
    call: Call, argv: list[str], cwd: Path, command: str, run: Callable[..., Awaitable[ExecResult]], announce: _Announce
) -> ExecResult | None:
    params = {"kind": "command", **call.state.ids(itemId=call.call_id), "startedAtMs": int(time.time() * 1000),
              "reason": "command failed; retry without sandbox?", "command": items.shell_display(argv),
              "cwd": str(cwd), "commandActions": command_actions(command, str(cwd))}  # fmt: skip
    decision = await call.asker.decide("item/commandExecution/requestApproval", params)
    if decision is Decision.CANCEL:
        raise TurnInterrupted()
    if decision not in (Decision.ACCEPT, Decision.ACCEPT_FOR_SESSION):
        return None
    announce.streaming = True
    return await run(argv, cwd, FULL_ACCESS, sink=announce.delta)


def _complete_command(call: Call, argv: list[str], cwd: Path, command: str, result: ExecResult, started: float) -> None:
    duration = int((time.monotonic() - started) * 1000)
    running = result.session_id is not None
    status = "inProgress" if running else ("completed" if result.exit_code == 0 else "failed")
    pid = str(result.process_id) if result.process_id is not None else None
    item = items.command_execution(call.call_id, argv, str(cwd), command, status=status, source="unifiedExecStartup",
                                   process_id=pid, output=result.output, exit_code=result.exit_code,
                                   duration_ms=duration)  # fmt: skip
    if not running:
        call.state.finished(item)


async def exec_command(call: Call) -> Output:
    args = call.args()
    command = str(args["cmd"])
    yield_ms = int(min(max(args.get("yield_time_ms") or 10_000, 250), 30_000))
    manager = call.conv.exec

    async def run(argv: list[str], cwd: Path, policy: SandboxPolicy, sink: Any) -> ExecResult:
        # the workdir only says where the command runs; what it may write follows from the turn's cwd
        return await manager.start(
            argv, cwd, policy, yield_ms=yield_ms, tty=bool(args.get("tty")), sink=sink, sandbox_cwd=call.cwd
        )

    try:
        result, refusal = await _run_command(call, command, args, run)
    except OSError as exc:  # e.g. a workdir that does not exist: codex's words to the model, and the turn goes on
        reason = f"Failed to create unified exec process: {exc.strerror} (os error {exc.errno})"
        return f'exec_command failed: CreateProcess {{ message: "Rejected(\\"{reason}\\")" }}'
    return refusal if result is None else _for_model(call, args, result)


def _for_model(call: Call, args: dict[str, Any], result: ExecResult) -> str:
    """What the model reads: cut to its own max_output_tokens, else the model's truncation policy."""
    return result.for_model(args.get("max_output_tokens") or call.state.output_token_limit)


async def write_stdin(call: Call) -> Output:
    args = call.args()
    chars = str(args.get("chars") or "")
    default = 250 if chars else 5_000
    yield_ms = int(min(max(args.get("yield_time_ms") or default, 250), 300_000))
    try:
        result = await call.conv.exec.write_stdin(int(args["session_id"]), chars, yield_ms)
    except KeyError as exc:
        return str(exc.args[0])
    return _for_model(call, args, result)


# --- apply_patch -----------------------------------------------------------------------------------


async def apply_patch(call: Call) -> Output:
    patch = call.raw.get("input") if call.raw.get("type") == "custom_tool_call" else call.args().get("input")
    started = time.monotonic()
    try:
        changes = ap.plan(ap.parse(str(patch or "")), call.cwd)
    except ap.PatchError as exc:
        return _patch_output(1, str(exc), started)
    inside = all(call.conv.settings.sandbox.allows_write(c.move_or_path(), call.cwd) for c in changes)
    remembered = all(str(c.path) in call.conv.session_approvals for c in changes)
    needs = not remembered and (call.policy == "untrusted" or not inside)
    if needs and call.policy == "never":
        call.asker.forbid_if_unattended("item/fileChange/requestApproval")
        return ap.rejected_text(call.conv.settings.sandbox.mode)
    item_changes = [
        items.change_entry(str(c.path), c.kind, c.diff, str(c.move_to) if c.move_to else None) for c in changes
    ]
    call.state.started(items.file_change(call.call_id, item_changes))
    if needs:
        decision = await _approve_patch(call)
        if decision is not Decision.ACCEPT and decision is not Decision.ACCEPT_FOR_SESSION:
            status = "failed" if decision is Decision.FAILED else "declined"
            call.state.finished(items.file_change(call.call_id, item_changes, status))
            call.asker.resume_status()
            if decision is Decision.CANCEL:
                raise TurnInterrupted()
            return "approval request failed" if decision is Decision.FAILED else "patch rejected by user"
        if decision is Decision.ACCEPT_FOR_SESSION:
            call.conv.session_approvals.update(str(c.path) for c in changes)
    if call.state.diff is None:
        call.state.diff = TurnDiff(call.cwd)
    call.state.diff.touch(*(p for c in changes for p in (c.path, c.move_to) if p is not None))
    code, text = await _write_patch(changes, call.cwd, call.conv.settings.sandbox if inside else FULL_ACCESS)
    call.state.finished(items.file_change(call.call_id, item_changes, "completed" if code == 0 else "failed"))
    if code == 0:
        call.host.emit("turn/diff/updated", call.state.ids(diff=call.state.diff.render()))
    return _patch_output(code, text, started)


async def _approve_patch(call: Call) -> Decision:
    call.host.set_status({"type": "active", "activeFlags": ["waitingOnApproval"]})
    params = {
        **call.state.ids(itemId=call.call_id),
        "startedAtMs": int(time.time() * 1000),
        "reason": None,
        "grantRoot": None,
    }
    return await call.asker.decide("item/fileChange/requestApproval", params)


async def _write_patch(changes: list[ap.FileChange], cwd: Path, policy: SandboxPolicy) -> tuple[int, str]:
    """Apply through the sandboxed writer, so the kernel confines patches like commands."""
    argv = wrap([sys.executable, "-E", "-s", "-S", ap.__file__], policy, cwd)
    proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)  # fmt: skip
    out, err = await proc.communicate(json.dumps([c.to_json() for c in changes]).encode())
    return proc.returncode or 0, (out if proc.returncode == 0 else err).decode("utf-8", errors="replace")


def _patch_output(code: int, text: str, started: float) -> str:
    return f"Exit code: {code}\nWall time: {time.monotonic() - started:.1f} seconds\nOutput:\n{text}"


# --- user input, images ----------------------------------------------------------------------


async def request_user_input(call: Call) -> Output:
    args = call.args()
    params = {**call.state.ids(itemId=call.call_id), "questions": args.get("questions", []), "isBlocking": True}
    try:
        answer = await call.asker.ask("item/tool/requestUserInput", params, flag="waitingOnUserInput")
    except RequestFailed:  # the model is told, the turn goes on
        return "request_user_input failed: the client did not answer"
    return json.dumps(answer.get("answers", answer) if isinstance(answer, dict) else answer)


async def view_image(call: Call) -> Output:
    path = Path(str(call.args()["path"]))
    path = path if path.is_absolute() else call.cwd / path
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"unable to locate image at `{path}`: {exc.strerror} (os error {exc.errno})"
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    call.state.started(items.image_view(call.call_id, str(path)))
    call.state.finished(items.image_view(call.call_id, str(path)))
    return [{"type": "input_image", "image_url": f"data:{mime};base64,{base64.b64encode(data).decode()}"}]


async def dynamic_tool(call: Call) -> Output:
    """A client-defined tool: the client runs it (`item/tool/call`) and returns content items."""
    params = {**call.state.ids(callId=call.call_id), "tool": call.name, "arguments": call.args(), "namespace": None}
    try:
        answer = await call.asker.ask("item/tool/call", params)
    except RequestFailed:
        return f"dynamic tool {call.name} failed: the client did not answer"
    contents = answer.get("contentItems", []) if isinstance(answer, dict) else []
    texts = [c.get("text", "") for c in contents if isinstance(c, dict) and c.get("type") == "inputText"]
    return "\n".join(texts) if texts else json.dumps(contents)


async def mcp_tool(call: Call) -> Output:
    """A tool inside an MCP server's namespace (or a resource tool): the call goes to that server."""
    from .mcp import calls  # the MCP SDK loads only for threads that use MCP

    manager, namespace = call.conv.mcp, str(call.raw.get("namespace") or "")
    if manager is not None and not namespace:
        return await calls.resource_tool(call, manager)
    route = manager.routes().get((namespace, call.name)) if manager is not None else None
    if manager is None or route is None:
        return f"unsupported call: {namespace}{call.name}"
    return await calls.call_tool(call, manager, route)


HANDLERS: dict[str, Handler] = {
    "exec_command": exec_command,
    "write_stdin": write_stdin,
    "apply_patch": apply_patch,
    "request_user_input": request_user_input,
    "view_image": view_image,
}
