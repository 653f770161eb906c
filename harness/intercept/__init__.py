"""Intercept the HTTP libraries in-process for one cassette: httpx/httpx2, aiohttp and requests.

Each stub patches a class method (a transport's or the session's), not an instance, so clients made at
import time are caught as well. Whatever is not installed is skipped.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

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
    if "requests.adapters" in sys.modules:
        from . import requests_stub

        restores.append(requests_stub.patch(tape))
    elif importlib.util.find_spec("requests") is not None:
        restores.append(_PatchOnImport(tape).install())
    return restores


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """requests costs ~50 ms to import; a test whose code never imports it should not pay that. Until the
    code under test imports it, this finder waits for `requests.adapters` and patches it once it is loaded."""

    MODULE = "requests.adapters"

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.restore_patch: Restore | None = None

    def install(self) -> Restore:
        sys.meta_path.insert(0, self)
        return self.restore

    def restore(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        if self.restore_patch is not None:
            self.restore_patch()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.MODULE or self.restore_patch is not None:
            return None
        spec = self._spec_from_the_others(fullname, path, target)
        if spec is not None and isinstance(spec.loader, importlib.abc.Loader):
            self._patch_after_loading(spec.loader)
        return spec

    def _spec_from_the_others(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> importlib.machinery.ModuleSpec | None:
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec: importlib.machinery.ModuleSpec | None = finder.find_spec(fullname, path, target)
                if spec is not None:
                    return spec
        return None

    def _patch_after_loading(self, loader: importlib.abc.Loader) -> None:
        load = loader.exec_module  # the loader is this spec's own: wrapping it touches no other module

        def exec_module(module: ModuleType) -> None:
            load(module)
            from . import requests_stub

            self.restore_patch = requests_stub.patch(self.tape)

        loader.exec_module = exec_module  # type: ignore[method-assign]


@contextmanager
def intercept(tape: Tape) -> Iterator[Tape]:
    """Within the block, every request of those libraries is answered from (or recorded into) `tape`."""
    restores = _patches(tape)
    try:
        yield tape
    finally:
        for restore in reversed(restores):
            restore()
