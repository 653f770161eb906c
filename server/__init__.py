"""A Python implementation of the Codex app-server JSON-RPC protocol (v2, stdio)."""
