"""Script steps: what each request to `/v1/responses` is answered with.

A script file (JSON or YAML) is `{"responses": [STEP, ...], "loop": false}`. Steps are validated
once, at load, into the models below, so a typo fails with the step number and field instead of
surfacing as a strange stream later.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ScriptError(ValueError):
    """A script (file or admin payload) that cannot be used; the message says where and why."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FunctionCall(_Spec):
    name: str
    # Responses API only: the namespace tool the function belongs to (codex offers each MCP server as one,
    # `mcp__<server>`, and its model calls `{"namespace": "mcp__probe", "name": "echo"}`).
    namespace: str | None = None
    arguments: dict[str, Any] | list[Any] | str = "{}"
    call_id: str | None = None
    id: str | None = None

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


class CustomToolCall(_Spec):
    name: str
    input: str
    call_id: str | None = None
    id: str | None = None


class HttpError(_Spec):
    status: int = Field(ge=400, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class Failed(_Spec):
    code: str = "server_error"
    message: str = "The server had an error while processing your request."


class Incomplete(_Spec):
    reason: str = "max_output_tokens"


class OutputItem(_Spec):
    """One element of `output`: exactly one of the item kinds."""

    text: str | None = None
    reasoning: str | None = None
    encrypted_content: str | None = None
    function_call: FunctionCall | None = None
    custom_tool_call: CustomToolCall | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> OutputItem:
        kinds = [k for k in ("text", "reasoning", "function_call", "custom_tool_call") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "an output item needs exactly one of text, reasoning, function_call, custom_tool_call; "
                f"got {kinds or 'none'}"
            )
        return self


class When(_Spec):
    """Conversation-state conditions for routing a step, read in each API's own terms."""

    turn: int | None = Field(default=None, ge=1)  # how many user messages (not tool results) the request holds
    tool_result: bool | str | None = None  # true/false: some tool result present or not; a string: that call id's
    tools: list[str] | None = None  # every one of these tool names is offered

    def holds(self, conv: Conversation) -> bool:
        if self.turn is not None and conv.turn != self.turn:
            return False
        if isinstance(self.tool_result, bool) and bool(conv.tool_results) != self.tool_result:
            return False
        if isinstance(self.tool_result, str) and self.tool_result not in conv.tool_results:
            return False
        return self.tools is None or set(self.tools) <= set(conv.tool_names)


@dataclass(frozen=True, slots=True)
class Conversation:
    """What routing reads from a request, extracted by the request's API (see mockprovider/apis)."""

    user_text: str = ""
    turn: int = 0
    tool_results: tuple[str, ...] = ()  # call ids of the tool results the request carries
    tool_names: tuple[str, ...] = ()


class TimedChunk(_Spec):
    """A recorded piece of a response body and when it arrived (ms after the headers)."""

    data: str
    offset_ms: float = 0.0


_BODY_KINDS = ("content", "events", "http_error", "reset", "chunks")


class Step(_Spec):
    """One scripted answer. Content keys build a realistic stream; the rest are exact control or faults."""

    # content (combined into one response, in this order: reasoning, text, calls, then `output`)
    text: str | None = None
    reasoning: str | None = None
    encrypted_content: str | None = None
    function_call: FunctionCall | None = None
    custom_tool_call: CustomToolCall | None = None
    output: list[OutputItem] | None = None
    failed: Failed | None = None
    incomplete: Incomplete | None = None
    # exact control
    events: list[dict[str, Any]] | None = None
    chunks: list[TimedChunk] | None = None
    status: int = 200
    http_error: HttpError | None = None
    reset: bool = False
    # shaping
    id: str | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    end_turn: bool | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    chunk_size: int | None = Field(default=None, ge=1)
    delay_ms: float = Field(default=0.0, ge=0)
    # faults
    disconnect_after: int | None = Field(default=None, ge=0)
    cut_mid_event: int | None = Field(default=None, ge=0)
    malformed_at: int | None = Field(default=None, ge=0)
    stall_ms: float | None = Field(default=None, ge=0)
    stall_after: int = Field(default=1, ge=0)
    drop_completed: bool = False
    # routing: a regular expression searched in the request's last user message. Such a step answers
    # the first request it matches, whenever that comes; steps without it answer in order.
    match: str | None = None
    # routing by conversation state (turn index, tool results, tools offered); combines with `match`
    when: When | None = None
    # bookkeeping
    label: str | None = None

    @field_validator("match")
    @classmethod
    def _valid_pattern(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _one_body(self) -> Step:
        present = [k for k in _BODY_KINDS if self._has(k)]
        if len(present) > 1:
            raise ValueError(f"a step takes one of {', '.join(_BODY_KINDS)}; got {', '.join(present)}")
        if not present and self.failed is None and self.incomplete is None:
            raise ValueError(
                "empty step: give text, reasoning, function_call, custom_tool_call, output, events, "
                "chunks, http_error, failed, incomplete or reset"
            )
        return self

    def _has(self, kind: str) -> bool:
        if kind == "content":
            keys = ("text", "reasoning", "function_call", "custom_tool_call", "output")
            return any(getattr(self, k) is not None for k in keys)
        if kind == "reset":
            return self.reset
        return getattr(self, kind) is not None

    @property
    def routed(self) -> bool:
        return self.match is not None or self.when is not None

    def accepts(self, conv: Conversation) -> bool:
        if self.match is not None and not re.search(self.match, conv.user_text):
            return False
        return self.when is None or self.when.holds(conv)


StepLike = Step | dict[str, Any]


def last_user_text(body: Any) -> str:
    """The text of the request's last user message (what a `match` step is matched against)."""
    items = body.get("input") if isinstance(body, dict) else None
    if isinstance(items, str):
        return items
    for item in reversed(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, str):
                return content
            parts = content if isinstance(content, list) else []
            return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    return ""


def parse_step(raw: StepLike, where: str = "step") -> Step:
    """Validate one step, turning pydantic's report into one readable line per problem."""
    if isinstance(raw, Step):
        return raw
    try:
        return Step.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'step'}: {e['msg']}" for e in exc.errors())
        raise ScriptError(f"{where}: {problems}") from None


def parse_steps(raw: Any, where: str) -> list[Step]:
    if not isinstance(raw, list):
        raise ScriptError(f"{where}: `responses` must be a list of steps")
    return [parse_step(s, f"{where}: responses[{i}]") for i, s in enumerate(raw)]


@dataclass(slots=True)
class Script:
    """The queue of steps: each request takes the first unused `match` step it matches, else the next
    step in order (starting over when `loop` is set; in a loop, `match` steps are never used up)."""

    steps: list[Step] = field(default_factory=list)
    loop: bool = False
    cursor: int = 0
    used: set[int] = field(default_factory=set)  # `match` steps already taken
    matchers: list[int] = field(default_factory=list)  # indices of `match` steps, so plain scripts skip routing

    def __post_init__(self) -> None:
        self.matchers = [i for i, step in enumerate(self.steps) if step.routed]

    def take(self, conv: Conversation | str | None = None) -> tuple[int, Step] | None:
        """The step for a request; `conv` (its conversation state, or just its last user text) is needed only
        when the script has routed steps, so plain scripts never pay for extracting it."""
        if self.matchers:
            routed = self._take_routed(conv if isinstance(conv, Conversation) else Conversation(user_text=conv or ""))
            if routed is not None:
                return routed
        for _ in range(2):  # the second pass is the loop starting over
            while self.cursor < len(self.steps):
                index = self.cursor
                self.cursor += 1
                if not self.steps[index].routed:
                    return index, self.steps[index]
            if not self.loop:
                return None
            self.cursor = 0
        return None

    def _take_routed(self, conv: Conversation) -> tuple[int, Step] | None:
        for index in self.matchers:
            step = self.steps[index]
            if index not in self.used and step.accepts(conv):
                if not self.loop:
                    self.used.add(index)
                return index, step
        return None

    def pending(self) -> list[int]:
        """Indices of steps no request has taken yet."""
        ordered = [i for i in range(self.cursor, len(self.steps)) if not self.steps[i].routed]
        matched = [i for i in self.matchers if i not in self.used]
        return sorted(ordered + matched)

    @property
    def remaining(self) -> int:
        return len(self.pending())

    def append(self, steps: list[Step]) -> None:
        self.steps.extend(steps)
        self.__post_init__()

    def replace(self, steps: list[Step], loop: bool | None = None) -> None:
        self.steps, self.cursor, self.used = list(steps), 0, set()
        self.__post_init__()
        if loop is not None:
            self.loop = loop

    def rewind(self) -> None:
        self.cursor, self.used = 0, set()

    @classmethod
    def from_mapping(cls, raw: Any, where: str = "script") -> Script:
        if isinstance(raw, list):
            raw = {"responses": raw}
        if not isinstance(raw, dict):
            raise ScriptError(f"{where}: expected an object with `responses`, got {type(raw).__name__}")
        unknown = set(raw) - {"responses", "loop"}
        if unknown:
            raise ScriptError(f"{where}: unknown keys {sorted(unknown)} (expected `responses`, `loop`)")
        return cls(parse_steps(raw.get("responses", []), where), loop=bool(raw.get("loop", False)))

    @classmethod
    def load(cls, path: str | Path) -> Script:
        """Load a JSON or YAML script file (YAML is a superset of JSON, so one parser reads both)."""
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ScriptError(f"{path}: cannot read script: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ScriptError(f"{path}: not valid JSON or YAML: {exc}") from None
        return cls.from_mapping(raw, str(path))
