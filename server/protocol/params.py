"""Request params for the implemented methods (fields and required-ness checked against the pinned schema)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from .base import WireModel

SandboxMode = Literal["read-only", "workspace-write", "danger-full-access"]


def _wire_policy(value: Any) -> Any:
    """0.163's wire enum has no `on-failure` (config.toml still takes it); refuse it with serde's words."""
    if isinstance(value, str) and value not in ("untrusted", "on-request", "never"):
        expected = "'untrusted', 'on-request', 'granular' or 'never'"
        raise PydanticCustomError("enum", "unknown variant", {"expected": expected})
    return value


ApprovalPolicy = Annotated[Literal["untrusted", "on-request", "never"] | dict[str, Any], BeforeValidator(_wire_policy)]
Reviewer = Literal["user", "auto_review", "guardian_subagent"]


class ClientInfo(WireModel):
    name: str
    title: str | None = None
    version: str


class Capabilities(WireModel):
    experimental_api: bool = False
    opt_out_notification_methods: list[str] | None = None


class InitializeParams(WireModel):
    client_info: ClientInfo
    capabilities: Capabilities | None = None


class UserInput(WireModel):
    type: Literal["text", "image", "localImage", "audio", "localAudio", "skill", "mention"]
    text: str | None = None
    url: str | None = None
    path: str | None = None
    name: str | None = None
    text_elements: list[Any] | None = Field(default=None, alias="text_elements")


class ThreadConfigParams(WireModel):
    """The thread settings common to thread/start, thread/resume and thread/fork."""

    model: str | None = None
    model_provider: str | None = None
    cwd: str | None = None
    approval_policy: ApprovalPolicy | None = None
    approvals_reviewer: Reviewer | None = None
    sandbox: SandboxMode | None = None
    config: dict[str, Any] | None = None
    base_instructions: str | None = None
    developer_instructions: str | None = None
    service_tier: str | None = None
    personality: str | None = None


class ThreadStartParams(ThreadConfigParams):
    ephemeral: bool | None = None
    dynamic_tools: list[dict[str, Any]] | None = None  # experimental
    service_name: str | None = None
    session_start_source: str | None = None
    thread_source: str | None = None


class ThreadResumeParams(ThreadConfigParams):
    thread_id: str
    exclude_turns: bool | None = None


class ThreadForkParams(ThreadConfigParams):
    thread_id: str
    ephemeral: bool | None = None
    exclude_turns: bool | None = None
    last_turn_id: str | None = None
    thread_source: str | None = None


class ThreadListParams(WireModel):
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=0)
    sort_key: Literal["created_at", "updated_at", "recency_at", "section_position"] | None = None
    sort_direction: Literal["asc", "desc"] | None = None
    model_providers: list[str] | None = None
    source_kinds: list[str] | None = None
    archived: bool | None = None
    cwd: str | list[str] | None = None
    search_term: str | None = None


class ThreadIdParams(WireModel):
    thread_id: str


class ThreadReadParams(ThreadIdParams):
    include_turns: bool | None = None


class ThreadSetNameParams(ThreadIdParams):
    name: str


class ThreadRollbackParams(ThreadIdParams):
    """Project extension (not in 0.163's schema): drop the last `num_turns` turns from the thread."""

    num_turns: int = Field(ge=1)


class CursorParams(WireModel):
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=0)


class SandboxPolicyParam(WireModel):
    type: Literal["readOnly", "workspaceWrite", "dangerFullAccess", "externalSandbox"]
    writable_roots: list[str] | None = None
    network_access: bool | None = None
    exclude_tmpdir_env_var: bool | None = None
    exclude_slash_tmp: bool | None = None


class TurnStartParams(WireModel):
    thread_id: str
    input: list[UserInput]
    model: str | None = None
    effort: str | None = None
    summary: str | None = None
    cwd: str | None = None
    approval_policy: ApprovalPolicy | None = None
    approvals_reviewer: Reviewer | None = None
    sandbox_policy: SandboxPolicyParam | None = None
    output_schema: dict[str, Any] | None = None
    service_tier: str | None = None
    personality: str | None = None
    collaboration_mode: dict[str, Any] | None = None


class TurnSteerParams(WireModel):
    thread_id: str
    expected_turn_id: str
    input: list[UserInput]


class TurnInterruptParams(WireModel):
    thread_id: str
    turn_id: str


class ReviewStartParams(WireModel):
    thread_id: str
    target: dict[str, Any]
    delivery: Literal["inline", "detached"] | None = None


class ExecRunParams(WireModel):
    """Project extension from the exec/run change: one ephemeral turn, answered inline."""

    input: list[UserInput]
    model: str | None = None
    model_provider: str | None = None
    cwd: str | None = None
    effort: str | None = None
    summary: str | None = None
    collaboration_mode: dict[str, Any] | None = None
    personality: str | None = None
    config: dict[str, Any] | None = None
    base_instructions: str | None = None
    developer_instructions: str | None = None
    output_schema: dict[str, Any] | None = None


class ModelListParams(CursorParams):
    include_hidden: bool | None = None


class ConfigReadParams(WireModel):
    cwd: str | None = None
    include_layers: bool | None = None


class ConfigValueWriteParams(WireModel):
    key_path: str
    value: Any
    merge_strategy: Literal["replace", "upsert"]
    file_path: str | None = None
    expected_version: str | None = None


class ConfigEdit(WireModel):
    key_path: str
    value: Any
    merge_strategy: Literal["replace", "upsert"]


