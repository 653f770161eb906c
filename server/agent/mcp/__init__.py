"""MCP servers for the agent core: config, connections through the `mcp` SDK, the model's tools, calls.

Only `config` and `names` are light; the rest imports the SDK, and is imported only by threads with MCP
servers configured (start-up stays fast without them)."""
