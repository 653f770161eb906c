"""The aiohttp application: `/v1/responses`, `/v1/chat/completions`, `/v1/messages`, `/v1/models`, and the
`/__admin` API. Responses has its own lean handler (`respond`); the other two share `respond_api`."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web

from .apis import ANTHROPIC, APIS, BY_PATH, Api
from .apis.anthropic import models_page
from .cassette import Cassette
from .faults import RecordingFault, apply_faults
from .ids import IdFactory
from .journal import UNPARSED, Journal, body_problems
from .matching import CassetteResponder, MatchConfig
from .plan import Plan
from .render import JSON_HEADERS, RequestContext, render
from .script import Conversation, Script, ScriptError, Step, last_user_text, parse_steps
from .serving import FAST_PATH, Handler
from .stream import send_plan
from .templates import TemplateCache, cacheable

log = logging.getLogger("mockprovider")


@dataclass(slots=True)
class ProviderConfig:
    speed: float = 1.0  # 0 = instant (one write per response); 1 = scripted timing; N = N times faster
    chunk_size: int = 20  # characters per text/argument delta
    strict: bool = False  # reject request bodies that break codex's invariants (call/output pairing)
    models: tuple[str, ...] = ("mock-model",)
    journal_max: int = 0  # 0 = unbounded


@dataclass(slots=True)
class ProviderState:
    script: Script
    config: ProviderConfig
    ids: IdFactory
    journal: Journal = field(default_factory=Journal)
    started: float = field(default_factory=time.monotonic)
    cassette: CassetteResponder | None = None  # when set, requests are answered from it instead of the script
    templates: TemplateCache = field(default_factory=TemplateCache)
    valid_bodies: dict[bytes, dict[str, Any]] = field(default_factory=dict)  # small bodies already validated
    # the same two caches for Chat Completions and Anthropic Messages requests, by API name
    api_templates: dict[str, TemplateCache] = field(default_factory=lambda: {a.name: TemplateCache() for a in APIS})
    api_bodies: dict[str, dict[bytes, dict[str, Any]]] = field(default_factory=lambda: {a.name: {} for a in APIS})
    faults: tuple[RecordingFault, ...] = ()  # laid on cassette interactions as they are replayed

    def record(
        self, request: web.BaseRequest, body: Any, status: int, step: int | None, *, raw: bytes = b"",
        error: str | None = None, label: str | None = None,
    ) -> None:  # fmt: skip
        """Journal a request; pass body=UNPARSED with `raw` to leave decoding until the entry is read.

        A valid body is always journaled that way: the parsed one may be shared by identical requests
        (`valid_bodies`), and each entry must own its copy.
        """
        # The request's own time so far (from its arrival, stamped by the handler wrapper), not the server's age.
        elapsed_ms = (time.monotonic() - request.get(ARRIVED, time.monotonic())) * 1000  # rounded when read
        self.journal.add((self.journal.total, request.method, request.path, request.rel_url, request.headers, body,
                          raw, status, step, elapsed_ms, error, label))  # fmt: skip


STATE = web.AppKey("reelkit_mock_state", ProviderState)
ARRIVED = web.RequestKey("reelkit_arrived", float)  # monotonic time the request reached the handler
RESPONSES_PATHS = frozenset({"/v1/responses", "/responses"})
MAX_BODY = 64 * 1024**2


def openai_error(status: int, message: str, *, kind: str = "invalid_request_error", **extra: Any) -> web.Response:
    """An error body in the OpenAI shape (`{"error": {message, type, param, code}}`)."""
    error = {"message": message, "type": kind, "param": None, "code": None, **extra}
    return web.json_response({"error": error}, status=status)


async def responses(request: web.Request) -> web.StreamResponse:
    return await respond(request.app[STATE], request)


def fast_path(state: ProviderState) -> Callable[[Handler], Handler]:
    """Answer `POST /v1/responses` without route resolution and the middleware chain.

    Under load that machinery is about a sixth of each request (measured in bench/README.md). Everything
    else, and any request with `Expect: 100-continue` (which the router answers), goes the normal way.
    """

    def wrap(routed: Handler) -> Handler:
        async def handle(request: web.BaseRequest) -> web.StreamResponse:
            request[ARRIVED] = time.monotonic()
            if request.method == "POST" and hdrs.EXPECT not in request.headers:
                if request.path in RESPONSES_PATHS:
                    return await respond(state, request)
                api = BY_PATH.get(request.path)
                if api is not None:
                    return await respond_api(state, request, api)
            return await routed(request)

        return handle

    return wrap


async def respond(state: ProviderState, request: web.BaseRequest) -> web.StreamResponse:
    content = request.content
    # A small body has usually arrived whole with the headers: take it without a round of awaits.
    raw = content.read_nowait() if content.is_eof() and 0 < content.total_bytes <= MAX_BODY else await request.read()
    body = state.valid_bodies.get(raw)
    if body is None:
        checked = _validate(state, request, raw)
        if isinstance(checked, web.Response):
            return checked
        body = checked
    if state.cassette is not None:
        return await _replay(request, state, body, raw)
    taken = state.script.take(_conversation(body) if state.script.matchers else None)
    if taken is None:
        return _exhausted(request, state, raw)
    index, step = taken
    template = state.templates.get(step, raw)  # only instant-replay steps ever have one
    if template is None:
        ctx = RequestContext(body, len(raw), body.get("stream") is True, state.config.chunk_size, state.ids)
        if state.config.speed == 0 and cacheable(step):
            template = state.templates.build(step, ctx, raw)  # None until the request's shape repeats
        if template is None:
            return await _render(request, state, step, index, ctx, raw)
    # Instant replay from a pre-rendered template: fresh ids, one write (the load-test path, kept lean).
    data, headers = template.fill(state.ids)
    state.record(request, UNPARSED, template.status, index, raw=raw, label=step.label)
    return web.Response(status=template.status, headers=headers, body=data)


def _conversation(body: dict[str, Any]) -> Conversation:
    """A Responses request's conversation state: user messages, tool outputs, tools offered."""
    items = [i for i in body.get("input") or [] if isinstance(i, dict)] if isinstance(body.get("input"), list) else []
    users = sum(1 for i in items if i.get("role") == "user")
    results = tuple(str(i.get("call_id")) for i in items if str(i.get("type", "")).endswith("_output"))
    tools = tuple(str(t.get("name", t.get("type"))) for t in body.get("tools") or [] if isinstance(t, dict))
    return Conversation(last_user_text(body), users or int(isinstance(body.get("input"), str)), results, tools)


