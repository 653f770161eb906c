"""Thread methods of issue 13 around the core ones: delete, goals, metadata, attachments, sections, turn and
item pages, injected items, revert and the Guardian override, answered as codex 0.163 answers them.
Goals, attachments and sections live for the server's lifetime (codex keeps them in its state database)."""

from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from typing import Any

from server import readstate
from server.errors import InvalidParams, InvalidRequest, RpcError
from server.protocol import params as p
from server.protocol import params_more as pm
from server.state import Ctx
from server.threads import ThreadRuntime

from .cursors import rollout_cursor
from .extras import extras

PINNED = {"id": "01984de2-8f74-7c91-a3b2-5c5e937cf318", "name": "Pinned", "appearance": None}
_UUID_CHARS = set("0123456789abcdefABCDEF-")


class MethodNotFound(RpcError):
    code = -32601


def check_thread_id(thread_id: str) -> None:
    """codex parses thread ids as UUIDs and answers a bad one with the uuid crate's words."""
    text = thread_id.removeprefix("urn:uuid:")
    for index, char in enumerate(text):
        if char not in _UUID_CHARS:
            raise InvalidRequest(
                "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by "
                f"[0-9a-fA-F-], found `{char}` at {index + 1}"
            )


def _loaded(ctx: Ctx, thread_id: str) -> ThreadRuntime:
    check_thread_id(thread_id)
    thread = ctx.state.threads.get(thread_id)
    if thread is None:
        raise InvalidRequest(f"thread not loaded: {thread_id}")
    return thread


def _materialized(ctx: Ctx, thread_id: str, method: str) -> ThreadRuntime:
    thread = _loaded(ctx, thread_id)
    if not thread.persisted:
        raise InvalidRequest(
            f"thread {thread_id} is not materialized yet; {method} is unavailable before first user message"
        )
    return thread


# --- delete ---


