"""Identifiers shaped like the real Responses API's (`resp_`, `msg_`, `rs_`, `fc_`, `ctc_`, `req_`)."""

from __future__ import annotations

import random


class IdFactory:
    """Mint realistic ids; seeded for reproducible runs, random otherwise."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)

    def new(self, prefix: str) -> str:
        # The real service uses a prefix plus 48 hex digits.
        return f"{prefix}_{self._rng.getrandbits(192):048x}"

    def call_id(self) -> str:
        return f"call_{self._rng.getrandbits(96):024x}"

    def new_bytes(self, prefix: bytes) -> bytes:
        """`new` (or `call_id` for b"call") as bytes, for filling pre-rendered responses."""
        if prefix == b"call":
            return b"call_%024x" % self._rng.getrandbits(96)
        return b"%s_%048x" % (prefix, self._rng.getrandbits(192))