async def respond_api(state: ProviderState, request: web.BaseRequest, api: Api) -> web.StreamResponse:
    """Chat Completions and Anthropic Messages: the same script and faults, rendered in the API's format."""
    content = request.content
    raw = content.read_nowait() if content.is_eof() and 0 < content.total_bytes <= MAX_BODY else await request.read()
    if api is ANTHROPIC and "anthropic-version" not in request.headers:
        state.record(request, None, 400, None, raw=raw, error="anthropic-version: header is required")
        return api_error(api, 400, "anthropic-version: header is required")
    body = state.api_bodies[api.name].get(raw)
    if body is None:
        checked = _validate_api(state, request, raw, api)
        if isinstance(checked, web.Response):
            return checked
        body = checked
    if state.cassette is not None:
        return await _replay(request, state, body, raw, api)
    taken = state.script.take(api.conversation(body) if state.script.matchers else None)
    if taken is None:
        return _exhausted(request, state, raw, api)
    index, step = taken
    cache = state.api_templates[api.name]
    template = cache.get(step, raw)
    if template is None:
        stream = body.get("stream") is True
        ctx = RequestContext(body, len(raw), stream, state.config.chunk_size, state.ids, None, api.name)
        if state.config.speed == 0 and cacheable(step):
            template = cache.build(step, ctx, raw)
        if template is None:
            return await _render(request, state, step, index, ctx, raw, api)
    data, headers = template.fill(state.ids)
    state.record(request, UNPARSED, template.status, index, raw=raw, label=step.label)
    return web.Response(status=template.status, headers=headers, body=data)


def _validate_api(
    state: ProviderState, request: web.BaseRequest, raw: bytes, api: Api
) -> dict[str, Any] | web.Response:
    body, problem = api.parse(raw)
    if problem is None and state.config.strict:
        problem = "; ".join(api.problems(body)) or None
    if problem is not None:
        state.record(request, body, 400, None, error=problem)
        return api_error(api, 400, problem)
    if len(raw) <= 4096 and len(state.api_bodies[api.name]) < 1024:
        state.api_bodies[api.name][raw] = body  # load tests repeat one body: validate it once
    return body


