"""Secrets never reach disk: scrub cassettes and transcripts, then refuse to save if anything is left.

Scrubbing covers secret headers, token-like query parameters, `sk-...` keys and JWTs anywhere in text,
and the literal values of secret environment variables (OPENAI_API_KEY and friends, plus any the user
names). A response is scanned as a replay would hand it back: the chunks joined, JSON strings decoded,
deltas accumulated, base64 decoded (see `secretscan`). A find is removed from every chunk it touches,
keeping the chunk count and offsets. The final check re-scans the result and the serialised text, so a
secret in a place no rule anticipated still blocks the save instead of leaking.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockprovider.cassette import Cassette, Interaction, RecordedChunk

from .secretscan import Hit, base64_finder, stream_hits

REDACTED = "REDACTED"
SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie", "set-cookie",
     "proxy-authorization", "chatgpt-account-id", "x-goog-api-key"}
)  # fmt: skip
SECRET_QUERY = frozenset({"key", "api_key", "api-key", "apikey", "token", "access_token", "auth", "sig", "signature"})
DEFAULT_SECRET_ENV = ("OPENAI_API_KEY", "CODEX_API_KEY", "AZURE_OPENAI_API_KEY", "OPENAI_ADMIN_KEY")
PATTERNS = (
    re.compile(r"sk-[A-Za-z0-9][A-Za-z0-9_\-]{15,}"),
    re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
)
_KIND = {PATTERNS[0].pattern: "an sk- API key", PATTERNS[1].pattern: "a JWT"}  # named beside the pattern
_MIN_SECRET_LEN = 8  # shorter env values would redact ordinary words
_MIN_CREDENTIAL_LEN = 6  # an explicitly given password: shorter ones would still redact ordinary words


class SecretLeakError(RuntimeError):
    """Raised instead of saving a file in which a secret is still present."""


@dataclass(frozen=True, slots=True)
class Redactor:
    secrets: tuple[str, ...] = ()  # literal values to remove wherever they appear
    headers: frozenset[str] = SECRET_HEADERS
    query: frozenset[str] = SECRET_QUERY
    patterns: tuple[re.Pattern[str], ...] = field(default=PATTERNS)

    @classmethod
    def from_env(cls, extra_env: Iterable[str] = (), env: Mapping[str, str] | None = None) -> Redactor:
        env = os.environ if env is None else env
        names = [*DEFAULT_SECRET_ENV, *extra_env, *env.get("REELKIT_SECRET_ENV", "").split(",")]
        values = {env[n] for n in names if n and len(env.get(n, "")) >= _MIN_SECRET_LEN}
        return cls(secrets=tuple(sorted(values, key=len, reverse=True)))

    def with_secrets(self, *values: str) -> Redactor:
        """This redactor, also removing `values` (e.g. a password from the upstream URL)."""
        extra = {v for v in values if len(v) >= _MIN_CREDENTIAL_LEN} - set(self.secrets)
        merged = sorted({*self.secrets, *extra}, key=len, reverse=True)
        return Redactor(tuple(merged), self.headers, self.query, self.patterns)

    # -- finding ---------------------------------------------------------------------------------------

    def _plain(self, text: str, needles: Iterable[str]) -> list[tuple[int, int, str]]:
        out = []
        for number, needle in enumerate(needles, 1):
            start = text.find(needle)
            while start >= 0:
                out.append((start, start + len(needle), f"secret value #{number} ({len(needle)} chars)"))
                start = text.find(needle, start + 1)
        for pattern in self.patterns:
            name = _KIND.get(pattern.pattern, "a secret")
            kind = f"{name} (text matching {pattern.pattern[:24]}...)"
            out += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
        return out

    def _find_text(self, text: str) -> list[tuple[int, int, str]]:
        """Secrets in decoded text, plain or base64-encoded."""
        return [*self._plain(text, self.secrets), *base64_finder(self._find_decoded)(text)]

    def _find_decoded(self, text: str) -> list[tuple[int, int, str]]:
        # base64 decodes to bytes, shown as latin-1: match the UTF-8 bytes of each literal secret.
        return self._plain(text, [s.encode().decode("latin-1") for s in self.secrets])

    def _find_raw(self, text: str) -> list[tuple[int, int, str]]:
        return [*self._find_decoded(text), *base64_finder(self._find_decoded)(text)]

    def hits(self, data: bytes) -> list[Hit]:
        return stream_hits(data, self._find_raw, self._find_text)

    def leaks(self, text: str) -> list[str]:
        """Describe (without repeating) every secret still present in `text`."""
        return _kinds(self.hits(text.encode()))

    # -- scrubbing -------------------------------------------------------------------------------------

    def stream(self, chunks: list[bytes]) -> list[bytes]:
        """Remove every secret from the joined chunks; the same number of chunks comes back."""
        data = b"".join(chunks)
        hits = self.hits(data)
        if not hits:
            return chunks
        cuts, pos = [], 0
        for chunk in chunks:
            pos += len(chunk)
            cuts.append(pos)
        return _apply(data, hits, cuts[:-1])

    def data(self, value: bytes) -> bytes:
        return self.stream([value])[0]

    def text(self, value: str) -> str:
        return self.data(value.encode()).decode("utf-8", errors="replace")

    def url(self, value: str) -> str:
        parts = urlsplit(value)
        query = [
            (k, REDACTED if k.lower() in self.query else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        netloc = parts.netloc.rsplit("@", 1)[-1]  # never keep user:password@
        return self.text(urlunsplit(parts._replace(netloc=netloc, query=urlencode(query))))

    def header_map(self, headers: Mapping[str, list[str]]) -> dict[str, list[str]]:
        return {
            k: [REDACTED if k.lower() in self.headers else self.text(v) for v in vals] for k, vals in headers.items()
        }

    def interaction(self, item: Interaction) -> Interaction:
        chunks = item.chunks
        body = self.data(item.body)
        if chunks is not None:
            scrubbed = self.stream([c.data for c in chunks])
            chunks = [RecordedChunk(c.offset_ms, d) for c, d in zip(chunks, scrubbed, strict=True)]
            if b"".join(c.data for c in item.chunks or []) == item.body:
                body = b"".join(scrubbed)  # the body is the chunks joined: keep it so
        return Interaction(
            method=item.method,
            uri=self.url(item.uri),
            request_headers=self.header_map(item.request_headers),
            request_body=self.text(item.request_body) if item.request_body is not None else None,
            status=item.status,
            reason=item.reason,  # not rewritten: a secret here refuses the interaction (see `clean`)
            response_headers=self.header_map(item.response_headers),
            body=body,
            chunks=chunks,
            ending=item.ending,
        )

    def interaction_leaks(self, item: Interaction) -> list[str]:
        """What a replay of `item` would still hand back, scanned the same way as when scrubbing."""
        parts = [item.uri, item.reason, item.request_body or ""]
        parts += [f"{k}: {v}" for headers in (item.request_headers, item.response_headers) for k, vs in
                  headers.items() for v in vs]  # fmt: skip
        kinds = _kinds([h for part in parts for h in self.hits(part.encode())])
        kinds += _kinds(self.hits(item.body))
        joined = b"".join(c.data for c in item.chunks) if item.chunks is not None else item.body
        if joined != item.body:  # the usual case, chunks adding up to the body, is scanned once
            kinds += _kinds(self.hits(joined))
        return sorted(set(kinds))

    def clean(self, item: Interaction, label: str) -> Interaction:
        """Scrub `item`; raise SecretLeakError naming `label` and the kind of secret if any is left."""
        clean = self.interaction(item)
        leaks = self.interaction_leaks(clean)
        if leaks:
            raise SecretLeakError(f"{label}: still contains {', '.join(leaks)}")
        return clean

    def cassette(self, cassette: Cassette) -> Cassette:
        return Cassette(
            [self.interaction(i) for i in cassette.interactions], self.deep(cassette.metadata), cassette.path
        )

    def deep(self, value: Any) -> Any:
        """Scrub every string inside nested dicts and lists (metadata, scenarios, transcripts)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value

    def check(self, text: str, where: str) -> None:
        leaks = self.leaks(text)
        if leaks:
            raise SecretLeakError(f"refusing to write {where}: still contains {', '.join(leaks)}")


