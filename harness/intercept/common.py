"""What the library stubs share: turning a recorded interaction into wire parts, and a fetch into one."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.proxy import target_url
from mockprovider.cassette import Interaction, RecordedChunk
from mockprovider.matching import HOP_HEADERS

# Recordings keep bodies decoded (readable, scrubbable); ask the upstream for them that way.
IDENTITY = ("accept-encoding", "identity")
CUT = "the recorded response was cut off by the upstream (replayed as recorded)"


@dataclass(frozen=True, slots=True)
class Answer:
    """A recorded response as the stubs put it on a fake wire."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    chunks: list[RecordedChunk]
    aborted: bool

    @classmethod
    def of(cls, item: Interaction) -> Answer:
        headers = [(k, v) for k, vals in item.response_headers.items() if k.lower() not in HOP_HEADERS for v in vals]
        chunks = list(item.chunks) if item.chunks is not None else [RecordedChunk(0.0, item.body)]
        return cls(item.status, item.reason, headers, [c for c in chunks if c.data], item.ending == "abort")


def delay_s(chunk: RecordedChunk, speed: float, started: float) -> float:
    """How long to wait before `chunk` (speed 0: never; 1: as recorded; N: N times faster)."""
    if speed <= 0:
        return 0.0
    return max(0.0, started + chunk.offset_ms / 1000 / speed - time.monotonic())


def forward_url(url: str, upstream: str | None) -> str:
    """The URL a recording fetches: the client's own, or the same path below `--reelkit-upstream`."""
    if not upstream:
        return url
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return target_url(upstream, parts.path, parts.query)


def multi(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key.lower(), []).append(value)
    return out


@dataclass(slots=True)
class Capture:
    """Chunks as they arrive, each with its offset after the response headers."""

    started: float = field(default_factory=time.monotonic)
    chunks: list[RecordedChunk] = field(default_factory=list)
    ending: str = "eof"

    def add(self, data: bytes | bytearray) -> None:
        if data:
            self.chunks.append(RecordedChunk((time.monotonic() - self.started) * 1000, bytes(data)))

    def interaction(
        self, method: str, url: str, request_headers: Iterable[tuple[str, str]], body: bytes | None,
        status: int, reason: str, response_headers: Iterable[tuple[str, str]],
    ) -> Interaction:  # fmt: skip
        return Interaction(
            method=method.upper(),
            uri=url,
            request_headers=multi(request_headers),
            request_body=body.decode("utf-8", errors="replace") if body else None,
            status=status,
            reason=reason,
            response_headers=multi(response_headers),
            body=b"".join(c.data for c in self.chunks),
            chunks=list(self.chunks),
            ending=self.ending,
        )
