"""Cassettes: vcrpy v1 YAML with each SSE response's chunks and arrival offsets kept beside the body.

Plain vcrpy / pytest-recording load these files (they ignore the extra `chunks` key and read
`metadata`); reelkit reads the chunks to replay the exact split points and timing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reelkit_common.fsutil import atomic_write

FORMAT_VERSION = 1


class CassetteError(ValueError):
    """A cassette that cannot be read or written; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class RecordedChunk:
    offset_ms: float  # after the response headers arrived
    data: bytes


@dataclass(slots=True)
class Interaction:
    method: str
    uri: str
    request_headers: dict[str, list[str]]
    request_body: str | None
    status: int
    reason: str
    response_headers: dict[str, list[str]]
    body: bytes
    chunks: list[RecordedChunk] | None = None
    ending: str = "eof"  # "abort": the upstream dropped the connection mid-body; replay drops it too

    def header(self, name: str) -> str | None:
        for key, values in self.response_headers.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None


@dataclass(slots=True)
class Cassette:
    interactions: list[Interaction] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else "<cassette>"

    @classmethod
    def load(cls, path: str | Path) -> Cassette:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CassetteError(f"{path}: cannot read cassette: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise CassetteError(f"{path}: not valid YAML: {exc}") from None
        return cls.from_dict(data, path)

    @classmethod
    def from_dict(cls, data: Any, path: Path | None = None) -> Cassette:
        where = str(path or "cassette")
        if not isinstance(data, Mapping) or data.get("version") != 1 or not isinstance(data.get("interactions"), list):
            raise CassetteError(f"{where}: not a vcrpy v1 cassette (needs `version: 1` and an `interactions` list)")
        items = [_interaction(raw, f"{where}: interactions[{i}]") for i, raw in enumerate(data["interactions"])]
        return cls(items, dict(data.get("metadata") or {}), path)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "metadata": self.metadata, "interactions": [_dump(i) for i in self.interactions]}

    def dumps(self) -> str:
        return yaml.dump(self.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)

    def save(self, path: str | Path) -> Path:
        """Write atomically: a temp file in the same folder, fsync, then rename over the target."""
        path = Path(path)
        atomic_write(path, self.dumps())
        self.path = path
        return path


def _interaction(raw: Any, where: str) -> Interaction:
    try:
        req, resp = raw["request"], raw["response"]
        body = resp.get("body", {}).get("string") or ""
        chunks = resp.get("chunks")
        return Interaction(
            method=str(req["method"]).upper(),
            uri=str(req["uri"]),
            request_headers=_headers(req.get("headers")),
            request_body=_text(req.get("body")),
            status=int(resp["status"]["code"]),
            reason=str(resp["status"].get("message", "")),
            response_headers=_headers(resp.get("headers")),
            body=body.encode() if isinstance(body, str) else bytes(body),
            chunks=[RecordedChunk(float(c["offset_ms"]), _bytes(c["data"])) for c in chunks] if chunks else None,
            ending=str(resp.get("ending", "eof")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CassetteError(f"{where}: malformed interaction ({type(exc).__name__}: {exc})") from None


def _headers(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): [str(v) for v in (vals if isinstance(vals, list) else [vals])] for k, vals in raw.items()}


def _text(raw: Any) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    if isinstance(raw, Mapping) and "string" in raw:
        return _text(raw["string"])
    return str(raw)


def _bytes(raw: Any) -> bytes:
    return raw if isinstance(raw, bytes) else str(raw).encode()


def _dump(item: Interaction) -> dict[str, Any]:
    response: dict[str, Any] = {
        "status": {"code": item.status, "message": item.reason},
        "headers": item.response_headers,
        "body": {"string": item.body.decode("utf-8", errors="replace")},
    }
    if item.chunks is not None:
        response["chunks"] = [{"offset_ms": round(c.offset_ms, 3), "data": _chunk_data(c.data)} for c in item.chunks]
    if item.ending != "eof":
        response["ending"] = item.ending
    request = {"method": item.method, "uri": item.uri, "body": item.request_body, "headers": item.request_headers}
    return {"request": request, "response": response}


def _chunk_data(data: bytes) -> str | bytes:
    """Text when the chunk is whole UTF-8; else bytes (YAML !!binary): a character split across chunks is normal."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


class _Dumper(yaml.SafeDumper):
    """Literal block style for multi-line strings, so SSE bodies stay readable in review."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(ch in value for ch in "\r\t") and value == value.rstrip(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_presenter)