async def delete(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    from .thread import _unload

    check_thread_id(params.thread_id)
    store = ctx.state.store
    path = store.find(params.thread_id) or store.find(params.thread_id, archived=True)
    if path is None:
        raise InvalidRequest(f"no rollout found for thread id {params.thread_id}")
    thread = ctx.state.threads.pop(params.thread_id, None)
    if thread is not None:
        await _unload(thread)
    path.unlink(missing_ok=True)
    readstate.forget(params.thread_id)
    for table in (extras(ctx.state).goals, extras(ctx.state).attachments, extras(ctx.state).metadata):
        table.pop(params.thread_id, None)
    ctx.after(lambda: ctx.conn.notify("thread/deleted", {"threadId": params.thread_id}))
    return {}


# --- goals ---


async def goal_get(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    _loaded(ctx, params.thread_id)
    return {"goal": extras(ctx.state).goals.get(params.thread_id)}


async def goal_set(ctx: Ctx, params: pm.ThreadGoalSetParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    goals, now = extras(ctx.state).goals, int(time.time())
    goal = goals.get(thread.id)
    if params.objective is not None:
        goal = {"threadId": thread.id, "objective": params.objective, "status": params.status or "active",
                "tokenBudget": params.token_budget, "tokensUsed": 0, "timeUsedSeconds": 0, "createdAt": now,
                "updatedAt": now}  # fmt: skip
    elif goal is None:
        raise InvalidRequest(f"cannot update goal for thread {thread.id}: no goal exists")
    else:
        goal = {**goal, "updatedAt": now}
        goal.update({k: v for k, v in (("status", params.status), ("tokenBudget", params.token_budget)) if v})
    goals[thread.id] = goal
    ctx.after(lambda: thread.notify("thread/goal/updated", {"threadId": thread.id, "turnId": None, "goal": goal}))
    return {"goal": goal}


async def goal_clear(ctx: Ctx, params: p.ThreadIdParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    cleared = extras(ctx.state).goals.pop(thread.id, None) is not None
    if cleared:
        ctx.after(lambda: thread.notify("thread/goal/cleared", {"threadId": thread.id}))
    return {"cleared": cleared}


# --- metadata ---


def thread_wire(ctx: Ctx, thread: ThreadRuntime, include_turns: bool = False) -> dict[str, Any]:
    """The core wire form plus what this module keeps (git info set by the client)."""
    wire = thread.wire(include_turns)
    if git := extras(ctx.state).metadata.get(thread.id, {}).get("gitInfo"):
        wire["gitInfo"] = git
    return wire


async def metadata_update(ctx: Ctx, params: pm.ThreadMetadataParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    if params.git_info is None:
        raise InvalidRequest("thread metadata update must include at least one field")
    meta = extras(ctx.state).metadata.setdefault(thread.id, {})
    git = {"sha": None, "branch": None, "originUrl": None, **meta.get("gitInfo", {})}
    git.update({k: v for k, v in params.git_info.items() if k in git})
    meta["gitInfo"] = git
    return {"thread": thread_wire(ctx, thread)}


# --- attachments ---


async def attachment_add(ctx: Ctx, params: pm.AttachmentAddParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    table = extras(ctx.state).attachments.setdefault(thread.id, [])
    for existing in table:
        if (existing["attachmentType"], existing["identityKey"]) == (params.attachment_type, params.identity_key):
            return {"outcome": "existing", "attachment": existing}
    attachment = {"id": str(uuid.uuid4()), "attachmentType": params.attachment_type,
                  "identityKey": params.identity_key, "payload": params.payload,
                  "createdAt": int(time.time())}  # fmt: skip
    table.append(attachment)
    update = {"threadId": thread.id, "attachmentType": params.attachment_type, "identityKey": params.identity_key,
              "attachmentId": attachment["id"], "operation": "created"}  # fmt: skip
    ctx.after(lambda: thread.notify("thread/attachment/updated", update))
    return {"outcome": "created", "attachment": attachment}


async def attachment_list(ctx: Ctx, params: pm.AttachmentListParams) -> dict[str, Any]:
    _loaded(ctx, params.thread_id)
    return {"data": list(extras(ctx.state).attachments.get(params.thread_id, [])), "nextCursor": None}


async def attachment_owners(ctx: Ctx, params: pm.AttachmentOwnerParams) -> dict[str, Any]:
    key = (params.attachment_type, params.identity_key)
    owners = [thread_id for thread_id, table in extras(ctx.state).attachments.items()
              if any((a["attachmentType"], a["identityKey"]) == key for a in table)]  # fmt: skip
    return {"data": [{"threadId": t, "archived": False} for t in owners], "nextCursor": None}


async def attachment_remove(ctx: Ctx, params: pm.AttachmentKeyParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    table = extras(ctx.state).attachments.get(thread.id, [])
    key = (params.attachment_type, params.identity_key)
    kept = [a for a in table if (a["attachmentType"], a["identityKey"]) != key]
    for gone in (a for a in table if a not in kept):
        update = {"threadId": thread.id, "attachmentType": key[0], "identityKey": key[1],
                  "attachmentId": gone["id"], "operation": "deleted"}  # fmt: skip
        ctx.after(functools.partial(thread.notify, "thread/attachment/updated", update))
    extras(ctx.state).attachments[thread.id] = kept
    return {}


# --- sections ---


def _sections(ctx: Ctx) -> list[dict[str, Any]]:
    sections = extras(ctx.state).sections
    if not sections:
        sections.append(dict(PINNED))
    return sections


async def section_list(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"data": list(_sections(ctx)), "nextCursor": None}


async def section_create(ctx: Ctx, params: pm.SectionCreateParams) -> dict[str, Any]:
    section = {"id": str(uuid.uuid4()), "name": params.name, "appearance": params.appearance}
    _sections(ctx).append(section)
    return {"section": section}


def _section(ctx: Ctx, section_id: str) -> dict[str, Any]:
    for section in _sections(ctx):
        if section["id"] == section_id:
            return section
    raise InvalidParams(f"thread section not found: {section_id}")


async def section_update(ctx: Ctx, params: pm.SectionUpdateParams) -> dict[str, Any]:
    section = _section(ctx, params.section_id)
    section.update(name=params.name, appearance=params.appearance)
    return {"section": section}


async def section_delete(ctx: Ctx, params: pm.SectionIdParams) -> dict[str, Any]:
    section = _section(ctx, params.section_id)
    _sections(ctx).remove(section)
    return {}


async def section_move(ctx: Ctx, params: pm.SectionMoveParams) -> dict[str, Any]:
    _loaded(ctx, params.thread_id)
    if params.section_id is not None and not any(s["id"] == params.section_id for s in _sections(ctx)):
        raise InvalidRequest(f"section {params.section_id} does not exist")
    extras(ctx.state).thread_sections[params.thread_id] = params.section_id
    return {}


# --- turn and item pages ---


def _start(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(cursor)["rolloutOrdinal"])
    except (ValueError, KeyError, TypeError):
        try:
            return int(json.loads(base64.b64decode(cursor))["offset"])
        except (ValueError, KeyError, TypeError):
            raise InvalidRequest(f"invalid cursor: {cursor}") from None


def _page(entries: list[Any], params: pm.ThreadPageParams, kind: str) -> dict[str, Any]:
    start = _start(params.cursor)
    limit = params.limit or 50
    page = entries[start : start + limit]
    end = start + len(page)
    return {
        "data": page,
        "nextCursor": rollout_cursor(params.thread_id, end, False, kind) if end < len(entries) else None,
        "backwardsCursor": rollout_cursor(params.thread_id, start, True, kind) if page else None,
    }


async def turns_list(ctx: Ctx, params: pm.TurnsListParams) -> dict[str, Any]:
    thread = _materialized(ctx, params.thread_id, "thread/turns/list")
    view = params.items_view or "summary"
    turns = [t.wire("full") | {"itemsView": view} for t in thread.turns]
    if view == "notLoaded":
        turns = [t | {"items": []} for t in turns]
    if (params.sort_direction or "desc") == "desc":
        turns.reverse()
    return _page(turns, params, "turns")


async def items_list(ctx: Ctx, params: pm.ItemsListParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    if not thread.persisted:
        raise MethodNotFound("thread/items/list is not supported yet")
    entries = [{"turnId": t.id, "item": item, "startedAtMs": (t.started_at or 0) * 1000,
                "completedAtMs": (t.completed_at or t.started_at or 0) * 1000}
               for t in thread.turns if params.turn_id in (None, t.id) for item in t.items]  # fmt: skip
    if params.sort_direction == "desc":
        entries.reverse()
    return _page(entries, params, "itemsByCreatedAtOrdinal")


# --- injected items, revert, Guardian ---


async def inject_items(ctx: Ctx, params: pm.InjectItemsParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    if not params.items:
        raise InvalidRequest("items must not be empty")
    turn_id = thread.turns[-1].id if thread.turns else ""
    for item in params.items:
        if not isinstance(item, dict) or "type" not in item:
            raise InvalidRequest("items must be Responses API input items")
        thread.history.append((turn_id, item))  # the model sees them on the next request
        thread.record("response_item", {"turn_id": turn_id, "item": item})
    return {}


async def revert(ctx: Ctx, params: pm.RevertParams) -> dict[str, Any]:
    thread = _loaded(ctx, params.thread_id)
    index = next((i for i, t in enumerate(thread.turns) if t.id == params.before_turn_id), None)
    if index is None:
        raise InvalidRequest(f"turn not found: {params.before_turn_id}")
    raise InvalidRequest("thread/revert is not supported by this server yet")


async def approve_guardian(ctx: Ctx, params: pm.GuardianParams) -> dict[str, Any]:
    _loaded(ctx, params.thread_id)
    if not isinstance(params.event, dict):
        kind = "null" if params.event is None else type(params.event).__name__
        raise InvalidRequest(
            f"invalid Guardian denial event: invalid type: {kind}, expected struct GuardianAssessmentEvent"
        )
    if "id" not in params.event:
        raise InvalidRequest("invalid Guardian denial event: missing field `id`")
    raise InvalidRequest("no Guardian denial to approve: this server does not run the Guardian reviewer")
