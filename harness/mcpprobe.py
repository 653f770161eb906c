"""A small MCP server for tests and cassettes, written with the official `mcp` SDK.

`python -m harness.mcpprobe` speaks MCP over stdio; `--http 0` serves streamable HTTP at `/mcp` on
127.0.0.1 (port 0: any free one) and prints its URL as the first line of stdout (and to `--url-file`),
so a test reads one line instead of polling a port. Tools: `echo` (read-only), `write_thing` (no
annotations, so codex asks approval), `ask` (elicits a colour), `slow`, `rpcerr`, `die`, `structured`,
`image`; resource `probe://readme`. Fault flags make the server fail the ways clients must survive.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from harness.mcpprobe_options import Options


def run(options: Options) -> None:
    """The pid file and the start-up faults come before the SDK is imported (about a second on a loaded
    machine), so a client's start-up timeout always meets a probe that has said who it is."""
    if options.pid_file is not None:
        options.pid_file.write_text(f"{os.getpid()}\n")
    if options.crash_at_start:
        sys.stderr.write("mcpprobe: crashing at start as asked\n")
        raise SystemExit(2)
    if options.hang_at_start:
        threading.Event().wait()  # never answers `initialize`; killed by whoever started it
        return
    from harness.mcpprobe_server import serve

    serve(options)


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m harness.mcpprobe", description=__doc__.splitlines()[0])
    parser.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP on this port (0: any)")
    parser.add_argument("--url-file", type=Path, help="with --http: also write the URL to this file")
    parser.add_argument("--pid-file", type=Path, help="write the process id here (tests check for orphans)")
    parser.add_argument("--crash-at-start", action="store_true", help="exit 2 before the handshake")
    parser.add_argument("--hang-at-start", action="store_true", help="never answer the handshake")
    parser.add_argument("--junk", choices=("start", "call"), help="a non-JSON stdout line before the handshake, "
                        "or instead of answering `echo`")  # fmt: skip
    ns = parser.parse_args(argv)
    return Options(ns.http, ns.url_file, ns.pid_file, ns.crash_at_start, ns.hang_at_start, ns.junk)


def main(argv: Sequence[str] | None = None) -> None:
    run(parse(argv))


if __name__ == "__main__":
    main()
