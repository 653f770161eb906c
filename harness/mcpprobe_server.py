"""The probe's MCP server proper (the `mcp` SDK); `harness.mcpprobe` is its stdlib-only launcher."""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, ImageContent, TextContent, ToolAnnotations

from harness.mcpprobe_options import Options

NAME = "probe"
README = "The reelkit MCP probe: tools echo, write_thing, ask, slow, rpcerr, die, structured, image."
JUNK = b"this line is not JSON-RPC\n"
# A 1x1 transparent PNG: the smallest real image a client can decode.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


COLOUR_FORM: dict[str, Any] = {"type": "object", "properties": {"colour": {"type": "string"}}, "required": ["colour"]}


def build(options: Options) -> MCPServer:
    server: MCPServer = MCPServer(NAME, version="1.0.0", instructions=None)

    # Every tool but write_thing is read-only, so codex runs it without asking under any approval policy.
    read_only = ToolAnnotations(read_only_hint=True)

    @server.tool(description="Echo the text back.", annotations=read_only)
    async def echo(text: str) -> list[TextContent]:
        if options.junk == "call":
            await _junk_instead_of_answer()
        return [TextContent(type="text", text=text)]

    @server.tool(description="Pretend to write something (no annotations: clients ask before running it).")
    def write_thing(text: str) -> list[TextContent]:
        return [TextContent(type="text", text=f"wrote {text}")]

    @server.tool(description="Ask the user for a colour and report the answer.", annotations=read_only)
    async def ask(ctx: Context) -> list[TextContent]:
        # A hand-written schema: codex 0.163 cancels, without asking its client, a form whose schema has keys
        # beyond $schema/type/properties/required (the SDK's model-derived schemas carry a `title`).
        session = ctx.request_context.session
        answer = await session.elicit_form("Which colour?", COLOUR_FORM, related_request_id=ctx.request_id)
        said = f"accept {json.dumps(answer.content, sort_keys=True)}" if answer.action == "accept" else answer.action
        return [TextContent(type="text", text=said)]

    @server.tool(description="Sleep, then answer.", annotations=read_only)
    async def slow(seconds: float) -> list[TextContent]:
        await anyio.sleep(seconds)
        return [TextContent(type="text", text=f"slept {seconds}")]

    @server.tool(description="Fail with a JSON-RPC error.", annotations=read_only)
    def rpcerr() -> list[TextContent]:
        raise MCPError(-32000, "server exploded")

    @server.tool(description="Exit the process in the middle of the call.", annotations=read_only)
    def die() -> list[TextContent]:
        os._exit(3)  # no answer, no cleanup: the client sees the transport close mid-call

    @server.tool(description="Answer with structuredContent.", annotations=read_only, structured_output=False)
    def structured() -> CallToolResult:
        data = {"answer": 42, "unit": "things"}
        return CallToolResult(content=[TextContent(type="text", text="42 things")], structured_content=data)

    @server.tool(description="Answer with a tiny PNG.", annotations=read_only)
    def image() -> list[ImageContent]:
        return [ImageContent(type="image", data=base64.b64encode(PNG).decode(), mime_type="image/png")]

    @server.resource("probe://readme", name="readme", mime_type="text/plain")
    def readme() -> str:
        return README

    return server


async def _junk_instead_of_answer() -> None:
    """Write a line that is not JSON-RPC where the answer should be, then never answer (stdio only)."""
    sys.stdout.buffer.write(JUNK)
    sys.stdout.buffer.flush()
    await anyio.sleep_forever()


async def _serve_http(server: MCPServer, options: Options) -> None:
    import uvicorn

    # Bind first, then announce: the URL is printed only once the port accepts connections.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", options.http or 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    if options.url_file is not None:
        partial = options.url_file.with_suffix(".partial")
        partial.write_text(url + "\n")
        partial.replace(options.url_file)  # readers see the whole line or no file
    sys.stdout.write(url + "\n")
    sys.stdout.flush()
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve(sockets=[sock])


def serve(options: Options) -> None:
    """Everything after the launcher's early flags: junk, then the server on stdio or HTTP."""
    if options.junk == "start":
        sys.stdout.buffer.write(JUNK)
        sys.stdout.buffer.flush()
    server = build(options)
    if options.http is not None:
        anyio.run(_serve_http, server, options)
    else:
        server.run()
