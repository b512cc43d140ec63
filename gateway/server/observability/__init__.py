"""Metrics (Prometheus), traces (OpenTelemetry, optional) and structured logs.

:class:`gateway.server.observability.wiring.Observability` is what the application factory installs; the
other modules each do one job and keep the per-request work to a few dictionary look-ups.
"""
