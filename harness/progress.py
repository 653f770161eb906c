"""One status line on stderr while a long command works, drawn only when stderr is a terminal.

Pipes, logs and tests see nothing extra (not even a carriage return): the line exists only for a person
watching a terminal, and it is wiped before any result line is printed so results stay readable.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click

_WIPE = "\r\x1b[K"  # back to column 0, erase to the end of the line


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is not a terminal
        return False


def _columns(stream: TextIO) -> int:
    """The width of the terminal the line is drawn on (stderr's own, not stdout's, which may be a pipe)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, io.UnsupportedOperation):
        return 80


class Progress:
    """`[3/21] cassettes/x.yaml ... step 4/9` on a terminal; the plain `prefix ... status` lines otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.total, self.done, self.label, self.detail = total, 0, "", ""

    def begin(self, label: str, *, announce: bool = False) -> None:
        """Start item `label`; with `announce`, a non-terminal also gets `[n/N] label ... ` (no newline)."""
        self.label, self.detail = label, ""
        if self.enabled:
            self._draw()
        elif announce:
            click.echo(f"{self._counter()} {label} ... ", nl=False, err=True)

    def step(self, done: int, total: int) -> None:
        """Progress inside the current item (a session's scenario steps)."""
        self.detail = f"step {done}/{total}"
        if self.enabled:
            self._draw()

    def end(self, status: str | None = None) -> None:
        """Finish the item; `status` (e.g. `ok`) completes the announced line on either kind of stream."""
        self.done += 1
        if self.enabled:
            self.clear()
            if status is not None:
                click.echo(f"{self._counter(self.done)} {self.label} ... {status}", err=True)
        elif status is not None:
            click.echo(status, err=True)

    @contextmanager
    def item(self, label: str) -> Iterator[None]:
        """One quiet item (verify, lint): its line is wiped however it ends, an error included."""
        self.begin(label)
        try:
            yield
        finally:
            self.end()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write(_WIPE)
            self.stream.flush()

    def _counter(self, number: int | None = None) -> str:
        return f"[{self.done + 1 if number is None else number}/{self.total}]"

    def _draw(self) -> None:
        width = _columns(self.stream)
        filled = round(10 * self.done / self.total) if self.total else 10
        bar = "#" * filled + "-" * (10 - filled)
        head, tail = f"{self._counter()} [{bar}] ", f" ... {self.detail}" if self.detail else ""
        room = max(width - 1 - len(head) - len(tail), 8)  # one line: a wrapped line could not be wiped
        label = self.label if len(self.label) <= room else "..." + self.label[-(room - 3) :]  # keep the file name
        self.stream.write(_WIPE + head + label + tail)
        self.stream.flush()
