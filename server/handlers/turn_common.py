"""What turn/start, review/start and exec/run share: client inputs checked and converted, turn options."""

from __future__ import annotations

from typing import Any

from server.agent.runner import TurnOptions
from server.errors import InvalidRequest
from server.handlers.session import user_agent
from server.protocol import params as p
from server.state import Ctx

REMOTE_IMAGE = "remote image URLs are not supported; use an inline data URL instead"


def inputs_wire(inputs: list[p.UserInput]) -> list[dict[str, Any]]:
    """The inputs as dicts; as codex, an image by http(s) URL is refused (only inline data URLs are sent)."""
    wire = [i.model_dump(by_alias=True, exclude_none=True) for i in inputs]
    for item in wire:
        if item.get("type") == "image" and str(item.get("url", "")).lower().startswith(("http://", "https://")):
            raise InvalidRequest(REMOTE_IMAGE)
    return wire


def options(ctx: Ctx, output_schema: dict[str, Any] | None) -> TurnOptions:
    conn = ctx.conn
    return TurnOptions(output_schema, conn.client_name, user_agent(conn.client_name, conn.client_version))
