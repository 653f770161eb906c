"""One scripted session of codex's real TUI against an app-server listening on ws://, captured screen by screen.

The same session runs against our server and against codex's own app-server (with the same mock
provider script and config), so their screens can be compared once times and ids are taken out.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home

from . import netcheck
from .listening import ListeningServer
from .tmux import Tmux

MODEL = "mock-model"
READY = r"Ask Codex to do anything"
# Nothing may leave the machine: every proxy variable points at a closed loopback port, loopback is exempt.
DEAD_PROXY = "http://127.0.0.1:9"
OFFLINE_ENV = {"HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "ALL_PROXY": DEAD_PROXY,
               "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY, "all_proxy": DEAD_PROXY,
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}  # fmt: skip
# codex's own server: no plugin, app or remote-plugin lookups.
CODEX_SERVER_FLAGS = ["--disable", "plugins", "--disable", "apps", "--disable", "remote_plugin"]
# codex snapshots its shell's environment into CODEX_HOME: the servers get a dummy key and a minimal
# environment, never the test session's (planted) secrets.
KEY_ENV = "REELKIT_TUI_KEY"
TITLE = "^Generate a concise"  # the TUI's side turn that names the thread after its first message


def shell(cmd: str, call_id: str, **extra: Any) -> dict[str, Any]:
    return {"function_call": {"name": "exec_command", "arguments": {"cmd": cmd, **extra}, "call_id": call_id}}


def script() -> list[dict[str, Any]]:
    """The provider's side of the session; title side turns may come at any time, so they are `match` steps."""
    escalate = {"sandbox_permissions": "require_escalated", "justification": "Write outside the sandbox?"}
    titles = [{"match": TITLE, "text": "Say hello"} for _ in range(6)]
    return [
        *titles,
        {"text": "Hello from the mock provider."},
        shell("echo tui-command-output", "c1"),
        {"text": "The command ran."},
        shell("touch accepted.txt", "c2", **escalate),
        {"text": "Escalated command finished."},
        shell("touch declined.txt", "c3", **escalate),
        {"text": "Understood, not running it."},
    ]


@dataclass
class Place:
    root: Path
    home: Path = field(init=False)
    ws: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home, self.ws = self.root / "home", self.root / "ws"
        self.ws.mkdir(parents=True)

    def configure(self, base_url: str) -> None:
        config = write_codex_home(
            self.home, ProviderSettings(base_url, env_key=KEY_ENV), model=MODEL,
            approval_policy="on-request", sandbox_mode="workspace-write", check_for_update_on_startup=False,
        )  # fmt: skip
        # Tables after the provider's: analytics off, and the TUI's one-time screen-reader check marked done
        # (else the TUI writes it into config.toml mid-session, and a replay's config would differ).
        with config.open("a") as out:
            out.write("\n[analytics]\nenabled = false\n\n[tui]\nscreen_reader_detection_done = true\n")


def server_env(place: Place) -> dict[str, str]:
    # HOME is the test's: a login shell must not pick up the developer's profile (its output would show).
    return {"HOME": str(place.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            KEY_ENV: "tui-test-key", **OFFLINE_ENV}  # fmt: skip


async def start_ours(place: Place) -> ListeningServer:
    argv = netcheck.traced([sys.executable, "-m", "server"], place.root / "server.strace")
    return await ListeningServer.start(place.home, place.ws, "ws://127.0.0.1:0", argv, server_env(place))


async def start_codex(place: Place) -> ListeningServer:
    # Under a temporary CODEX_HOME codex refuses to make its sandbox helper unless TMPDIR points elsewhere.
    tmpdir = place.root / "tmpdir"
    tmpdir.mkdir()
    os_env = {"TMPDIR": str(tmpdir), **server_env(place)}
    argv = netcheck.traced([str(find_codex()), "app-server", *CODEX_SERVER_FLAGS], place.root / "server.strace")
    return await ListeningServer.start(place.home, place.ws, "ws://127.0.0.1:0", argv, os_env)


class Endpoint(Protocol):
    """What the TUI connects to: a listening server, or the relay in front of one."""

    async def ws_url(self) -> str: ...

    async def stop(self) -> int: ...


@asynccontextmanager
async def tui_session(root: Path, start: Callable[[Place], Any]) -> AsyncIterator[tuple[Tmux, Place, str]]:
    """A mock provider, a server listening on ws:// and the TUI connected to it in tmux."""
    place = Place(root)
    async with MockProvider(script(), speed=0) as mock:
        place.configure(mock.url)
        server: Endpoint = await start(place)
        tmux = Tmux(root / "tmux.sock")
        try:
            url = await server.ws_url()
            env = {"CODEX_HOME": str(place.home), "HOME": str(place.home), "PATH": os.environ.get("PATH", "/usr/bin"),
                   "TERM": "xterm-256color", "LANG": "C.UTF-8", **OFFLINE_ENV}  # fmt: skip
            tui = netcheck.traced([str(find_codex()), "--remote", url], place.root / "tui.strace")
            await tmux.start(tui, place.ws, env)
            await tmux.wait_for(READY)
            yield tmux, place, url
        finally:
            await tmux.kill()
            await server.stop()


_VOLATILE = [
    (re.compile(r"Worked for [^•\n]*• \d{1,2}:\d{2}(:\d{2})?"), "Worked for <t>"),
    (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b"), "<time>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<id>"),
    (re.compile(r"ws://127\.0\.0\.1:\d+/?"), "<url>"),
    (re.compile(r"\d+(\.\d+)?K? (total|input|output|used)"), r"<n> \2"),
    (re.compile(r"\d+% (left|used)"), r"<n>% \1"),
]


def normalise_screen(screen: str, place: Place) -> str:
    """A screen's text without what differs between runs: times, ids, ports, token counts, paths."""
    text = screen.replace(str(place.ws), "<WS>").replace(str(place.home), "<HOME>")
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    # The TUI shows a random tip now and then, and a spinner while a side turn is still running.
    lines = [re.sub(r" · [⠀-⣿]$", "", line.rstrip()) for line in text.splitlines() if "Tip:" not in line]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
