"""Re-record the cassette library: every scenario in cassettes/scenarios/<group>/<name>.yaml becomes
cassettes/<group>/<name>.yaml (+ .jsonl golden), recorded through the recording proxy.

    .venv/bin/python scripts/record_cassettes.py                # synthetic: each scenario's scripted upstream
    .venv/bin/python scripts/record_cassettes.py --upstream https://api.openai.com/v1   # real (OPENAI_API_KEY)
    .venv/bin/python scripts/record_cassettes.py turns/text      # only some
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.scenario import Scenario  # noqa: E402 - after the path tweak, by design
from harness.session import record  # noqa: E402

LIBRARY = ROOT / "cassettes"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="group/name of scenarios to record (default: all)")
    parser.add_argument("--upstream", default=None)
    parser.add_argument("--server", default=None)
    args = parser.parse_args()
    scenarios = sorted((LIBRARY / "scenarios").glob("*/*.yaml"))
    for path in scenarios:
        key = f"{path.parent.name}/{path.stem}"
        if args.only and key not in args.only:
            continue
        target = LIBRARY / path.parent.name / f"{path.stem}.yaml"
        asyncio.run(record(Scenario.load(path), target, upstream=args.upstream, server=args.server))
        print(f"recorded {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
