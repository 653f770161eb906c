"""The mock provider runs without the app-server and the other way round: importing one loads nothing of
the other (the shared SSE codec and atomic writes come from `reelkit_common`)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
{imports}
loaded = sorted(m for m in sys.modules if m == "{other}" or m.startswith("{other}."))
print(",".join(loaded))
"""


def _loaded(package: str, modules: list[str], other: str) -> str:
    code = PROBE.format(imports="\n".join(f"import {package}.{m}" for m in modules), other=other)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_mock_provider_loads_nothing_of_the_server() -> None:
    assert _loaded("mockprovider", ["cli", "cassette", "sse", "app"], "server") == ""


def test_the_server_loads_nothing_of_the_mock_provider() -> None:
    assert _loaded("server", ["app", "agent.model"], "mockprovider") == ""
