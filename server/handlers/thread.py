"""thread/*: start, resume, fork, list, read, archive, unarchive, name, loaded list, unsubscribe, rollback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from server import mcp_threads
from server.config import Config
from server.errors import InvalidRequest
from server.protocol import params as p
from server.readstate import read_state
from server.sandbox import SandboxMode, SandboxPolicy
from server.state import Ctx, ServerState
from server.store import Rollout, read_rollout, utc_now
from server.threads import Settings, ThreadRuntime, new_id, preview_of, unloaded_wire
from server.wire_host import WireHost

from .listing import list_page


def sandbox_policy(mode: str, network: bool = False, roots: tuple[Path, ...] = ()) -> SandboxPolicy:
    return SandboxPolicy(SandboxMode(mode), roots, network)


def make_settings(params: p.ThreadConfigParams, config: Config, base: Settings | None = None) -> Settings:
    """Thread settings: explicit params, else the base thread's, else config.toml."""
    cwd = Path(params.cwd).expanduser() if params.cwd else (base.cwd if base else Path(os.getcwd()))
    reviewer = params.approvals_reviewer or (base.approvals_reviewer if base else "user")
    sandbox_mode = params.sandbox or (base.sandbox.mode.value if base else config.sandbox_mode)
    provider = params.model_provider or (base.model_provider if base else config.model_provider)
    if provider not in config.providers:  # unknown providers fail here, at thread creation, in codex's words
        raise InvalidRequest(f"failed to load configuration: Model provider `{provider}` not found")
    return Settings(
        model=params.model or (base.model if base else config.default_model()),
        model_provider=provider,
        cwd=cwd,
        approval_policy=params.approval_policy or (base.approval_policy if base else config.approval_policy),
        approvals_reviewer="auto_review" if reviewer == "guardian_subagent" else reviewer,
        sandbox=sandbox_policy(sandbox_mode) if params.sandbox or not base else base.sandbox,
        effort=base.effort if base else config.reasoning_effort,
        summary=base.summary if base else config.reasoning_summary,
        base_instructions=params.base_instructions or (base.base_instructions if base else None),
        developer_instructions=params.developer_instructions or (base.developer_instructions if base else None),
        personality=params.personality or (base.personality if base else None),
        config_overrides=dict(params.config or (base.config_overrides if base else {})),
        default_permissions=params.sandbox is None
        and (base.default_permissions if base else "sandbox_mode" not in config.raw),
    )


def settings_response(thread: ThreadRuntime, include_turns: bool = False) -> dict[str, Any]:
    s = thread.settings
    return {
        "thread": thread.wire(include_turns), "model": s.model, "modelProvider": s.model_provider, "serviceTier": None,
        "disabledPluginIds": [], "cwd": str(s.cwd), "instructionSources": [],
        "approvalPolicy": "on-request" if s.approval_policy == "on-failure" else s.approval_policy,
        "approvalsReviewer": s.approvals_reviewer, "sandbox": s.sandbox_wire(), "reasoningEffort": s.effort,
        "runtimeWorkspaceRoots": [str(s.cwd)],
        "activePermissionProfile": {"id": ":read-only", "extends": None} if s.default_permissions else None,
        "multiAgentMode": "explicitRequestOnly",
    }  # fmt: skip


def thread_settings(thread: ThreadRuntime) -> dict[str, Any]:
    """`thread/settings/updated`'s `threadSettings`: the defaults the thread's next turn runs with."""
    s, answer = thread.settings, settings_response(thread)
    keys = ("disabledPluginIds", "cwd", "approvalPolicy", "approvalsReviewer")
    return {
        **{k: answer[k] for k in keys}, "sandboxPolicy": answer["sandbox"],
        "activePermissionProfile": answer["activePermissionProfile"], "model": s.model,
        "modelProvider": s.model_provider, "serviceTier": None, "effort": s.effort, "summary": s.summary,
        "collaborationMode": {"mode": "default", "settings": {
            "model": s.model, "reasoning_effort": s.effort, "developer_instructions": None,
        }},
        "multiAgentMode": "explicitRequestOnly", "personality": s.personality,
    }  # fmt: skip


async def start(ctx: Ctx, params: p.ThreadStartParams) -> dict[str, Any]:
    if params.dynamic_tools is not None and not ctx.conn.experimental:
        raise InvalidRequest("thread/start.dynamicTools requires experimentalApi capability")
    config = ctx.state.config(params.config)
    settings = make_settings(params, config)
    settings.dynamic_tools = list(params.dynamic_tools or [])
    thread_id, created = new_id(), utc_now()
    ephemeral = bool(params.ephemeral)
    path = None if ephemeral else ctx.state.store.new_path(thread_id, created)
    thread = ThreadRuntime(thread_id, created, settings, ctx.conn.client_name, ephemeral=ephemeral, path=path)
    thread.subscribers.add(ctx.conn)
    mcp_threads.attach(thread, config, WireHost(thread))
    required = mcp_threads.has_required(thread)
    if required:
        await mcp_threads.start(thread)  # a required server that fails refuses the thread, as in codex
    ctx.state.threads[thread_id] = thread
    ctx.after(lambda: ctx.conn.notify("thread/started", {"thread": thread.wire()}))
    if thread.mcp is not None and not required:
        ctx.after(lambda: mcp_threads.start(thread))
    return settings_response(thread)


