"""What the application factory installs: the middleware, the /metrics route, the schema extension,
the engine's instruments, and what to close at shutdown."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from starlette.routing import Route

from gateway.kernel.settings import Settings
from gateway.server.observability.endpoint import metrics_endpoint
from gateway.server.observability.extension import schema_extensions
from gateway.server.observability.middleware import ObservabilityMiddleware
from gateway.server.observability.sql import instrument_engine
from gateway.telemetry import metrics
from gateway.telemetry.tracing import start_tracing

GRAPHQL_PATHS = frozenset({"/graphql"})


class Observability:
    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.tracing = start_tracing(settings)
        tracer = self.tracing.tracer if self.tracing is not None else None
        instrument_engine(engine, tracer)
        metrics.watch_pool(engine.sync_engine)
        self.schema_extensions: list[Any] = schema_extensions(tracer)
        operations = metrics.BoundedLabels(settings.metrics_operation_names, settings.metrics_max_operation_names)
        self.middleware = [
            Middleware(
                ObservabilityMiddleware,
                paths=GRAPHQL_PATHS,
                operations=operations,
                tracer=tracer,
                access_log_enabled=settings.access_log,
            )
        ]
        self.routes = [Route("/metrics", metrics_endpoint)] if settings.metrics_enabled else []

    def close(self) -> None:
        metrics.forget_process()
        if self.tracing is not None:
            self.tracing.shutdown()
