"""Identifiers shaped like each provider's: Responses (`resp_`, `msg_`, `rs_`, `fc_`, `ctc_`, `req_`),
Chat Completions (`chatcmpl-`, `call_`) and Anthropic Messages (`msg_01`, `toolu_01`, `req_01`)."""

from __future__ import annotations

import random

# Prefixes whose ids are not `prefix_` + 48 hex digits: the format and how many random bits fill it.
# (Real Chat Completions and Anthropic ids are base62; hex digits are a subset and cost far less to mint.)
_SHAPED: dict[bytes, tuple[bytes, int]] = {
    b"chatcmpl": (b"chatcmpl-%029x", 116),
    b"msg_01": (b"msg_01%022x", 88),
    b"toolu_01": (b"toolu_01%022x", 88),
    b"req_01": (b"req_01%022x", 88),
}
_SHAPED_STR = {k.decode(): (v[0].decode(), v[1]) for k, v in _SHAPED.items()}


class IdFactory:
    """Mint realistic ids; seeded for reproducible runs, random otherwise."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)

    def new(self, prefix: str) -> str:
        shaped = _SHAPED_STR.get(prefix)
        if shaped is not None:
            return shaped[0] % self._rng.getrandbits(shaped[1])
        # The real Responses service uses a prefix plus 48 hex digits.
        return f"{prefix}_{self._rng.getrandbits(192):048x}"

    def call_id(self) -> str:
        return f"call_{self._rng.getrandbits(96):024x}"

    def many_bytes(self, prefixes: list[bytes]) -> list[bytes]:
        """Fresh ids as bytes, `new` for each prefix (`call_id` for b"call"), in one call: the hot path of
        instant replay draws exactly what `new`/`call_id` would, so a seeded run gives the same ids at any speed."""
        bits = self._rng.getrandbits
        return [
            b"call_%024x" % bits(96)
            if p == b"call"
            else (b"%s_%048x" % (p, bits(192)) if p not in _SHAPED else _SHAPED[p][0] % bits(_SHAPED[p][1]))
            for p in prefixes
        ]
