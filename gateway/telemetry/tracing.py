"""OpenTelemetry traces, when configured and installed (the ``otel`` extra); otherwise nothing at all.

Tracing is on with ``CREDIT_GATEWAY_OTEL_ENABLED=true`` or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``
(``OTEL_SDK_DISABLED=true`` wins). Spans go to the OTLP exporter the standard ``OTEL_EXPORTER_OTLP_*``
variables describe, unless the process already has an SDK tracer provider (set up by its host, by
``opentelemetry-instrument``, or by a test), which is then used as it is.

Without the packages this module still imports: :data:`AVAILABLE` is false and every helper is inert.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.kernel.errors import ConfigurationError

try:
    from opentelemetry import context as otel_context
    from opentelemetry import propagate, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError:  # the otel extra is not installed: tracing stays off
    AVAILABLE = False
else:
    AVAILABLE = True

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    # For annotations only: the log format imports this module, and the slim supervisor process of
    # `serve --workers N` (gateway.server.supervisor) should not load the settings (pydantic) for it.
    from gateway.kernel.settings import Settings

log = logging.getLogger("gateway.tracing")
INSTRUMENTATION_NAME = "credit-gateway"
_EXTRA_HINT = "pip install 'credit-gateway[otel]'"


def tracing_requested(settings: Settings) -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return settings.otel_enabled or bool(endpoint)


@dataclass(frozen=True, slots=True)
class Tracing:
    tracer: Tracer
    shutdown: Callable[[], None]  # flushes the spans of a provider this module made; else a no-op


def start_tracing(settings: Settings) -> Tracing | None:
    """The tracer of this app, or None when tracing is off. Raises ``ConfigurationError`` when
    tracing is explicitly enabled but the packages are missing."""
    if not tracing_requested(settings):
        return None
    try:
        from opentelemetry.sdk.trace import TracerProvider
    except ImportError:
        if settings.otel_enabled:
            raise ConfigurationError(f"CREDIT_GATEWAY_OTEL_ENABLED needs OpenTelemetry: {_EXTRA_HINT}") from None
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed (%s)", _EXTRA_HINT)
        return None
    shutdown: Callable[[], None] = _nothing
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = _otlp_provider(settings)
        trace.set_tracer_provider(provider)
        shutdown = provider.shutdown
    return Tracing(trace.get_tracer(INSTRUMENTATION_NAME), shutdown)


def _nothing() -> None:
    return None


def _otlp_provider(settings: Settings) -> Any:
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    try:
        if protocol.strip() == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise ConfigurationError(f"Tracing needs the OTLP exporter ({protocol}): {_EXTRA_HINT}") from None
    # OTEL_SERVICE_NAME, the standard variable, wins over the setting.
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: settings.otel_service_name}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def start_request_span(tracer: Tracer, scope: dict[str, Any]) -> tuple[Span, object]:
    """The request's server span, continuing the caller's trace (W3C ``traceparent``), made current."""
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    span = tracer.start_span(
        f"{scope['method']} {scope['path']}",
        context=propagate.extract(headers),
        kind=SpanKind.SERVER,
        attributes={"http.request.method": scope["method"], "url.path": scope["path"]},
    )
    return span, otel_context.attach(trace.set_span_in_context(span))


def end_request_span(span: Span, token: object, status: int, attributes: dict[str, str]) -> None:
    span.set_attributes(attributes)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()
    otel_context.detach(token)  # type: ignore[arg-type]


def current_trace_id() -> str | None:
    """The trace id (32 hex digits) of the current span, if any is being recorded or propagated."""
    if not AVAILABLE:
        return None
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def statement_span(tracer: Tracer, name: str, system: str, statement: str) -> Span:
    """A client span for one SQL statement, child of whatever span is current."""
    return tracer.start_span(
        name,
        kind=SpanKind.CLIENT,
        attributes={"db.system.name": system, "db.operation.name": name, "db.query.text": statement[:4_000]},
    )


def fail_span(span: Span, error: BaseException) -> None:
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
