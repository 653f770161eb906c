"""fuzzyFileSearch and its session form (sessionStart / sessionUpdate → `fuzzyFileSearch/sessionUpdated` +
`sessionCompleted` / sessionStop), as codex 0.163 answers them. Every file and directory under the roots
(hidden ones included, as codex's walk does) is matched as a case-insensitive subsequence of its relative
path; the score favours contiguous runs and matches in the file name (codex's matcher scores differ)."""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

from server.errors import InvalidRequest
from server.protocol.params_more import FuzzySearchParams, FuzzySessionParams
from server.state import Ctx

from .extras import extras

LIMIT = 50
MAX_ENTRIES = 100_000  # a bound on the walk, so a huge tree cannot stall the server


def _match(query: str, path: str) -> tuple[int, list[int]] | None:
    lowered, indices, at = path.lower(), [], 0
    for char in query.lower():
        at = lowered.find(char, at)
        if at < 0:
            return None
        indices.append(at)
        at += 1
    name_start = path.rfind("/") + 1
    runs = sum(1 for a, b in itertools.pairwise(indices) if b == a + 1)
    in_name = sum(1 for i in indices if i >= name_start)
    return 16 * len(indices) + 8 * runs + 4 * in_name - min(len(path), 64) // 8, indices


def _walk(root: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        prefix = "" if rel == "." else rel + "/"
        out += [(prefix + d, True) for d in dirs] + [(prefix + f, False) for f in files]
        if len(out) > MAX_ENTRIES:
            break
    return out


def search(query: str, roots: list[str]) -> list[dict[str, Any]]:
    if not query:
        return []
    found: list[dict[str, Any]] = []
    for root in roots:
        for path, is_dir in _walk(root):
            hit = _match(query, path)
            if hit is not None:
                found.append({"root": root, "path": path, "match_type": "directory" if is_dir else "file",
                              "file_name": os.path.basename(path), "score": hit[0], "indices": hit[1]})  # fmt: skip
    found.sort(key=lambda f: (-f["score"], f["path"]))
    return found[:LIMIT]


async def fuzzy_file_search(ctx: Ctx, params: FuzzySearchParams) -> dict[str, Any]:
    return {"files": await asyncio.to_thread(search, params.query, params.roots)}


async def session_start(ctx: Ctx, params: FuzzySessionParams) -> dict[str, Any]:
    extras(ctx.state).fuzzy_sessions[params.session_id] = list(params.roots or [])
    return {}


async def session_update(ctx: Ctx, params: FuzzySessionParams) -> dict[str, Any]:
    roots = extras(ctx.state).fuzzy_sessions.get(params.session_id)
    if roots is None:
        raise InvalidRequest(f"fuzzy file search session not found: {params.session_id}")
    query, session = params.query or "", params.session_id
    files = await asyncio.to_thread(search, query, roots)

    def report() -> None:
        ctx.conn.notify("fuzzyFileSearch/sessionUpdated", {"sessionId": session, "query": query, "files": files})
        ctx.conn.notify("fuzzyFileSearch/sessionCompleted", {"sessionId": session})

    ctx.after(report)
    return {}


async def session_stop(ctx: Ctx, params: FuzzySessionParams) -> dict[str, Any]:
    extras(ctx.state).fuzzy_sessions.pop(params.session_id, None)
    return {}
