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

# codex 0.163's full request list (175 names, in its order, as its "unknown variant" error lists them,
# hidden and internal ones included); ours that codex lacks are appended.
UPSTREAM_METHODS = (
    "initialize server/diagnostics userVerification/status userVerification/enroll userVerification/delete "
    "userVerification/verify userVerification/cancel thread/start thread/resume thread/fork thread/archive "
    "thread/delete thread/unsubscribe thread/increment_elicitation thread/decrement_elicitation thread/name/set "
    "thread/prediction/request thread/goal/set thread/goal/get thread/goal/clear thread/queue/add thread/queue/list "
    "thread/queue/update thread/queue/delete thread/queue/reorder thread/queue/start thread/metadata/update "
    "thread/attachment/add thread/attachment/list thread/attachmentOwner/list thread/attachment/remove "
    "thread/section/move thread/settings/update thread/memoryMode/set memory/status memory/reset rollout/compress "
    "thread/unarchive thread/compact/start thread/shellCommand thread/approveGuardianDeniedAction "
    "thread/backgroundTerminals/clean thread/backgroundTerminals/list thread/backgroundTerminals/terminate "
    "thread/revert thread/list project/list project/read project/create project/import project/update project/move "
    "project/delete threadSection/list threadSection/create threadSection/update threadSection/delete thread/search "
    "thread/searchOccurrences thread/loaded/list thread/read thread/readState/update thread/turns/list "
    "thread/items/list thread/items/read thread/inject_items skills/list skills/extraRoots/set hooks/list "
    "marketplace/add marketplace/remove marketplace/upgrade plugin/list plugin/search plugin/installed "
    "plugin/reconcile plugin/read plugin/skill/read plugin/share/save plugin/share/updateTargets plugin/share/list "
    "plugin/share/checkout plugin/share/delete app/read app/list app/installed fs/readFile fs/writeFile "
    "fs/createDirectory fs/getMetadata fs/readDirectory fs/remove fs/copy fs/watch fs/unwatch skills/config/write "
    "plugin/install plugin/uninstall turn/start turn/settings/update turn/steer turn/interrupt thread/realtime/start "
    "thread/realtime/appendAudio thread/realtime/appendText thread/realtime/appendSpeech thread/realtime/stop "
    "thread/timeline/list thread/realtime/listVoices review/start model/list account/gatewayOAuth/read "
    "account/gatewayOAuth/login account/gatewayOAuth/cancel modelProvider/capabilities/read experimentalFeature/list "
    "permissionProfile/list experimentalFeature/enablement/set remoteControl/enable remoteControl/disable "
    "remoteControl/status/read remoteControl/pairing/start remoteControl/pairing/status remoteControl/client/list "
    "remoteControl/client/revoke collaborationMode/list mock/experimentalMethod environment/add environment/info "
    "environment/status mcpServer/oauth/login config/mcpServer/reload mcpServerStatus/list mcpServer/resource/read "
    "mcpServer/event/stream/start mcpServer/event/stream/stop mcpServer/tool/call windowsSandbox/setupStart "
    "windowsSandbox/readiness account/login/start account/bedrock/discover account/bedrock/setup "
    "account/bedrock/checkGovCloudRequirements account/login/cancel account/logout account/rateLimits/read "
    "account/rateLimitResetCredit/consume account/usage/read account/workspaceMessages/read "
    "account/sendAddCreditsNudgeEmail feedback/upload command/exec command/exec/write command/exec/terminate "
    "command/exec/resize process/spawn process/writeStdin process/kill process/resizePty config/read "
    "externalAgentConfig/detect externalAgentConfig/import externalAgentConfig/import/recordHistory "
    "externalAgentConfig/import/readHistories config/value/write config/batchWrite configRequirements/read "
    "account/read getConversationSummary gitDiffToRemote getAuthStatus fuzzyFileSearch fuzzyFileSearch/sessionStart "
    "fuzzyFileSearch/sessionUpdate fuzzyFileSearch/sessionStop "
).split()
ALL_METHODS = tuple(dict.fromkeys([*UPSTREAM_METHODS, *METHODS]))
