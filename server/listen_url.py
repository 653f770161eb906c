"""`--listen URL`: codex's transport endpoints and what each one means.

`stdio://` (the default), `ws://IP:PORT` (WebSocket on TCP, loopback only without auth), `unix://`
(WebSocket on codex's default control socket under CODEX_HOME), `unix://PATH`, and `off` (no
transport at all: codex refuses to start, and so do we).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["stdio", "ws", "unix", "off"]
EXPECTED = "expected `stdio://`, `unix://`, `unix://PATH`, `ws://IP:PORT`, or `off`"


class ListenError(ValueError):
    """A --listen value codex would reject; the message is codex's."""


@dataclass(frozen=True, slots=True)
class ListenUrl:
    kind: Kind
    host: str = ""
    port: int = 0
    path: Path | None = None  # unix:// without a path: the default under CODEX_HOME

    def socket_path(self, home: Path) -> Path:
        return self.path or default_socket(home)


def parse_listen(url: str) -> ListenUrl:
    if url == "stdio://":
        return ListenUrl("stdio")
    if url == "off":
        return ListenUrl("off")
    if url.startswith("unix://"):
        rest = url.removeprefix("unix://")
        return ListenUrl("unix", path=Path(rest) if rest else None)
    if url.startswith("ws://"):
        return _parse_ws(url)
    raise ListenError(f"unsupported --listen URL `{url}`; {EXPECTED}")


def _parse_ws(url: str) -> ListenUrl:
    host, sep, port = url.removeprefix("ws://").rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(host)  # codex takes an IP, never a host name (no lookups)
        number = int(port)
        if not sep or not 0 <= number <= 65535:
            raise ValueError(port)
    except ValueError:
        raise ListenError(f"invalid websocket --listen URL `{url}`; expected `ws://IP:PORT`") from None
    return ListenUrl("ws", host=host, port=number)


def default_socket(home: Path) -> Path:
    return home / "app-server-control" / "app-server-control.sock"


def socket_target(path: Path) -> Path:
    """Where the socket really lives: a short path named by the hash of the asked-for one (as codex does),
    since a socket path is limited to ~108 bytes and test or home directories can be longer."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()
    return Path(tempfile.gettempdir()) / f"codex-daemon-{os.getuid()}" / digest
