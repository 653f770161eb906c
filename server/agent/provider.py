"""The provider the model client calls: defined in server/provider.py, where config can share it without
an import cycle between the agent core and config."""

from server.provider import ProviderInfo

__all__ = ["ProviderInfo"]