def _load(state: ServerState, thread_id: str) -> Rollout:
    path = state.store.find(thread_id)
    if path is None:
        raise InvalidRequest(f"no rollout found for thread id {thread_id}")
    try:
        return read_rollout(path)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidRequest(f"failed to read rollout for thread id {thread_id}: {exc}") from None


def _usage_replay(ctx: Ctx, thread: ThreadRuntime) -> None:
    if thread.usage is not None:
        ctx.conn.notify("thread/tokenUsage/updated", {"threadId": thread.id, **thread.usage})


async def resume(ctx: Ctx, params: p.ThreadResumeParams) -> dict[str, Any]:
    thread = ctx.state.threads.get(params.thread_id)
    if thread is None:
        rollout = _load(ctx.state, params.thread_id)
        config = ctx.state.config(params.config)
        thread = ThreadRuntime.from_rollout(
            rollout, make_settings(params, config, _settings_from_meta(rollout, config))
        )
        ctx.state.threads[thread.id] = thread
        thread.subscribers.add(ctx.conn)
        thread.set_status({"type": "idle"})
        mcp_threads.attach(thread, config, WireHost(thread))
        if thread.mcp is not None:
            ctx.after(lambda: mcp_threads.start(thread))
    else:
        thread.subscribers.add(ctx.conn)
        thread.settings = make_settings(params, ctx.state.config(params.config), thread.settings)
        ctx.after(lambda: _resend_pending(ctx, thread))
    ctx.after(lambda: _usage_replay(ctx, thread))
    from .resume_extra import resume_fields  # issue 13's fields, kept out of this module

    return settings_response(thread, include_turns=not params.exclude_turns) | resume_fields(thread)


def _resend_pending(ctx: Ctx, thread: ThreadRuntime) -> None:
    """A client that resumes a thread with an open approval gets asked again (same request id)."""
    if thread.active is not None:
        for request_id, method, params in thread.active.pending:
            ctx.conn.resend(request_id, method, params)


def _settings_from_meta(rollout: Rollout, config: Config) -> Settings:
    meta = rollout.meta
    return Settings(
        model=meta.get("model") or config.default_model(),
        model_provider=meta.get("model_provider") or config.model_provider,
        cwd=Path(meta.get("cwd") or os.getcwd()),
        approval_policy=config.approval_policy,
        sandbox=sandbox_policy(config.sandbox_mode),
        effort=config.reasoning_effort,
        summary=config.reasoning_summary,
        base_instructions=meta.get("base_instructions"),
        developer_instructions=meta.get("developer_instructions"),
    )


async def fork(ctx: Ctx, params: p.ThreadForkParams) -> dict[str, Any]:
    source = ctx.state.threads.get(params.thread_id)
    config = ctx.state.config(params.config)
    if source is not None:
        base, turns, history, name = source.settings, source.turns, source.history, source.name
        usage = source.usage
    else:
        rollout = _load(ctx.state, params.thread_id)
        base, turns, history, name = _settings_from_meta(rollout, config), rollout.turns, rollout.history, rollout.name
        usage = rollout.usage
    if params.last_turn_id is not None:
        ids = [t.id for t in turns]
        if params.last_turn_id not in ids:
            raise InvalidRequest(f"turn not found: {params.last_turn_id}")
        keep = ids[: ids.index(params.last_turn_id) + 1]
        turns = [t for t in turns if t.id in keep]
        history = [(t, i) for t, i in history if t in keep]
    thread_id, created = new_id(), utc_now()
    ephemeral = bool(params.ephemeral)
    path = None if ephemeral else ctx.state.store.new_path(thread_id, created)
    settings = make_settings(params, config, base)
    thread = ThreadRuntime(
        thread_id, created, settings, ctx.conn.client_name, ephemeral=ephemeral, path=path, name=name
    )
    thread.forked_from, thread.history, thread.turns = params.thread_id, list(history), list(turns)
    # A fork counts on from its source's token totals, as codex's does; a cut-off fork's total is not known.
    thread.usage = dict(usage) if usage is not None and params.last_turn_id is None else None
    ctx.state.threads[thread_id] = thread
    thread.subscribers.add(ctx.conn)
    if turns:
        thread.record("fork", {"forked_from_id": params.thread_id})
        for turn in turns:
            _persist_turn(thread, turn)
        if thread.usage is not None:
            thread.record("token_usage", thread.usage)
    ctx.after(lambda: _usage_replay(ctx, thread))  # codex reports the fork's totals before thread/started
    ctx.after(lambda: ctx.conn.notify("thread/started", {"thread": thread.wire()}))
    mcp_threads.attach(thread, config, WireHost(thread))
    if thread.mcp is not None:
        ctx.after(lambda: mcp_threads.start(thread))
    return settings_response(thread, include_turns=not params.exclude_turns)


