"""Refresh or check the pinned protocol schema in server/protocol/schema/.

    .venv/bin/python scripts/sync_schema.py            # regenerate from the pinned codex CLI (.tools/)
    .venv/bin/python scripts/sync_schema.py --check    # exit 1 if the committed files differ from a fresh run
    .venv/bin/python scripts/sync_schema.py --from-dir ../shared/reference/codex-0.163.0-schema

After refreshing, `pytest tests/protocol` checks our params models against the new files.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockprovider.codexhome import find_codex  # noqa: E402 - after the path tweak, by design

TARGET = ROOT / "server" / "protocol" / "schema"
FILES = {  # repo name -> path inside the generated bundle
    "ServerNotification.json": "ServerNotification.json",
    "ServerRequest.json": "ServerRequest.json",
    "ClientRequest.json": "ClientRequest.json",
    "codex_app_server_protocol.v2.schemas.json": "codex_app_server_protocol.v2.schemas.json",
    "InitializeResponse.json": "v1/InitializeResponse.json",
}


def generate(out: Path) -> Path:
    codex = find_codex()
    subprocess.run(
        [str(codex), "app-server", "generate-json-schema", "--out", str(out)], check=True, capture_output=True
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--from-dir", type=Path, help="use an existing schema directory instead of running codex")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.from_dir or generate(Path(tmp))
        drift = [name for name, rel in FILES.items() if not filecmp.cmp(source / rel, TARGET / name, shallow=False)]
        if args.check:
            for name in drift:
                print(f"drift: {name} differs from {source / FILES[name]}")
            return 1 if drift else 0
        for name, rel in FILES.items():
            shutil.copyfile(source / rel, TARGET / name)
        print(f"refreshed {len(FILES)} files ({len(drift)} changed) in {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
