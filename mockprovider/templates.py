"""Pre-rendered responses for instant replay: render a step once, fill in fresh ids per request.

Rendering a realistic stream (about 40 events, the Response object repeated three times) costs far
more than sending it. At speed 0, when a request shape comes a second time, its step renders once more
into a template whose ids and timestamp are placeholders; later requests of that shape only format fresh
values into it (one bytes % over the whole body), so every response still carries its own `resp_`/`msg_`/...
ids. A shape seen once (every request of a codex session) is simply rendered.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .apis import RENDERERS
from .ids import IdFactory
from .render import RequestContext, render
from .script import Step


class _PlaceholderIds(IdFactory):
    """Ids that are recognisable tokens, so a rendered stream can be re-filled per request.

    Tokens carry a fresh random nonce, as does the placeholder created_at: scripted text or an echoed
    request field that happens to look like a token is left alone.
    """

    def __init__(self) -> None:
        super().__init__(0)
        self.prefixes: list[str] = []
        self.nonce = secrets.token_hex(8)
        self.created_at = secrets.randbelow(9 * 10**15) + 10**15  # 16 digits: never a real timestamp
        self.token = re.compile(
            rb"@@%s:(\d+)@@|(?:(?<=\"created_at\":)|(?<=\"created\":))%d\b" % (self.nonce.encode(), self.created_at)
        )

    def new(self, prefix: str) -> str:
        self.prefixes.append(prefix)
        return f"{prefix}_@@{self.nonce}:{len(self.prefixes) - 1}@@"

    def call_id(self) -> str:
        return self.new("call")


@dataclass(frozen=True, slots=True)
class Template:
    step: Step  # held so the step's id() (part of the cache key) cannot be reused while this lives
    status: int
    headers: dict[str, str]  # constant headers; the request id goes under `id_header`
    id_header: str | None
    body: bytes  # the rendered body as a %-format: every placeholder is a %s, literal % doubled
    slots: list[int]  # which fresh value fills each %s, in order (-1, the last: created_at)
    prefixes: list[bytes]  # the id prefix of each fresh value
    _pick: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One C-level itemgetter orders [fresh ids..., created_at] into the format's arguments (a 40-event
        # stream has about 44 slots but only 3 distinct values); bytes % then builds the body in one pass.
        pick = operator.itemgetter(*self.slots) if self.slots else lambda _values: ()
        object.__setattr__(self, "_pick", pick)

    def fill(self, ids: IdFactory) -> tuple[bytes, dict[str, str]]:
        """The body and headers with fresh ids and the current time (the hot path of instant replay)."""
        values = ids.many_bytes(self.prefixes)
        values.append(b"%d" % time.time())
        body = self.body % self._pick(values)
        if self.id_header is None:
            return body, self.headers
        return body, {**self.headers, self.id_header: values[0].decode()}


def cacheable(step: Step) -> bool:
    """Plain content steps only: faults, timing, raw events and recorded chunks render as they are."""
    faults = (step.disconnect_after, step.cut_mid_event, step.malformed_at, step.stall_ms)
    return (step.events is None and step.chunks is None and step.http_error is None and not step.reset
            and not step.drop_completed and step.delay_ms == 0 and all(f is None for f in faults))  # fmt: skip


_MAX_TEMPLATES = 256  # codex-sized requests make ~50 KB templates; a varied load must not grow without bound


@dataclass(slots=True)
class TemplateCache:
    _templates: dict[tuple[int, bytes], Template] = field(default_factory=dict)  # by step and shape digest
    _by_raw: dict[tuple[int, bytes], Template] = field(default_factory=dict)  # repeated identical bodies skip _shape
    _seen: dict[tuple[int, bytes], None] = field(default_factory=dict)  # shapes met once: rendered, not built

    def clear(self) -> None:
        self._templates.clear()
        self._by_raw.clear()
        self._seen.clear()

    def get(self, step: Step, raw: bytes) -> Template | None:
        """The template for a body seen before with this step (load tests send one body thousands of times)."""
        return self._by_raw.get((id(step), raw))

    def __len__(self) -> int:
        return len(self._templates)

    def build(self, step: Step, ctx: RequestContext, raw: bytes) -> Template | None:
        """The template for this request's shape, built when the shape comes a second time.

        None the first time: building costs about three renders, so a one-off request (every request of a
        codex session has its own shape) is rendered directly and never fills the cache.
        """
        key = (id(step), hashlib.blake2b(_shape(ctx).encode(), digest_size=16).digest())
        template = self._templates.get(key)
        if template is None:
            if key not in self._seen:
                _put_bounded(self._seen, key, None)
                return None
            del self._seen[key]
            template = _build(step, ctx)
            _put_bounded(self._templates, key, template)
        if len(raw) <= 4096 and len(self._by_raw) < 1024:  # bounded: only small, repeated load-test bodies
            self._by_raw[(id(step), raw)] = template
        return template


def _put_bounded(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _MAX_TEMPLATES:
        del table[next(iter(table))]  # the oldest first
    table[key] = value


def _shape(ctx: RequestContext) -> str:
    # What rendering reads from the request: echoed fields, stream mode, and the size (usage estimate).
    echoed = {k: v for k, v in ctx.body.items() if k not in ("input", "messages", "stream")}
    return json.dumps([echoed, ctx.stream, ctx.body_size // 4, ctx.chunk_size, ctx.api], sort_keys=True, default=str)


def _build(step: Step, ctx: RequestContext) -> Template:
    ids = _PlaceholderIds()
    probe = RequestContext(ctx.body, ctx.body_size, ctx.stream, ctx.chunk_size, ids, ids.created_at, ctx.api)
    plan = RENDERERS.get(ctx.api, render)(step, probe)
    body = plan.body
    prefixes = [p.encode() for p in ids.prefixes]
    parts, slots, last = [], [], 0
    for match in ids.token.finditer(body):
        start, slot = match.start(), -1
        if match.group(1) is not None:  # an id: the slot takes its own prefix (`msg_`), nothing before it
            slot = int(match.group(1))
            start -= len(prefixes[slot]) + 1
            assert body[start : match.start()] == prefixes[slot] + b"_", body[start - 20 : match.end()]
        parts.append(body[last:start].replace(b"%", b"%%"))
        slots.append(slot)
        last = match.end()
    parts.append(body[last:].replace(b"%", b"%%"))
    # Only the request id header carries a placeholder, and it is always the first id minted.
    id_header = next((k for k, v in plan.headers.items() if ids.nonce in v), None)
    assert id_header is None or plan.headers[id_header] == f"{ids.prefixes[0]}_@@{ids.nonce}:0@@", plan.headers
    headers = {k: v for k, v in plan.headers.items() if k != id_header}
    return Template(step, plan.status, headers, id_header, b"%s".join(parts), slots, prefixes)