def _persist_turn(thread: ThreadRuntime, turn: Any) -> None:
    thread.record("turn_started", {"turn_id": turn.id, "started_at": turn.started_at})
    for item in turn.items:
        thread.record("item_completed", {"turn_id": turn.id, "item": item})
    thread.record_turn_end(turn)


async def read(ctx: Ctx, params: p.ThreadReadParams) -> dict[str, Any]:
    thread = ctx.state.threads.get(params.thread_id)
    if thread is not None:
        if thread.ephemeral and params.include_turns:
            raise InvalidRequest("ephemeral threads do not support includeTurns")
        return {"thread": thread.wire(bool(params.include_turns)), "readState": read_state(params.thread_id)}
    path = ctx.state.store.find(params.thread_id) or ctx.state.store.find(params.thread_id, archived=True)
    if path is None:
        raise InvalidRequest(f"thread not loaded: {params.thread_id}")
    return {
        "thread": unloaded_wire(read_rollout(path), bool(params.include_turns)),
        "readState": read_state(params.thread_id),
    }


async def list_threads(ctx: Ctx, params: p.ThreadListParams) -> dict[str, Any]:
    return list_page(ctx.state, params)


async def archive(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    store = ctx.state.store
    path = store.find(params.thread_id)
    if path is None:
        raise InvalidRequest(f"no rollout found for thread id {params.thread_id}")
    thread = ctx.state.threads.pop(params.thread_id, None)
    if thread is not None:
        await _unload(thread)
        thread.set_status({"type": "notLoaded"})
    store.archive(path)
    ctx.after(lambda: ctx.conn.notify("thread/archived", {"threadId": params.thread_id}))
    return {}


async def _unload(thread: ThreadRuntime) -> None:
    if thread.active and thread.active.task:
        thread.active.task.cancel()
    await thread.close_services()
    if thread.writer:
        thread.sync()
        thread.writer.close()
        thread.writer = None


async def unarchive(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    if params.thread_id in ctx.state.threads:
        raise InvalidRequest(f"thread {params.thread_id} already has an active writer")
    store = ctx.state.store
    path = store.find(params.thread_id, archived=True)
    if path is None:
        raise InvalidRequest(f"no rollout found for thread id {params.thread_id}")
    rollout = read_rollout(path)
    import datetime as dt

    restored = store.unarchive(path, dt.datetime.fromisoformat(rollout.meta["timestamp"]))
    rollout.path = restored
    ctx.after(lambda: ctx.conn.notify("thread/unarchived", {"threadId": params.thread_id}))
    return {"thread": unloaded_wire(rollout, False)}


async def set_name(ctx: Ctx, params: p.ThreadSetNameParams) -> dict[str, Any]:
    name = params.name.strip()
    if not name:
        raise InvalidRequest("thread name must not be empty")
    thread = ctx.state.threads.get(params.thread_id)
    if thread is None:
        path = ctx.state.store.find(params.thread_id)
        if path is None:
            raise InvalidRequest(f"no rollout found for thread id {params.thread_id}")
        thread = ThreadRuntime.from_rollout(
            read_rollout(path), _settings_from_meta(read_rollout(path), ctx.state.config())
        )
        thread.record("thread_name", {"name": name})
        if thread.writer is not None:
            thread.writer.close()
    else:
        thread.name = name
        thread.record("thread_name", {"name": name})
    ctx.after(lambda: ctx.conn.notify("thread/name/updated", {"threadId": params.thread_id, "threadName": name}))
    return {}


async def loaded_list(ctx: Ctx, params: p.CursorParams) -> dict[str, Any]:
    ids = sorted(ctx.state.threads)
    start = ids.index(params.cursor) + 1 if params.cursor in ids else 0
    page = ids[start : start + params.limit] if params.limit else ids[start:]
    more = params.limit is not None and start + len(page) < len(ids)
    return {"data": page, "nextCursor": page[-1] if more and page else None}


async def unsubscribe(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    thread = ctx.state.threads.get(params.thread_id)
    if thread is None:
        return {"status": "notLoaded"}
    if ctx.conn not in thread.subscribers:
        return {"status": "notSubscribed"}
    thread.subscribers.discard(ctx.conn)
    return {"status": "unsubscribed"}


async def rollback(ctx: Ctx, params: p.ThreadRollbackParams) -> dict[str, Any]:
    thread = ctx.state.thread(params.thread_id)
    if thread.active is not None:
        raise InvalidRequest("cannot roll back a thread while a turn is running")
    if params.num_turns > len(thread.turns):
        raise InvalidRequest(f"cannot roll back {params.num_turns} turns: the thread has {len(thread.turns)}")
    thread.turns = thread.turns[: len(thread.turns) - params.num_turns]
    kept = {t.id for t in thread.turns}
    thread.history = [(t, i) for t, i in thread.history if t in kept]
    thread.preview = preview_of(thread.turns)
    thread.record("rollback", {"num_turns": params.num_turns})
    return {"thread": thread.wire(True)}


async def compact(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    ctx.state.thread(params.thread_id)
    return {}
