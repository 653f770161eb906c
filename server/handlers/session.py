"""initialize: the per-connection handshake."""

from __future__ import annotations

import asyncio
import importlib
import os
import platform
import re
import shutil
from typing import TYPE_CHECKING, Any

from server.errors import InvalidRequest
from server.state import Ctx, ServerState
from server.version import CLI_VERSION

if TYPE_CHECKING:
    from server.connection import Connection
    from server.protocol.initialize import InitializeView
    from server.protocol.params import InitializeParams

# The first two sentences are codex's; ours has no bundled bubblewrap to fall back on.
NO_BWRAP = (
    "Codex could not find bubblewrap on PATH. Install bubblewrap with your OS package manager. "
    "Sandboxed commands fail until it is installed (scripts/bootstrap installs it)."
)
# HTTP header values: visible ASCII and spaces (the name becomes the `originator` header).
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]*$")


def user_agent(name: str, version: str) -> str:
    """`<client>/<cli version> (<os> <release>; <arch>) <terminal> (<client>; <client version>)`, as codex."""
    system = f"{platform.system()} {platform.release()}; {platform.machine()}"
    terminal = os.environ.get("TERM_PROGRAM") or os.environ.get("TERM") or "unknown"
    return f"{name}/{CLI_VERSION} ({system}) {terminal} ({name}; {version})"


# Imported in a thread once `initialize` is answered: first what every next request needs (pydantic, the
# params models, the thread handlers), then, once the next request is answered, the model client's HTTP
# stack. The dispatcher holds requests while a batch runs (ServerState.warming): no request imports a
# module while the thread does, and none shares the GIL with it.
WARM_FIRST = ("server.protocol.base", "server.protocol.params", "server.handlers.thread")
WARM_LATER = ("server.agent.model",)


def _import(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


def _warm(state: ServerState, modules: tuple[str, ...]) -> None:
    """`state.warming` is set now; the thread starts after the writer's turn (the answer goes out first)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    state.warming = done

    def begin() -> None:
        try:
            job = loop.run_in_executor(None, _import, modules)
        except RuntimeError:  # the executor is shut down: we are closing, nobody must wait for this
            done.set_result(None)
            return
        job.add_done_callback(lambda _: done.set_result(None))  # a failed import is the importer's to report

    loop.call_soon(begin)


def _after_answer(state: ServerState, conn: Connection) -> None:
    """Runs once the answer is written (the writer's wake-up was scheduled first): nothing here delays it."""
    from server.remote_control import status  # uuid and socket

    conn.notify("remoteControl/status/changed", status(state.home))
    if state.warming is None:
        _warm(state, WARM_FIRST)
        state.warm_next = lambda: _warm(state, WARM_LATER)  # see Dispatcher._warm_next


async def initialize(ctx: Ctx, params: InitializeParams | InitializeView) -> dict[str, Any]:
    info = params.client_info
    if not _HEADER_VALUE.match(info.name):
        raise InvalidRequest(f"Invalid clientInfo.name: '{info.name}'. Must be a valid HTTP header value.")
    caps = params.capabilities
    conn = ctx.conn
    conn.initialized = True
    conn.client_name, conn.client_version = info.name, info.version
    conn.experimental = bool(caps and caps.experimental_api)
    conn.opt_out = frozenset((caps.opt_out_notification_methods or []) if caps else [])
    if shutil.which("bwrap") is None:  # codex's one environment diagnostic that applies to us
        ctx.after(lambda: conn.notify("configWarning", {"summary": NO_BWRAP, "details": None}))
    ctx.after(lambda: asyncio.get_running_loop().call_soon(_after_answer, ctx.state, conn))
    return {
        "userAgent": user_agent(info.name, info.version),
        "codexHome": str(ctx.state.home),
        "platformFamily": "windows" if os.name == "nt" else "unix",
        "platformOs": {"Darwin": "macos", "Windows": "windows"}.get(platform.system(), "linux"),
    }
