"""Cassettes: vcrpy v1 YAML with each SSE response's chunks and arrival offsets kept beside the body.

Plain vcrpy / pytest-recording load these files (they ignore the extra `chunks` key and read
`metadata`); reelkit reads the chunks to replay the exact split points and timing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reelkit_common.fsutil import atomic_write

FORMAT_VERSION = 1
MAX_OFFSET_MS = 86_400_000.0  # a day: a recorded gap longer than that is a corrupt offset, not a slow stream
_HEAD = "# reelkit cassette (vcrpy v1 YAML); the last line marks its end\n"
_END = "# end of cassette\n"
# The C loader (libyaml) is ~6x faster on large cassettes; PyYAML without it falls back to the Python one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    def load(cls, path: str | Path, max_bytes: int | None = None) -> Cassette:
        """Read a cassette; any file that cannot be one (unreadable, huge, binary, aliased, malformed) is a
        CassetteError naming the file, the problem and the fix, never another exception."""
        path = Path(path)
        try:
            text = _read(path, max_bytes or max_cassette_bytes())
            _check_end(text, path)
            data = _parse(text, path)
            return cls.from_dict(data, path)
        except RecursionError:
            raise CassetteError(f"{path}: nested too deeply to be a cassette (re-record it)") from None
        except MemoryError:
            raise CassetteError(f"{path}: too large to load in memory (split the recording)") from None

    @classmethod
    def from_dict(cls, data: Any, path: Path | None = None) -> Cassette:
        where = str(path or "cassette")
        if not isinstance(data, Mapping) or data.get("version") != 1 or not isinstance(data.get("interactions"), list):
            raise CassetteError(f"{where}: not a vcrpy v1 cassette (it needs `version: 1` and an `interactions` list)")
        items = [_interaction(raw, f"{where}: interactions[{i}]") for i, raw in enumerate(data["interactions"])]
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise CassetteError(f"{where}: `metadata` must be a mapping (fix it or re-record the cassette)")
        return cls(items, dict(metadata), path)

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "metadata": self.metadata, "interactions": [_dump(i) for i in self.interactions]}

    def dumps(self) -> str:
        text = yaml.dump(self.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
        return f"{_HEAD}{text}{_END}"  # comments: vcrpy ignores them; a file cut short lacks the last line

    def save(self, path: str | Path) -> Path:
        """Write atomically: a temp file in the same folder, fsync, then rename over the target."""
        path = Path(path)
        atomic_write(path, self.dumps())
        self.path = path
        return path


def max_cassette_bytes() -> int:
    """The size limit for loading a cassette: REELKIT_MAX_CASSETTE_MB, default 256 MB."""
    try:
        return int(float(os.environ.get("REELKIT_MAX_CASSETTE_MB", "256")) * 1024 * 1024)
    except ValueError:
        return 256 * 1024 * 1024


def _read(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise CassetteError(
            f"{path}: cannot read cassette: {exc.strerror} (check the path and its permissions)"
        ) from None
    if len(raw) > limit:
        raise CassetteError(
            f"{path}: larger than the {limit // 1024**2} MB cassette limit "
            "(split the recording, or raise REELKIT_MAX_CASSETTE_MB)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}), so not a cassette (restore or re-record it)"
        ) from None


def _check_end(text: str, path: Path) -> None:
    """A file we wrote starts with _HEAD and ends with _END; the head without the end means it was cut short
    (cut inside a block scalar, the rest can still be valid YAML and a plausible cassette)."""
    if text.startswith(_HEAD) and not text.endswith(_END):
        raise CassetteError(f"{path}: cut short, its last line `{_END.strip()}` is missing (restore or re-record it)")


def _parse(text: str, path: Path) -> Any:
    """YAML through the C loader where present; aliases refused before anything is expanded."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise CassetteError(f"{path}: empty file; not a cassette (re-record it)")
        _refuse_aliases(node, path)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())[:300]
        raise CassetteError(f"{path}: not valid YAML: {problem} (fix the file or re-record it)") from None
    finally:
        loader.dispose()


def _refuse_aliases(root: yaml.Node, path: Path) -> None:
    """A node reached twice is an alias (`*name`): the composer shares the node, the constructor would
    share the object, and every walk after that (scrubbing, validation, dumping) would expand it."""
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # a scalar too: a million aliases of one long string are a bomb as well
            raise CassetteError(
                f"{path}: uses YAML aliases (&anchor/*alias), which cassettes never need (re-record it)"
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _chunks(raw: Any, where: str) -> list[RecordedChunk] | None:
    """Recorded chunks, their offsets finite, >= 0, non-decreasing and below a day (the replay waits on them)."""
    if not raw:
        return None
    if not isinstance(raw, list):
        raise CassetteError(f"{where}: `chunks` must be a list (re-record it)")
    out, last = [], 0.0
    for index, item in enumerate(raw):
        offset = float(item["offset_ms"])
        if not (math.isfinite(offset) and 0 <= offset <= MAX_OFFSET_MS) or offset < last:
            raise CassetteError(
                f"{where}: chunk #{index} offset_ms {item['offset_ms']!r} is not finite, >= 0, non-decreasing "
                f"and at most {MAX_OFFSET_MS:.0f} (fix the offsets or re-record it)"
            )
        out.append(RecordedChunk(offset, _bytes(item["data"])))
        last = offset
    return out


def _interaction(raw: Any, where: str) -> Interaction:
    try:
        req, resp = raw["request"], raw["response"]
        body = resp.get("body", {}).get("string") or ""
        status = int(resp["status"]["code"])
        if not 100 <= status <= 599:
            raise ValueError(f"status {status} is not an HTTP status")
        chunks = _chunks(resp.get("chunks"), where)
        data = body.encode() if isinstance(body, str) else bytes(body)
        if chunks is not None and b"".join(c.data for c in chunks) != data:
            # Two different replays (vcrpy reads the body, reelkit the chunks): most often a truncated file.
            raise CassetteError(
                f"{where}: its chunks do not add up to its body (the file may be cut short; re-record it)"
            )
        return Interaction(
            method=str(req["method"]).upper(),
            uri=str(req["uri"]),
            request_headers=_headers(req.get("headers")),
            request_body=_text(req.get("body")),
            status=status,
            reason=str(resp["status"].get("message", "")),
            response_headers=_headers(resp.get("headers")),
            body=data,
            chunks=chunks,
            ending=str(resp.get("ending", "eof")),
        )
    except CassetteError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CassetteError(
            f"{where}: malformed interaction ({type(exc).__name__}: {exc}) (fix it or re-record it)"
        ) from None


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


# libyaml's emitter writes the same text ~45x faster (a 50 MB cassette: 2 s instead of 88 s).
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Literal block style for multi-line strings, so SSE bodies stay readable in review."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(ch in value for ch in "\r\t") and value == value.rstrip(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_presenter)
