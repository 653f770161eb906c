"""account/*: an API-key user, as codex 0.163 answers one. ChatGPT-only calls are refused with codex's words;
`login/start` with an API key stores it in `auth.json` (mode 0600, temp then rename) as codex does."""

from __future__ import annotations

import json
import os
from typing import Any

from reelkit_common.fsutil import atomic_write
from server.errors import InternalError, InvalidRequest
from server.protocol.params_more import (
    AccountReadParams,
    CreditsNudgeParams,
    FeedbackParams,
    IdempotencyParams,
    LoginCancelParams,
    LoginParams,
)
from server.state import Ctx

_AUTH_REQUIRED = "codex account authentication required to "


async def read(ctx: Ctx, params: AccountReadParams | None) -> dict[str, Any]:
    # An API-key login or a provider that is not OpenAI's shows no account (codex: `account: null`).
    return {"account": None, "requiresOpenaiAuth": False, "workspaceRouting": None}


async def login_start(ctx: Ctx, params: LoginParams) -> dict[str, Any]:
    if params.type != "apiKey":
        # ChatGPT sign-in needs auth.openai.com; refused here as codex fails without network.
        raise InternalError("failed to start ChatGPT login: this server supports API-key accounts only")
    if not params.api_key:
        raise InvalidRequest("Invalid request: missing field `apiKey`")
    auth = {"auth_mode": "apikey", "OPENAI_API_KEY": params.api_key}
    path = ctx.state.home / "auth.json"
    atomic_write(path, json.dumps(auth, indent=2) + "\n")
    os.chmod(path, 0o600)
    done = {"loginId": None, "success": True, "error": None, "onboardingEntrypoint": None}
    ctx.after(lambda: ctx.conn.notify("account/login/completed", done))
    ctx.after(lambda: ctx.conn.notify("account/updated", {"authMode": "apikey", "planType": None}))
    return {"type": "apiKey"}


async def login_cancel(ctx: Ctx, params: LoginCancelParams) -> dict[str, Any]:
    raise InvalidRequest(f"invalid login id: {params.login_id}")


async def logout(ctx: Ctx, params: None) -> dict[str, Any]:
    (ctx.state.home / "auth.json").unlink(missing_ok=True)
    ctx.after(lambda: ctx.conn.notify("account/updated", {"authMode": None, "planType": None}))
    return {}


async def rate_limits(ctx: Ctx, params: None) -> dict[str, Any]:
    raise InvalidRequest(_AUTH_REQUIRED + "read rate limits")


async def reset_credit(ctx: Ctx, params: IdempotencyParams) -> dict[str, Any]:
    raise InvalidRequest("codex account authentication required for rate limit reset credits")


async def usage(ctx: Ctx, params: None) -> dict[str, Any]:
    raise InvalidRequest(_AUTH_REQUIRED + "read token usage")


async def workspace_messages(ctx: Ctx, params: None) -> dict[str, Any]:
    raise InvalidRequest(_AUTH_REQUIRED + "read workspace messages")


async def credits_nudge(ctx: Ctx, params: CreditsNudgeParams) -> dict[str, Any]:
    raise InvalidRequest(_AUTH_REQUIRED + "notify workspace owner")


async def gateway_read(ctx: Ctx, params: None) -> dict[str, Any]:
    provider = ctx.state.config().provider()
    return {"providerId": provider.id, "providerName": provider.name, "required": False, "status": None,
            "error": None}  # fmt: skip


async def gateway_login(ctx: Ctx, params: None) -> dict[str, Any]:
    raise InvalidRequest("The current provider does not use gateway OAuth")


async def gateway_cancel(ctx: Ctx, params: None) -> dict[str, Any]:
    return {}


async def bedrock_govcloud(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"isGovCloud": False, "shouldWarn": False}


async def feedback_upload(ctx: Ctx, params: FeedbackParams) -> dict[str, Any]:
    # codex uploads to its Sentry project; a kit that never leaves the machine has nowhere to send it.
    raise InternalError("failed to upload feedback: feedback upload is not available in this server")
