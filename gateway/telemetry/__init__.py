"""Metrics and tracing: counters and spans that any layer may record; the server exposes them."""
