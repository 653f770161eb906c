"""JSON-RPC errors the server sends.

RpcError (code, message, data)
 +-- InvalidRequest   -32600  what the real server uses for nearly everything (bad params, unknown
 |                            method, semantic errors such as "thread not found")
 +-- InvalidParams    -32602  a few checks codex makes after parsing (sizes, exactly-one-of fields)
 +-- InternalError    -32603  our own failures; never a traceback on the wire
 +-- Overloaded       -32001  ingress saturated; clients retry
"""

from __future__ import annotations

from typing import Any, ClassVar


class RpcError(Exception):
    code: ClassVar[int] = -32603

    def __init__(self, message: str, data: Any = None):
        super().__init__(message)
        self.message, self.data = message, data

    def wire(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class InvalidRequest(RpcError):
    code = -32600


class InvalidParams(RpcError):
    code = -32602


class InternalError(RpcError):
    code = -32603


class Overloaded(RpcError):
    code = -32001

    def __init__(self) -> None:
        super().__init__("Server overloaded; retry later.")
