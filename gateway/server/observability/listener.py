"""The separate metrics listener (``CREDIT_GATEWAY_METRICS_BIND=host:port``): plain ``GET /metrics``
without authentication, in a thread of the ``serve`` process. With ``--workers N`` that process is
uvicorn's supervisor, and it reads every worker's files (multiprocess mode)."""

from __future__ import annotations

from collections.abc import Iterable
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from gateway.telemetry.metrics import exposition_registry


class _Exposition(Collector):
    """Builds the registry per scrape, so that in multiprocess mode new workers' files are read."""

    def collect(self) -> Iterable[Metric]:
        return exposition_registry().collect()


def start_metrics_listener(bind: str) -> WSGIServer:
    """Serve metrics on ``host:port`` (``[::1]:9464`` for IPv6) until the process ends; the server
    is returned so that a caller may shut it down."""
    host, _, port = bind.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host.strip("[]"), registry=_Exposition())
    return server