class ConfigBatchWriteParams(WireModel):
    edits: list[ConfigEdit]
    file_path: str | None = None
    expected_version: str | None = None
    reload_user_config: bool | None = None


class CommandExecParams(WireModel):
    command: list[str]
    cwd: str | None = None
    env: dict[str, str | None] | None = None
    process_id: str | None = None
    sandbox_policy: SandboxPolicyParam | None = None
    timeout_ms: int | None = None
    disable_timeout: bool | None = None
    tty: bool | None = None
    stream_stdin: bool | None = None
    stream_stdout_stderr: bool | None = None
    output_bytes_cap: int | None = None
    disable_output_cap: bool | None = None
    size: dict[str, int] | None = None


class CommandExecWriteParams(WireModel):
    process_id: str
    delta_base64: str | None = None
    close_stdin: bool | None = None


class ProcessIdParams(WireModel):
    process_id: str


class CommandExecResizeParams(ProcessIdParams):
    size: dict[str, int]


class EmptyParams(WireModel):
    pass


# --- issue 13: the rest of 0.163's methods (required fields as the pinned schema has them) ---


class CwdsParams(WireModel):
    cwds: list[str] | None = None
    force_reload: bool | None = None


class SkillsExtraRootsParams(WireModel):
    extra_roots: list[str]


class SkillsConfigWriteParams(WireModel):
    enabled: bool
    name: str | None = None
    path: str | None = None


class MarketplaceAddParams(WireModel):
    source: str
    ref_name: str | None = None
    sparse_paths: list[str] | None = None


class MarketplaceRemoveParams(WireModel):
    marketplace_name: str


class PluginReadParams(WireModel):
    plugin_name: str
    marketplace_path: str | None = None
    remote_marketplace_name: str | None = None


class PluginSkillReadParams(WireModel):
    remote_marketplace_name: str
    remote_plugin_id: str
    skill_name: str


class PluginShareSaveParams(WireModel):
    plugin_path: str


class RemotePluginParams(WireModel):
    remote_plugin_id: str


class PluginShareTargetsParams(RemotePluginParams):
    discoverability: Literal["UNLISTED", "PRIVATE", "LISTED"]
    share_targets: list[Any]


class PluginUninstallParams(WireModel):
    plugin_id: str


class AppsReadParams(WireModel):
    app_ids: list[str]


class FsPathParams(WireModel):
    path: str


class FsWriteFileParams(FsPathParams):
    data_base64: str


class FsCreateDirectoryParams(FsPathParams):
    recursive: bool | None = None


class FsRemoveParams(FsPathParams):
    recursive: bool | None = None
    force: bool | None = None


class FsCopyParams(WireModel):
    source_path: str
    destination_path: str
    recursive: bool | None = None


class FsWatchParams(FsPathParams):
    watch_id: str


class FsUnwatchParams(WireModel):
    watch_id: str


class EnablementParams(WireModel):
    enablement: dict[str, bool]


class NameParams(WireModel):
    name: str


class McpResourceReadParams(WireModel):
    server: str
    uri: str
    thread_id: str | None = None


class McpToolCallParams(WireModel):
    server: str
    thread_id: str
    tool: str
    arguments: Any = None


class WindowsSandboxSetupParams(WireModel):
    mode: Literal["elevated", "unelevated"]
    cwd: str | None = None


class LoginParams(WireModel):
    type: Literal["apiKey", "chatgpt", "chatgptDeviceCode", "chatgptAuthTokens"]
    api_key: str | None = None


class LoginCancelParams(WireModel):
    login_id: str


class IdempotencyParams(WireModel):
    idempotency_key: str


class CreditsNudgeParams(WireModel):
    credit_type: Literal["credits", "usage_limit"]


class FeedbackParams(WireModel):
    classification: str


class ImportParams(WireModel):
    migration_items: list[Any]


class ImportHistoryParams(WireModel):
    item_type_results: list[Any]
    provider_id: str


class AccountReadParams(WireModel):
    refresh_token: bool | None = None


class FuzzySearchParams(WireModel):
    query: str
    roots: list[str]
    cancellation_token: str | None = None


class FuzzySessionParams(WireModel):
    session_id: str
    roots: list[str] | None = None
    query: str | None = None


class ThreadGoalSetParams(WireModel):
    thread_id: str
    objective: str | None = None
    status: str | None = None
    token_budget: int | None = None


class ThreadMetadataParams(WireModel):
    thread_id: str
    git_info: dict[str, Any] | None = None


class AttachmentKeyParams(WireModel):
    thread_id: str
    attachment_type: str
    identity_key: str


class AttachmentAddParams(AttachmentKeyParams):
    payload: Any


class AttachmentOwnerParams(WireModel):
    attachment_type: str
    identity_key: str
    cursor: str | None = None
    limit: int | None = None


class ThreadCursorParams(WireModel):
    thread_id: str
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=0)
    sort_direction: Literal["asc", "desc"] | None = None
    items_view: str | None = None
    turn_id: str | None = None


class SectionMoveParams(WireModel):
    thread_id: str
    section_id: str | None


class SectionCreateParams(WireModel):
    name: str
    appearance: Any = None


class SectionUpdateParams(SectionCreateParams):
    section_id: str


class SectionIdParams(WireModel):
    section_id: str


class InjectItemsParams(WireModel):
    thread_id: str
    items: list[Any]


class ShellCommandParams(WireModel):
    thread_id: str
    command: str


class GuardianParams(WireModel):
    thread_id: str
    event: Any  # checked by the handler: codex refuses a bad event with its own message


class RevertParams(WireModel):
    thread_id: str
    before_turn_id: str
