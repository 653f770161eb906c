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
