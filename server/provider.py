"""A resolved model provider, shared by config (which resolves it) and the agent core (which calls it).

No HTTP imports here: config loading must stay cheap at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A `[model_providers.X]` entry, resolved (the API key read from the environment)."""

    name: str
    base_url: str
    api_key: str | None = None
    query_params: dict[str, str] = field(default_factory=dict)
    http_headers: dict[str, str] = field(default_factory=dict)
    request_max_retries: int = 4
    stream_max_retries: int = 5
    stream_idle_timeout_ms: int = 300_000

    @property
    def responses_url(self) -> str:
        return self.base_url.rstrip("/") + "/responses"