def api_error(
    api: Api | None, status: int, message: str, kind: str | None = None, code: str | None = None
) -> web.Response:
    """An error answer in the shape of the request's API (OpenAI's for Responses and Chat Completions)."""
    if api is None:
        return openai_error(status, message, kind=kind or "invalid_request_error", code=code)
    return web.Response(
        status=status, body=api.error_body(status, message, kind, code), content_type="application/json"
    )


def _validate(state: ProviderState, request: web.BaseRequest, raw: bytes) -> dict[str, Any] | web.Response:
    """The parsed body, or the OpenAI-style 400 for it; small valid bodies are remembered."""
    body, problem = _parse_body(raw)
    if problem is None and state.config.strict:
        problem = "; ".join(body_problems(body)) or None
    if problem is not None:
        state.record(request, body, 400, None, error=problem)
        return openai_error(400, problem, param=_missing_param(problem))
    if len(raw) <= 4096 and len(state.valid_bodies) < 1024:
        state.valid_bodies[raw] = body  # load tests repeat one body: validate it once
    return body


async def _render(
    request: web.BaseRequest, state: ProviderState, step: Step, index: int, ctx: RequestContext, raw: bytes,
    api: Api | None = None,
) -> web.StreamResponse:  # fmt: skip
    plan = api.render(step, ctx) if api is not None else render(step, ctx)
    state.record(request, UNPARSED, plan.status, index, raw=raw, label=step.label)
    return await send_plan(request, plan, state.config.speed)


async def _replay(
    request: web.BaseRequest, state: ProviderState, body: Any, raw: bytes, api: Api | None = None
) -> web.StreamResponse:
    assert state.cassette is not None
    picked = state.cassette.pick(request.method, request.path, raw.decode("utf-8", errors="replace"))
    if isinstance(picked, str):
        log.warning("%s", picked)
        state.record(request, UNPARSED, 400, None, raw=raw, error=picked)
        # 400, not 500: a miss is a test failure to report at once, not an outage for the client to retry.
        return api_error(api, 400, picked, code="cassette_miss")
    index, step = picked
    step = apply_faults(step, index, state.faults)
    ctx = RequestContext(
        body, len(raw), True, state.config.chunk_size, state.ids, None, api.name if api else "responses"
    )
    plan = api.render(step, ctx) if api is not None else render(step, ctx)
    plan.headers = _recorded_type(plan.headers)
    state.record(request, UNPARSED, plan.status, index, raw=raw, label=step.label)
    return await send_plan(request, plan, state.config.speed)


def _recorded_type(headers: dict[str, str]) -> dict[str, str]:
    """A recording's own content type (JSON, text, ...) replaces the SSE default a chunked step gets."""
    if sum(1 for k in headers if k.lower() == "content-type") < 2:
        return headers
    return {k: v for k, v in headers.items() if k != "Content-Type"}


async def _replay_any(request: web.Request) -> web.StreamResponse | None:
    """In cassette mode, any method and path (chat completions, messages, embeddings, GETs) replays too."""
    state = request.app[STATE]
    if state.cassette is None:
        return None
    raw = await request.read()
    body, _ = _parse_body(raw)
    return await _replay(request, state, body, raw)


def _parse_body(raw: bytes) -> tuple[dict[str, Any], str | None]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}, "We could not parse the JSON body of your request. (HINT: the body must be valid JSON.)"
    if not isinstance(body, dict):
        return {}, "The request body must be a JSON object."
    missing = [k for k in ("model", "input") if k not in body]
    if missing:
        return body, f"Missing required parameter: '{missing[0]}'."
    return body, None


def _missing_param(problem: str) -> str | None:
    for name in ("model", "input"):
        if f"'{name}'" in problem:
            return name
    return None


def _exhausted(request: web.BaseRequest, state: ProviderState, raw: bytes, api: Api | None = None) -> web.Response:
    used = len(state.script.steps)
    message = (
        f"reelkit mock provider: no scripted response left for request #{state.journal.total + 1} "
        f"({request.method} {request.path}); the script had {used} step(s), all consumed"
    )
    log.warning("%s", message)
    state.record(request, UNPARSED, 500, None, raw=raw, error=message)
    return api_error(
        api, 500, message, "server_error" if api is not ANTHROPIC else "api_error", "mock_script_exhausted"
    )


