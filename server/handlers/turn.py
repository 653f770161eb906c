"""turn/start, turn/steer, turn/interrupt, review/start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.errors import InvalidRequest
from server.protocol import params as p
from server.sandbox import SandboxMode, SandboxPolicy
from server.state import Ctx
from server.threads import ThreadRuntime
from server.wire_host import begin, launch

from .review import start_review
from .thread import thread_settings
from .turn_common import inputs_wire, options

_SANDBOX_TYPES = {
    "readOnly": SandboxMode.READ_ONLY,
    "workspaceWrite": SandboxMode.WORKSPACE_WRITE,
    "dangerFullAccess": SandboxMode.DANGER_FULL_ACCESS,
    "externalSandbox": SandboxMode.DANGER_FULL_ACCESS,
}


def _apply_overrides(thread: ThreadRuntime, params: p.TurnStartParams) -> None:
    """turn/start overrides persist as the thread's new defaults (outputSchema is this turn only)."""
    s = thread.settings
    s.model = params.model or s.model
    s.effort = params.effort or s.effort
    s.summary = params.summary or s.summary
    s.personality = params.personality or s.personality
    if params.cwd:
        s.cwd = Path(params.cwd).expanduser()
    if params.approval_policy is not None:
        s.approval_policy = params.approval_policy
    if params.approvals_reviewer is not None:
        s.approvals_reviewer = (
            "auto_review" if params.approvals_reviewer == "guardian_subagent" else params.approvals_reviewer
        )
    if params.sandbox_policy is not None:
        sp = params.sandbox_policy
        roots = tuple(Path(r) for r in sp.writable_roots or ())
        s.sandbox = SandboxPolicy(_SANDBOX_TYPES[sp.type], roots, bool(sp.network_access), not sp.exclude_slash_tmp)
    if params.collaboration_mode is not None:
        s.config_overrides = {**s.config_overrides, "collaboration_mode": params.collaboration_mode}


async def start(ctx: Ctx, params: p.TurnStartParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    if params.collaboration_mode is not None and not ctx.conn.experimental:
        raise InvalidRequest("turn/start.collaborationMode requires experimentalApi capability")
    inputs = inputs_wire(params.input)  # refused before anything changes
    thread.subscribers.add(ctx.conn)
    if thread.active is not None and thread.active.kind == "regular":
        # A second turn/start while one runs steers it: same turn, input injected.
        thread.active.steer.append(inputs)
        return {"turn": thread.active.record.wire("notLoaded")}
    if thread.active is not None:
        raise InvalidRequest("a review is running on this thread")
    before = thread_settings(thread)
    _apply_overrides(thread, params)
    if (after := thread_settings(thread)) != before:  # codex tells the thread's clients before it answers
        thread.notify("thread/settings/updated", {"threadId": thread.id, "threadSettings": after})
    active = begin(thread)
    response = {"turn": active.record.wire("notLoaded")}
    ctx.after(lambda: launch(ctx.state, thread, inputs, options(ctx, params.output_schema)))
    return response


async def steer(ctx: Ctx, params: p.TurnSteerParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    active = thread.active
    if active is None:
        raise InvalidRequest("no active turn to steer")
    if active.record.id != params.expected_turn_id:
        raise InvalidRequest(f"expected active turn id `{params.expected_turn_id}` but found `{active.record.id}`")
    if active.kind != "regular":
        raise InvalidRequest(
            "active turn is not steerable", {"codexErrorInfo": {"activeTurnNotSteerable": {"turnKind": active.kind}}}
        )
    active.steer.append(inputs_wire(params.input))
    return {"turnId": active.record.id}


async def interrupt(ctx: Ctx, params: p.TurnInterruptParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    active = thread.active
    if active is None:
        raise InvalidRequest("no active turn to interrupt")
    if active.record.id != params.turn_id:
        raise InvalidRequest(f"expected active turn id {params.turn_id} but found {active.record.id}")
    task = active.task
    if task is not None:
        ctx.after(task.cancel)  # the response goes first; the turn then ends as `interrupted`
    return {}


_REVIEW_PROMPT = (
    "Review the changes described below like a careful senior engineer: list concrete bugs, risks and missing "
    "tests, most important first, each with the file and line it concerns. Say so plainly if you find nothing."
)


def _review_text(target: dict[str, Any]) -> str:
    kind = target.get("type")
    detail = {
        "uncommittedChanges": "the uncommitted changes in the working tree (run `git diff HEAD`)",
        "baseBranch": f"the changes against the base branch `{target.get('branch')}`",
        "commit": f"commit {target.get('sha')} ({target.get('title') or 'no title'})",
        "custom": str(target.get("instructions") or ""),
    }.get(str(kind))
    if detail is None:
        expected = "`uncommittedChanges`, `baseBranch`, `commit`, `custom`"
        raise InvalidRequest(f"Invalid request: unknown variant `{kind}`, expected one of {expected}")
    return f"{_REVIEW_PROMPT}\n\nReview: {detail}"


async def review(ctx: Ctx, params: p.ReviewStartParams) -> dict[str, Any]:
    return await start_review(ctx, params, _review_text(params.target))
