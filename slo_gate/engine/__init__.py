"""The engine: pure computation from measurements, policy, history and "now" to a verdict.

Nothing here performs I/O, reads the environment or the clock (enforced by ruff's banned-api).
"""
