"""Small pieces both the app-server and the mock provider use (the SSE codec, atomic writes).

It imports nothing of `server`, `mockprovider` or `harness`, so either side may depend on it without
reaching sideways into the other.
"""
