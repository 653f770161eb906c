"""marketplace/*, plugin/* and app/*: no marketplace is configured and the remote catalog needs a ChatGPT
login, so lists are empty and remote calls are refused with codex 0.163's messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from server.errors import InvalidRequest
from server.protocol.params_more import (
    AppsReadParams,
    MarketplaceAddParams,
    MarketplaceRemoveParams,
    PluginReadParams,
    PluginShareSaveParams,
    PluginShareTargetsParams,
    PluginSkillReadParams,
    PluginUninstallParams,
    RemotePluginParams,
)
from server.state import Ctx

_REMOTE = "chatgpt authentication required for remote plugin catalog"
_OWNER_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def _remote_refusal(action: str) -> InvalidRequest:
    return InvalidRequest(f"{action}: {_REMOTE}")


async def marketplace_add(ctx: Ctx, params: MarketplaceAddParams) -> dict[str, Any]:
    _check_source(params.source)
    return {}


def _check_source(source: str) -> None:
    if _OWNER_REPO.match(source) or "://" in source or source.startswith("git@"):
        raise InvalidRequest(f"failed to fetch marketplace `{source}`: this server does not fetch from the network")
    if not Path(source).expanduser().is_absolute() or not Path(source).expanduser().exists():
        raise InvalidRequest(
            "invalid marketplace source format; expected owner/repo, a git URL, or a local marketplace path"
        )
    raise InvalidRequest(f"marketplace file `{source}` does not exist")


async def marketplace_remove(ctx: Ctx, params: MarketplaceRemoveParams) -> dict[str, Any]:
    raise InvalidRequest(f"marketplace `{params.marketplace_name}` is not configured or installed")


async def marketplace_upgrade(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"selectedMarketplaces": [], "upgradedRoots": [], "errors": []}


async def plugin_list(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"marketplaces": [], "marketplaceLoadErrors": [], "featuredPluginIds": []}


async def plugin_installed(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"marketplaces": [], "marketplaceLoadErrors": []}


async def plugin_reconcile(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"changedPlugins": [], "failedRemotePluginIds": [], "failedMaterializationRemotePluginIds": []}


def _local_marketplace(method: str, params: PluginReadParams) -> None:
    if (params.marketplace_path is None) == (params.remote_marketplace_name is None):
        raise InvalidRequest(f"{method} requires exactly one of marketplacePath or remoteMarketplaceName")
    if params.remote_marketplace_name is not None:
        raise _remote_refusal("read remote plugin" if method == "plugin/read" else "install remote plugin")
    path = Path(str(params.marketplace_path))
    if not path.is_file():
        raise InvalidRequest(f"marketplace file `{path}` does not exist")
    raise InvalidRequest(f"plugin `{params.plugin_name}` was not found in marketplace `{path}`")


async def plugin_read(ctx: Ctx, params: PluginReadParams) -> dict[str, Any]:
    _local_marketplace("plugin/read", params)
    return {}  # not reached: no local marketplace resolves yet


async def plugin_install(ctx: Ctx, params: PluginReadParams) -> dict[str, Any]:
    _local_marketplace("plugin/install", params)
    return {}


async def plugin_uninstall(ctx: Ctx, params: PluginUninstallParams) -> dict[str, Any]:
    raise _remote_refusal("resolve remote plugin before uninstall")


async def plugin_skill_read(ctx: Ctx, params: PluginSkillReadParams) -> dict[str, Any]:
    raise _remote_refusal("read remote plugin skill details")


async def share_save(ctx: Ctx, params: PluginShareSaveParams) -> dict[str, Any]:
    if not Path(params.plugin_path).is_absolute():
        raise InvalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path")
    raise _remote_refusal("save remote plugin share")


async def share_update_targets(ctx: Ctx, params: PluginShareTargetsParams) -> dict[str, Any]:
    raise _remote_refusal("update remote plugin share targets")


async def share_list(ctx: Ctx, params: Any) -> dict[str, Any]:
    raise _remote_refusal("list remote plugin shares")


async def share_checkout(ctx: Ctx, params: RemotePluginParams) -> dict[str, Any]:
    raise _remote_refusal("checkout plugin share")


async def share_delete(ctx: Ctx, params: RemotePluginParams) -> dict[str, Any]:
    raise _remote_refusal("delete remote plugin share")


async def app_read(ctx: Ctx, params: AppsReadParams) -> dict[str, Any]:
    return {"apps": [], "missingAppIds": list(params.app_ids)}


async def app_list(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"data": [], "nextCursor": None}


async def app_installed(ctx: Ctx, params: Any) -> dict[str, Any]:
    return {"apps": []}
