"""The tool definitions offered to the model: codex 0.163's names and parameter schemas, our own words.

Names and schemas are the contract models are trained on, so they match codex exactly; descriptions
are ours. The list is the one 0.163 sends (the subset we implement), measured against the real CLI:
unified exec whatever the catalog's `shell_type` says, `request_user_input` always, and no
`update_plan` or `shell_command` (calls to names not offered come back `unsupported call: <name>`);
view_image takes `detail` only for a catalog entry with `supports_image_detail_original: true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.config import ModelInfo

Tool = dict[str, Any]

# Lark grammar for the freeform apply_patch tool (the model's output is constrained to it).
APPLY_PATCH_GRAMMAR = r"""start: begin hunk+ end
begin: "*** Begin Patch" LF
end: "*** End Patch" LF?

hunk: add | delete | update
add: "*** Add File: " path LF added+
delete: "*** Delete File: " path LF
update: "*** Update File: " path LF move? section?

path: /(.+)/
added: "+" /(.*)/ LF -> line

move: "*** Move to: " path LF
section: (marker | changed)+ eof?
marker: ("@@" | "@@ " /(.+)/) LF
changed: ("+" | "-" | " ") /(.*)/ LF
eof: "*** End of File" LF

%import common.LF
"""


def _function(name: str, description: str, properties: dict[str, Any], required: list[str]) -> Tool:
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    return {"type": "function", "name": name, "description": description, "strict": False, "parameters": schema}


def _s(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _n(description: str) -> dict[str, Any]:
    return {"type": "number", "description": description}


def _b(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


EXEC_COMMAND = _function(
    "exec_command",
    "Run a shell command, optionally in a PTY. Returns its output, or a session id to poll with write_stdin "
    "when it is still running after yield_time_ms.",
    {
        "cmd": _s("The shell command to run."),
        "justification": _s("Why the command needs to run outside the sandbox (only with require_escalated)."),
        "login": _b("Run the shell as a login shell (default true)."),
        "max_output_tokens": _n("Most output tokens to return (default 10000)."),
        "prefix_rule": {
            "type": "array",
            "description": "A command prefix to approve for later runs.",
            "items": {"type": "string"},
        },
        "sandbox_permissions": _s("Sandbox override for this command.", enum=["use_default", "require_escalated"]),
        "shell": _s("The shell binary (default: the user's shell)."),
        "tty": _b("Allocate a PTY (default false)."),
        "workdir": _s("Working directory (default: the turn's cwd)."),
        "yield_time_ms": _n("How long to wait for the command before returning (default 10000, 250-30000)."),
    },
    ["cmd"],
)
WRITE_STDIN = _function(
    "write_stdin",
    "Type characters into a running exec_command session and return its recent output; empty chars just polls.",
    {
        "chars": _s("Characters to write (may be empty)."),
        "max_output_tokens": _n("Most output tokens to return (default 10000)."),
        "session_id": _n("The session id exec_command returned."),
        "yield_time_ms": _n("How long to wait for output before returning."),
    },
    ["session_id"],
)
APPLY_PATCH_FREEFORM: Tool = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Edit files with a patch in the apply_patch format. This is a freeform tool: send the patch "
    "itself, not JSON.",
    "format": {"type": "grammar", "syntax": "lark", "definition": APPLY_PATCH_GRAMMAR},
}
APPLY_PATCH_FUNCTION = _function(
    "apply_patch",
    "Edit files with a patch in the apply_patch format (*** Begin Patch ... *** End Patch).",
    {"input": _s("The whole patch.")},
    ["input"],
)
_OPTION = {
    "type": "object",
    "properties": {"description": _s("One sentence on what choosing it means."), "label": _s("Short label.")},
    "required": ["label", "description"],
    "additionalProperties": False,
}
_QUESTION = {
    "type": "object",
    "properties": {
        "header": _s("A short header (12 characters or fewer)."),
        "id": _s("A stable snake_case id for the answer."),
        "options": {"type": "array", "description": "Two or three exclusive choices.", "items": _OPTION},
        "question": _s("The question, in one sentence."),
    },
    "required": ["id", "header", "question", "options"],
    "additionalProperties": False,
}
REQUEST_USER_INPUT = _function(
    "request_user_input",
    "Ask the user one to three short questions and wait for the answers.",
    {"questions": {"type": "array", "description": "The questions (prefer one).", "items": _QUESTION}},
    ["questions"],
)
_IMAGE_PATH = _s("Path to the image file.")
VIEW_IMAGE = _function("view_image", "Look at a local image file.", {"path": _IMAGE_PATH}, ["path"])
# Offered only when the catalog entry says `supports_image_detail_original` (as codex 0.163 does).
VIEW_IMAGE_DETAIL = _function(
    "view_image",
    "Look at a local image file.",
    {"detail": _s("Detail level.", enum=["high", "original"]),
     "path": _IMAGE_PATH},
    ["path"],
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ToolChoice:
    shell_type: str = "unified_exec"  # from the model catalog; only `disabled` changes what 0.163 offers
    apply_patch: str | None = "freeform"  # freeform | function | None
    image_detail: bool = False  # the catalog's `supports_image_detail_original`: view_image takes `detail`

    @classmethod
    def for_model(cls, info: ModelInfo | None) -> ToolChoice:
        """What codex offers for this catalog entry; a model not in the catalog gets codex's fallback."""
        if info is None:
            return cls()
        return cls(info.shell_type, info.apply_patch_tool_type, info.supports_image_detail_original)


def tools_for(choice: ToolChoice) -> list[Tool]:
    """The tool list for one request, in codex's order."""
    tools: list[Tool] = [] if choice.shell_type == "disabled" else [EXEC_COMMAND, WRITE_STDIN]
    tools.append(REQUEST_USER_INPUT)
    if choice.apply_patch == "freeform":
        tools.append(APPLY_PATCH_FREEFORM)
    elif choice.apply_patch == "function":
        tools.append(APPLY_PATCH_FUNCTION)
    tools.append(VIEW_IMAGE_DETAIL if choice.image_detail else VIEW_IMAGE)
    return tools
