"""Intercept the HTTP libraries in-process for one cassette: httpx/httpx2, aiohttp and requests.

Each stub patches a class method (a transport's or the session's), not an instance, so clients made at
import time are caught as well. Whatever is not installed is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from harness.tape import Tape

Restore = Callable[[], None]


def _patches(tape: Tape) -> list[Restore]:
    from . import aiohttp_stub, httpx_stub

    restores = [aiohttp_stub.patch(tape)]
    for name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        restores.append(httpx_stub.patch(module, tape))
    try:
        import requests  # noqa: F401 - only to learn whether it is installed
    except ImportError:
        return restores
    from . import requests_stub

    restores.append(requests_stub.patch(tape))
    return restores


@contextmanager
def intercept(tape: Tape) -> Iterator[Tape]:
    """Within the block, every request of those libraries is answered from (or recorded into) `tape`."""
    restores = _patches(tape)
    try:
        yield tape
    finally:
        for restore in reversed(restores):
            restore()
