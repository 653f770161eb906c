"""The opaque cursor codex hands out for pages of a thread's turns or items (its rollout ordinal, JSON)."""

from __future__ import annotations

import json


def rollout_cursor(thread_id: str, ordinal: int, anchor: bool, kind: str) -> str:
    return json.dumps({"requestedThreadId": thread_id, "rolloutOrdinal": ordinal, "includeAnchor": anchor,
                       "scope": {"kind": kind}}, separators=(",", ":"))  # fmt: skip
