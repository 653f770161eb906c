"""Pre-rendered responses for instant replay: render a step once, fill in fresh ids per request.

Rendering a realistic stream (about 40 events, the Response object repeated three times) costs far
more than sending it. At speed 0 a step renders once per distinct request shape into a template whose
ids and timestamp are placeholders; each request only joins the template's segments around fresh
values, so every response still carries its own `resp_`/`msg_`/... ids.
"""

from __future__ import annotations

import json
import operator
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .ids import IdFactory
from .plan import Chunk, Plan
from .render import RequestContext, render
from .script import Step

_TOKEN = re.compile(rb'(?:[a-z]+_)?@@(\d+)@@|(?<="created_at":)1111111111')
_CREATED = b"1111111111"  # the placeholder created_at, replaced by the current time


class _PlaceholderIds(IdFactory):
    """Ids that are recognisable tokens, so a rendered stream can be re-filled per request."""

    def __init__(self) -> None:
        super().__init__(0)
        self.prefixes: list[str] = []

    def new(self, prefix: str) -> str:
        self.prefixes.append(prefix)
        return f"{prefix}_@@{len(self.prefixes) - 1}@@"

    def call_id(self) -> str:
        return self.new("call")


@dataclass(frozen=True, slots=True)
class Template:
    status: int
    headers: dict[str, str]
    parts: list[bytes]  # literal bytes between slots
    slots: list[int]  # which placeholder fills each gap (-1: created_at)
    prefixes: list[str]
    _pick: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The body is parts and fresh values interleaved; one C-level itemgetter over [parts..., values...,
        # created_at] assembles it (a 40-event stream has about 44 slots).
        order = [0]
        for i, slot in enumerate(self.slots, start=1):
            order += (len(self.parts) + (slot if slot >= 0 else len(self.prefixes)), i)
        object.__setattr__(self, "_pick", operator.itemgetter(*order) if len(order) > 1 else None)

    def fill(self, ids: IdFactory) -> Plan:
        values = [ids.new(p) if p != "call" else ids.call_id() for p in self.prefixes]
        table = [*self.parts, *(v.encode() for v in values), str(int(time.time())).encode()]
        body = b"".join(self._pick(table)) if self._pick is not None else self.parts[0]
        headers = {k: (values[int(v[2:-2])] if v.startswith("@@") else v) for k, v in self.headers.items()}
        return Plan(self.status, headers, [Chunk(body)])


def cacheable(step: Step) -> bool:
    """Plain content steps only: faults, timing, raw events and recorded chunks render as they are."""
    faults = (step.disconnect_after, step.cut_mid_event, step.malformed_at, step.stall_ms)
    return (step.events is None and step.chunks is None and step.http_error is None and not step.reset
            and not step.drop_completed and step.delay_ms == 0 and all(f is None for f in faults))  # fmt: skip


@dataclass(slots=True)
class TemplateCache:
    _templates: dict[tuple[int, str], Template] = field(default_factory=dict)
    _by_raw: dict[tuple[int, bytes], Template] = field(default_factory=dict)  # repeated identical bodies skip _shape

    def clear(self) -> None:
        self._templates.clear()
        self._by_raw.clear()

    def plan(self, step: Step, ctx: RequestContext, ids: IdFactory, raw: bytes) -> Plan:
        template = self._by_raw.get((id(step), raw))
        if template is None:
            key = (id(step), _shape(ctx))
            template = self._templates.get(key) or self._templates.setdefault(key, _build(step, ctx))
            if len(raw) <= 4096 and len(self._by_raw) < 1024:  # bounded: only small, repeated load-test bodies
                self._by_raw[(id(step), raw)] = template
        return template.fill(ids)


def _shape(ctx: RequestContext) -> str:
    # What rendering reads from the request: echoed fields, stream mode, and the size (usage estimate).
    echoed = {k: v for k, v in ctx.body.items() if k not in ("input", "stream")}
    return json.dumps([echoed, ctx.stream, ctx.body_size // 4, ctx.chunk_size], sort_keys=True, default=str)


def _build(step: Step, ctx: RequestContext) -> Template:
    ids = _PlaceholderIds()
    probe = RequestContext(ctx.body, ctx.body_size, ctx.stream, ctx.chunk_size, ids, created_at=int(_CREATED))
    plan = render(step, probe)
    body = plan.body
    parts, slots, last = [], [], 0
    for match in _TOKEN.finditer(body):
        parts.append(body[last : match.start()])
        slots.append(int(match.group(1)) if match.group(1) is not None else -1)
        last = match.end()
    parts.append(body[last:])
    headers: dict[str, Any] = {k: (f"@@{v.split('@@')[1]}@@" if "@@" in v else v) for k, v in plan.headers.items()}
    return Template(plan.status, headers, parts, slots, ids.prefixes)
