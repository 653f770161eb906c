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

    def many_bytes(self, prefixes: list[bytes]) -> list[bytes]:
        """Fresh ids as bytes, `new` for each prefix (`call_id` for b"call"), in one call: the hot path of
        instant replay draws exactly what `new`/`call_id` would, so a seeded run gives the same ids at any speed."""
        bits = self._rng.getrandbits
        return [b"call_%024x" % bits(96) if p == b"call" else b"%s_%048x" % (p, bits(192)) for p in prefixes]
