"""Record/replay harness for agent sessions (cassettes, transcripts, pytest plugin, CLI)."""
