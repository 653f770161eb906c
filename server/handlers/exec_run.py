"""exec/run: one turn on a fresh ephemeral thread, answered inline (approvals never, sandbox read-only).

Nothing streams to the caller; any approval or input request the turn would send fails it at once
("exec/run encountered a blocking approval or input request"). The thread is shut down afterwards.
"""

from __future__ import annotations

from typing import Any

from server import mcp_threads
from server.config import Config
from server.errors import InvalidRequest
from server.handlers.thread import make_settings
from server.handlers.turn_common import inputs_wire, options
from server.protocol import params as p
from server.state import Ctx
from server.store import utc_now
from server.threads import ThreadRuntime, new_id
from server.wire_host import FailFastHost, begin, run_turn


def _check_constraints(config: Config) -> None:
    """Managed constraints may forbid what exec/run forces; then the request is refused, not weakened."""
    allowed_policies = config.raw.get("allowed_approval_policies")
    if isinstance(allowed_policies, list) and "never" not in allowed_policies:
        raise InvalidRequest(f"invalid approval policy: `never` is not in allowed_approval_policies {allowed_policies}")
    allowed_modes = config.raw.get("allowed_sandbox_modes")
    if isinstance(allowed_modes, list) and "read-only" not in allowed_modes:
        raise InvalidRequest(f"invalid sandbox policy: `read-only` is not in allowed_sandbox_modes {allowed_modes}")


async def run(ctx: Ctx, params: p.ExecRunParams) -> dict[str, Any]:
    if not params.input:
        raise InvalidRequest("input must not be empty")
    inputs = inputs_wire(params.input)  # refused (remote images) before anything starts
    config = ctx.state.config(params.config)
    _check_constraints(config)
    thread_params = p.ThreadConfigParams(
        model=params.model, model_provider=params.model_provider, cwd=params.cwd, approval_policy="never",
        sandbox="read-only", base_instructions=params.base_instructions,
        developer_instructions=params.developer_instructions, personality=params.personality, config=params.config,
    )  # fmt: skip
    settings = make_settings(thread_params, config)
    settings.effort, settings.summary = params.effort or settings.effort, params.summary or settings.summary
    settings.dynamic_tools = list((params.config or {}).get("dynamic_tools") or [])
    if params.collaboration_mode is not None:
        settings.config_overrides = {**settings.config_overrides, "collaboration_mode": params.collaboration_mode}
    thread = ThreadRuntime(new_id(), utc_now(), settings, ctx.conn.client_name, ephemeral=True)
    host = FailFastHost(thread)
    mcp_threads.attach(thread, config, host)
    record = begin(thread).record
    try:
        await mcp_threads.start(thread)
        await run_turn(ctx.state, thread, inputs, options(ctx, params.output_schema), host)
    finally:
        await thread.close_services()  # one-shot: no session, listener or task outlives the request
    last = next((i["text"] for i in reversed(record.items) if i.get("type") == "agentMessage"), None)
    return {
        "threadId": thread.id,
        "turnId": record.id,
        "status": record.status,
        "lastAgentMessage": last,
        "error": record.error,
    }
