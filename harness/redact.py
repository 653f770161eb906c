"""Secrets never reach disk: scrub cassettes and transcripts, then refuse to save if anything is left.

Scrubbing covers secret headers, token-like query parameters, `sk-...` keys and JWTs anywhere in text,
and the literal values of secret environment variables (OPENAI_API_KEY and friends, plus any the user
names). The final check re-scans the serialised text, so a secret in a place no rule anticipated still
blocks the save instead of leaking.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mockprovider.cassette import Cassette, Interaction, RecordedChunk

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
_MIN_SECRET_LEN = 8  # shorter env values would redact ordinary words


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

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        for pattern in self.patterns:
            value = pattern.sub(REDACTED, value)
        return value

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
        chunks = [RecordedChunk(c.offset_ms, self.text(c.data.decode()).encode()) for c in item.chunks or []]
        return Interaction(
            method=item.method,
            uri=self.url(item.uri),
            request_headers=self.header_map(item.request_headers),
            request_body=self.text(item.request_body) if item.request_body is not None else None,
            status=item.status,
            reason=item.reason,
            response_headers=self.header_map(item.response_headers),
            body=self.text(item.body.decode("utf-8", errors="replace")).encode(),
            chunks=chunks if item.chunks is not None else None,
            ending=item.ending,
        )

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

    def leaks(self, text: str) -> list[str]:
        """Describe (without repeating) every secret still present in `text`."""
        found = [f"secret value #{i + 1} ({len(s)} chars)" for i, s in enumerate(self.secrets) if s in text]
        found += [f"text matching {p.pattern[:24]}..." for p in self.patterns if p.search(text)]
        return found

    def check(self, text: str, where: str) -> None:
        leaks = self.leaks(text)
        if leaks:
            raise SecretLeakError(f"refusing to write {where}: still contains {', '.join(leaks)}")


def save_cassette(cassette: Cassette, path: str | Path, redactor: Redactor) -> Cassette:
    """Scrub, verify nothing secret is left, then write atomically."""
    clean = redactor.cassette(cassette)
    redactor.check(clean.dumps(), str(path))
    clean.save(path)
    return clean
