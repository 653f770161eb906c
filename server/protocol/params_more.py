"""Params of the methods added for issue 13 (required fields as the pinned schema has them). A module of its
own, imported on the first such request: building some 60 models costs start-up ~40 ms it need not pay."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import WireModel
from .params import CursorParams as CursorParams


class HooksListParams(WireModel):
    cwds: list[str] | None = None


class CwdsParams(HooksListParams):
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


class McpStatusListParams(WireModel):
    cursor: str | None = None
    limit: int | None = None
    detail: Literal["full", "toolsAndAuthOnly"] | None = None
    server_name: str | None = None
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


class AttachmentListParams(WireModel):
    thread_id: str
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=0)


class ThreadPageParams(AttachmentListParams):
    sort_direction: Literal["asc", "desc"] | None = None


class TurnsListParams(ThreadPageParams):
    items_view: str | None = None


class ItemsListParams(ThreadPageParams):
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