def _kinds(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(h.kind for h in hits))


def _apply(data: bytes, hits: list[Hit], cuts: list[int]) -> list[bytes]:
    """Replace each merged hit (the lead piece by REDACTED, the others by nothing) and re-cut at `cuts`.

    A cut inside a removed range moves to its end, so the marker stays in the chunk where the secret began
    and no chunk keeps a piece of it.
    """
    merged: list[list[int]] = []  # [start, end, lead]
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if merged and hit.start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hit.end)
            merged[-1][2] |= hit.lead
        else:
            merged.append([hit.start, hit.end, int(hit.lead)])
    out, moved, pos, shift = bytearray(), [], 0, 0
    cut_iter = iter(cuts)
    cut = next(cut_iter, None)
    for start, end, lead in merged:
        while cut is not None and cut <= start:
            moved.append(cut + shift)
            cut = next(cut_iter, None)
        out += data[pos:start]
        marker = REDACTED.encode() if lead else b""
        out += marker
        shift += len(marker) - (end - start)
        while cut is not None and cut < end:
            moved.append(end + shift)
            cut = next(cut_iter, None)
        pos = end
    out += data[pos:]
    while cut is not None:
        moved.append(cut + shift)
        cut = next(cut_iter, None)
    bounds = [0, *moved, len(out)]
    return [bytes(out[a:b]) for a, b in itertools.pairwise(bounds)]


def save_cassette(cassette: Cassette, path: str | Path, redactor: Redactor, *, scrubbed: bool = False) -> Cassette:
    """Scrub, verify nothing secret is left, then write atomically (all or nothing). With `scrubbed`, the
    interactions already went through `Redactor.clean` (the proxy, which saves after every exchange, so
    rescanning them each time would grow with the square of the session); the written text is checked anyway."""
    if scrubbed:
        clean = Cassette(list(cassette.interactions), redactor.deep(cassette.metadata), cassette.path)
        redactor.check(clean.dumps(), str(path))
        clean.save(path)
        return clean
    clean = redactor.cassette(cassette)
    for index, item in enumerate(clean.interactions):
        leaks = redactor.interaction_leaks(item)
        if leaks:
            raise SecretLeakError(
                f"refusing to write {path}: still contains {', '.join(leaks)} (interaction #{index} {describe(item)})"
            )
    redactor.check(clean.dumps(), str(path))
    clean.save(path)
    return clean


def describe(item: Interaction) -> str:
    return f"{item.method} {urlsplit(item.uri).path} -> {item.status}"
