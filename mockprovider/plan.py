"""A Plan is exactly what goes on the wire for one request: status, headers, timed body chunks, ending.

Scripts and cassettes both compile to Plans, so timing, faults and journaling live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Ending = Literal["eof", "abort", "reset"]


@dataclass(frozen=True, slots=True)
class Chunk:
    data: bytes
    at_ms: float = 0.0  # offset after the headers, scaled by the serving speed
    hold_ms: float = 0.0  # an extra pause before this chunk that speed never shortens (stall faults)


@dataclass(slots=True)
class Plan:
    status: int
    headers: dict[str, str]
    chunks: list[Chunk] = field(default_factory=list)
    ending: Ending = "eof"  # abort: drop the connection without ending the body; reset: before headers
    keep_splits: bool = False  # recorded chunk boundaries are data too: never merge writes, even at speed 0

    @property
    def instant(self) -> bool:
        """One body, no timing, a clean end: can go out as a single response with a length."""
        return self.ending == "eof" and len(self.chunks) <= 1 and not any(c.hold_ms or c.at_ms for c in self.chunks)

    @property
    def body(self) -> bytes:
        return b"".join(c.data for c in self.chunks)