def _api_handler(api: Api) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The routed handler (requests the fast path leaves to the router, e.g. with `Expect: 100-continue`)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await respond_api(request.app[STATE], request, api)

    return handle


async def models(request: web.Request) -> web.StreamResponse:
    replayed = await _replay_any(request)
    if replayed is not None:
        return replayed
    state = request.app[STATE]
    state.record(request, None, 200, None)
    if "anthropic-version" in request.headers or "x-api-key" in request.headers:
        return web.json_response(models_page(state.config.models))
    data = [{"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "reelkit"} for m in state.config.models]
    # `data` is the OpenAI listing; `models` is codex's catalog shape, empty so codex keeps its own.
    return web.json_response({"object": "list", "data": data, "models": []})


async def websocket_refused(request: web.Request) -> web.Response:
    # Codex's built-in provider tries a WebSocket upgrade first; refusing fast makes it fall back to HTTP.
    request.app[STATE].record(request, None, 404, None)
    return openai_error(404, "WebSocket transport is not supported by the mock provider; use HTTP POST.")


async def not_found(request: web.Request) -> web.StreamResponse:
    replayed = await _replay_any(request)
    if replayed is not None:
        return replayed
    request.app[STATE].record(request, None, 404, None)
    return openai_error(404, f"Invalid URL ({request.method} {request.path})")


async def admin_script(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        payload = await request.json()
        if isinstance(payload, list):
            payload = {"responses": payload}
        steps = parse_steps(payload.get("responses"), "admin script")
    except (json.JSONDecodeError, AttributeError):
        return openai_error(400, 'admin script: body must be {"responses": [...], "mode": "replace"|"append"}')
    except ScriptError as exc:
        return openai_error(400, str(exc))
    mode, loop = payload.get("mode", "replace"), payload.get("loop")
    if mode not in ("replace", "append") or not isinstance(loop, bool | None):
        return openai_error(400, 'admin script: "mode" is "replace" or "append"; "loop" is true or false')
    if mode == "append":
        state.script.append(steps)
    else:
        state.script.replace(steps, loop)
        state.templates.clear()  # the old steps' templates are dead weight now
        for cache in state.api_templates.values():
            cache.clear()
        state.cassette = None  # a replaced script takes over from a cassette
    return web.json_response({"steps": len(state.script.steps), "remaining": state.script.remaining})


async def admin_requests(request: web.Request) -> web.Response:
    entries = [e.to_json() for e in request.app[STATE].journal.entries]
    return web.json_response({"requests": entries})


async def admin_reset(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.journal.clear()
    state.journal.total = 0  # entries are numbered from 0 again after a reset
    state.script.rewind()
    if state.cassette is not None:
        state.cassette.rewind()
    return web.json_response({"steps": len(state.script.steps), "remaining": state.script.remaining})


def create_app(
    script: Script | None = None,
    config: ProviderConfig | None = None,
    seed: int | None = None,
    cassette: Cassette | None = None,
    match: MatchConfig | None = None,
) -> web.Application:
    """Build the mock provider application; its state is `app[STATE]`."""
    app = web.Application(client_max_size=MAX_BODY)
    responder = CassetteResponder(cassette, match or MatchConfig()) if cassette is not None else None
    config = config or ProviderConfig()
    app[STATE] = ProviderState(
        script or Script(), config, IdFactory(seed), Journal(max_entries=config.journal_max), cassette=responder
    )
    app[FAST_PATH] = fast_path(app[STATE])
    for path in RESPONSES_PATHS:
        app.router.add_post(path, responses)
    for api in APIS:
        for path in api.paths:
            app.router.add_post(path, _api_handler(api))
    for prefix in ("/v1", ""):
        app.router.add_get(f"{prefix}/responses", websocket_refused)
        app.router.add_get(f"{prefix}/models", models)
    app.router.add_post("/__admin/script", admin_script)
    app.router.add_get("/__admin/requests", admin_requests)
    app.router.add_post("/__admin/reset", admin_reset)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app


__all__ = ["JSON_HEADERS", "STATE", "Plan", "ProviderConfig", "ProviderState", "Step", "create_app"]
