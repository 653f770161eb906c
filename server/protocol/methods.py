"""The one method table: every client request the server knows, its params model and handler.

The dispatcher, the schema check and the docs all read this table; nothing else branches on
method names. `handler` names a coroutine in `server.handlers` (module.function).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from server.handlers import tui

from . import params as p
from .base import WireModel


@dataclass(frozen=True, slots=True)
class MethodSpec:
    params: type[WireModel] | None  # None: the method takes no params
    handler: str
    thread_scoped: bool = False  # requests for one thread run in arrival order
    experimental: bool = False


# What codex's TUI asks beyond the above (server/handlers/tui.py).
TUI_METHODS = {
    "account/read": MethodSpec(tui.AccountReadParams, "tui.account_read"),
    "hooks/list": MethodSpec(tui.CwdsParams, "tui.hooks_list"),
    "account/bedrock/checkGovCloudRequirements": MethodSpec(p.EmptyParams, "tui.govcloud"),
    "collaborationMode/list": MethodSpec(p.EmptyParams, "tui.collaboration_modes"),
    "configRequirements/read": MethodSpec(None, "tui.config_requirements"),  # codex: absent or null params
    "skills/list": MethodSpec(tui.SkillsListParams, "tui.skills_list"),
    "plugin/list": MethodSpec(tui.PluginListParams, "tui.plugin_list"),
    "thread/turns/list": MethodSpec(tui.TurnsListParams, "tui.turns_list", True),
}

METHODS = MappingProxyType(
    {
        "initialize": MethodSpec(p.InitializeParams, "session.initialize"),
        "thread/start": MethodSpec(p.ThreadStartParams, "thread.start"),
        "thread/resume": MethodSpec(p.ThreadResumeParams, "thread.resume", True),
        "thread/fork": MethodSpec(p.ThreadForkParams, "thread.fork", True),
        "thread/list": MethodSpec(p.ThreadListParams, "thread.list_threads"),
        "thread/read": MethodSpec(p.ThreadReadParams, "thread.read", True),
        "thread/archive": MethodSpec(p.ThreadIdParams, "thread.archive", True),
        "thread/unarchive": MethodSpec(p.ThreadIdParams, "thread.unarchive", True),
        "thread/name/set": MethodSpec(p.ThreadSetNameParams, "thread.set_name", True),
        "thread/loaded/list": MethodSpec(p.CursorParams, "thread.loaded_list"),
        "thread/unsubscribe": MethodSpec(p.ThreadIdParams, "thread.unsubscribe", True),
        "thread/rollback": MethodSpec(p.ThreadRollbackParams, "thread.rollback", True),
        "thread/compact/start": MethodSpec(p.ThreadIdParams, "thread.compact", True),
        "turn/start": MethodSpec(p.TurnStartParams, "turn.start", True),
        "turn/steer": MethodSpec(p.TurnSteerParams, "turn.steer", True),
        "turn/interrupt": MethodSpec(p.TurnInterruptParams, "turn.interrupt", True),
        "review/start": MethodSpec(p.ReviewStartParams, "turn.review", True),
        "exec/run": MethodSpec(p.ExecRunParams, "exec_run.run"),
        "model/list": MethodSpec(p.ModelListParams, "config.model_list"),
        "config/read": MethodSpec(p.ConfigReadParams, "config.read"),
        "config/value/write": MethodSpec(p.ConfigValueWriteParams, "config.value_write"),
        "config/batchWrite": MethodSpec(p.ConfigBatchWriteParams, "config.batch_write"),
        "command/exec": MethodSpec(p.CommandExecParams, "command.run"),
        "command/exec/write": MethodSpec(p.CommandExecWriteParams, "command.write"),
        "command/exec/terminate": MethodSpec(p.ProcessIdParams, "command.terminate"),
        "command/exec/resize": MethodSpec(p.CommandExecResizeParams, "command.resize"),
        **TUI_METHODS,
    }
)

# Client notifications we accept (anything else is logged and dropped, as the real server does).
CLIENT_NOTIFICATIONS = frozenset({"initialized"})

# codex 0.163's full request list, for the "unknown variant" message; ours are appended.
UPSTREAM_METHODS = (
    "initialize thread/start thread/resume thread/fork thread/archive thread/delete thread/unsubscribe "
    "thread/name/set thread/goal/set thread/goal/get thread/goal/clear thread/metadata/update thread/unarchive "
    "thread/compact/start thread/shellCommand thread/revert thread/list thread/loaded/list thread/read "
    "thread/turns/list thread/items/list skills/list plugin/list app/list fs/readFile fs/writeFile "
    "turn/start turn/steer turn/interrupt review/start model/list account/login/start account/login/cancel "
    "account/logout account/rateLimits/read account/read feedback/upload command/exec command/exec/write "
    "command/exec/terminate command/exec/resize config/read config/value/write config/batchWrite "
    "configRequirements/read fuzzyFileSearch"
).split()
ALL_METHODS = tuple(dict.fromkeys([*UPSTREAM_METHODS, *METHODS]))
