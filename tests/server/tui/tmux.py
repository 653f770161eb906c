"""Drive a real terminal program in tmux: type, press keys, and wait for screen text with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 30.0
POLL = 0.05


class ScreenTimeout(AssertionError):
    pass


@dataclass
class Tmux:
    """One private tmux server (its own socket file), one session running one program."""

    socket: Path
    session: str = "tui"

    @staticmethod
    def available() -> bool:
        return shutil.which("tmux") is not None

    async def _tmux(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "tmux", "-S", str(self.socket), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:2])} failed: {err.decode().strip()}")
        return out.decode()

    async def start(
        self, command: list[str], cwd: Path, env: dict[str, str], width: int = 120, height: int = 40
    ) -> None:
        # tmux runs the program through a shell: env and argv are passed as words tmux quotes itself.
        env_words = [f"{k}={v}" for k, v in env.items()]
        await self._tmux("-f", "/dev/null", "new-session", "-d", "-s", self.session, "-x", str(width), "-y",
                         str(height), "-c", str(cwd), "env", "-i", *env_words, *command)  # fmt: skip
        await self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    async def capture(self, history: bool = False) -> str:
        args = ["capture-pane", "-p", "-J", "-t", self.session]
        if history:
            args += ["-S", "-"]
        text = await self._tmux(*args)
        return "\n".join(line.rstrip() for line in text.splitlines())  # the TUI pads lines with spaces

    async def wait_for(self, pattern: str, timeout: float = TIMEOUT, history: bool = False) -> str:
        """Poll the screen until `pattern` (a regular expression) shows; return that screen."""
        screen = ""
        try:
            async with asyncio.timeout(timeout):
                # The screen is another process's: polling capture-pane with a deadline is the only way.
                while not re.search(pattern, screen := await self.capture(history)):  # noqa: ASYNC110
                    await asyncio.sleep(POLL)
        except TimeoutError:
            raise ScreenTimeout(f"{pattern!r} did not show within {timeout}s; the screen:\n{screen}") from None
        return screen

    async def type(self, text: str) -> None:
        """Type text literally, then wait until it shows before anything else is pressed (the TUI takes a
        burst of keys as a paste, where Enter would be a newline)."""
        await self._tmux("send-keys", "-t", self.session, "-l", text)
        await self.wait_for(re.escape(text))

    async def press(self, *keys: str) -> None:
        await self._tmux("send-keys", "-t", self.session, *keys)

    async def submit(self, text: str) -> None:
        await self.type(text)
        await self.press("Enter")

    async def kill(self) -> None:
        """End the program (its whole process group: codex's launcher outlives a hangup), then tmux."""
        if not self.socket.exists():
            return
        with contextlib.suppress(RuntimeError, ValueError, ProcessLookupError, PermissionError):
            pid = int(await self._tmux("display-message", "-p", "-t", self.session, "#{pane_pid}"))
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(RuntimeError):  # already gone
            await self._tmux("kill-server")
