"""Tests use the harness's process client (the same one the pytest plugin and CLI use)."""

from harness.client import AppServerProcess, RpcFailure, methods

__all__ = ["AppServerProcess", "RpcFailure", "methods"]
