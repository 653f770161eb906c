"""review/start: a review turn, inline on the thread or on a detached review thread."""

from __future__ import annotations

from typing import Any

from server.protocol import params as p
from server.state import Ctx
from server.store import utc_now
from server.threads import ThreadRuntime, new_id
from server.wire_host import begin, launch

from .turn_common import options


async def start_review(ctx: Ctx, params: p.ReviewStartParams, prompt: str) -> dict[str, Any]:
    source = ctx.state.thread(params.thread_id)
    target = source
    if params.delivery == "detached":
        target = ThreadRuntime(new_id(), utc_now(), source.settings, ctx.conn.client_name, ephemeral=source.ephemeral,
                               forked_from=source.id)  # fmt: skip
        target.path = None if target.ephemeral else ctx.state.store.new_path(target.id, target.created)
        target.history = list(source.history)
        ctx.state.threads[target.id] = target
        target.subscribers.add(ctx.conn)
        ctx.after(lambda: ctx.conn.notify("thread/started", {"thread": target.wire()}))
    active = begin(target)
    active.kind = "review"
    inputs = [{"type": "text", "text": prompt}]
    ctx.after(lambda: launch(ctx.state, target, inputs, options(ctx, None)))
    return {"turn": active.record.wire("notLoaded"), "reviewThreadId": target.id}
