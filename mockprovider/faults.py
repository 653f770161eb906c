"""Faults laid on recorded interactions: cut, stall, corrupt or drop a real recorded stream at a chunk.

`--fault 'interaction=2,cut_at_chunk=5'` (or `RecordingFault(interaction=2, cut_at_chunk=5)`): chunk
indices count the cassette's recorded chunks from 0, interaction indices its interactions from 0 (the
`#N` of a replay's journal label). Without `interaction`, the fault applies to every interaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .apis.common import corrupt_frame
from .cassette import Cassette
from .script import Step, TimedChunk


class FaultError(ValueError):
    """A fault spec that cannot be used; the message says which and how to write it."""


@dataclass(frozen=True, slots=True)
class RecordingFault:
    interaction: int | None = None
    cut_at_chunk: int | None = None  # send chunks before N, half of chunk N, then drop the connection
    disconnect_at_chunk: int | None = None  # send chunks before N, then drop the connection
    corrupt_at_chunk: int | None = None  # chunk N's JSON cut in half, SSE framing kept
    stall_at_chunk: int | None = None  # pause `stall_ms` before chunk N
    stall_ms: float = 1000.0

    def chunk_indices(self) -> list[int]:
        picks = (self.cut_at_chunk, self.disconnect_at_chunk, self.corrupt_at_chunk, self.stall_at_chunk)
        return [i for i in picks if i is not None]


_USAGE = (
    "write faults as 'interaction=2,cut_at_chunk=5' (keys: " + ", ".join(f.name for f in fields(RecordingFault)) + ")"
)


def parse_fault(spec: str | Mapping[str, Any] | RecordingFault) -> RecordingFault:
    if isinstance(spec, RecordingFault):
        fault = spec
    else:
        pairs = dict(spec) if isinstance(spec, Mapping) else _pairs(spec)
        known = {f.name for f in fields(RecordingFault)}
        unknown = sorted(set(pairs) - known)
        if unknown:
            raise FaultError(f"fault {spec!r}: unknown key(s) {unknown}; {_USAGE}")
        try:
            values = {k: float(v) if k == "stall_ms" else int(v) for k, v in pairs.items()}
        except (TypeError, ValueError):
            raise FaultError(f"fault {spec!r}: values must be numbers; {_USAGE}") from None
        fault = RecordingFault(**values)  # type: ignore[arg-type]
    if not fault.chunk_indices():
        raise FaultError(f"fault {spec!r}: names no chunk; {_USAGE}")
    if any(i < 0 for i in fault.chunk_indices()) or fault.stall_ms < 0 or (fault.interaction or 0) < 0:
        raise FaultError(f"fault {spec!r}: indices and stall_ms must not be negative")
    return fault


def _pairs(spec: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise FaultError(f"fault {spec!r}: {item!r} is not key=value; {_USAGE}")
        out[key.strip()] = value.strip()
    return out


def check_faults(faults: Iterable[RecordingFault], cassette: Cassette) -> None:
    """Every fault must name an interaction and chunks the cassette holds (checked once, at start)."""
    count = len(cassette.interactions)
    for fault in faults:
        targets = [fault.interaction] if fault.interaction is not None else list(range(count))
        for index in targets:
            if index >= count:
                raise FaultError(
                    f"{cassette.name}: fault names interaction {index}, the cassette has {count} (0-{count - 1})"
                )
            item = cassette.interactions[index]
            chunks = len(item.chunks) if item.chunks else 1
            for at in fault.chunk_indices():
                if at >= chunks and fault.interaction is not None:
                    raise FaultError(
                        f"{cassette.name}: interaction {index} has {chunks} chunk(s) (0-{chunks - 1}); no chunk {at}"
                    )


def apply_faults(step: Step, index: int, faults: Iterable[RecordingFault]) -> Step:
    """The replay step of interaction `index` with its faults laid on its recorded chunks."""
    for fault in faults:
        if fault.interaction in (None, index) and step.chunks:
            step = _apply(step, fault)
    return step


def _apply(step: Step, fault: RecordingFault) -> Step:
    chunks = list(step.chunks or [])
    update: dict[str, Any] = {}
    if fault.corrupt_at_chunk is not None and fault.corrupt_at_chunk < len(chunks):
        at = fault.corrupt_at_chunk
        data = corrupt_frame(chunks[at].data.encode()).decode("utf-8", errors="replace")
        chunks[at] = TimedChunk(data=data, offset_ms=chunks[at].offset_ms)
    if fault.stall_at_chunk is not None and fault.stall_at_chunk < len(chunks):
        update.update(stall_ms=fault.stall_ms, stall_after=fault.stall_at_chunk)
    if fault.cut_at_chunk is not None and fault.cut_at_chunk < len(chunks):
        at = fault.cut_at_chunk
        half = chunks[at].data.encode()
        chunks = [*chunks[:at], TimedChunk(data=half[: len(half) // 2].decode("utf-8", errors="ignore"),
                                           offset_ms=chunks[at].offset_ms)]  # fmt: skip
        update["disconnect_after"] = at + 1
    if fault.disconnect_at_chunk is not None and fault.disconnect_at_chunk < len(chunks):
        chunks = chunks[: fault.disconnect_at_chunk]
        update["disconnect_after"] = fault.disconnect_at_chunk
    return step.model_copy(update={"chunks": chunks, **update})
