"""The wire protocol: params models and the method table (imports nothing else of the server)."""
