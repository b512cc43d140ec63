"""The outermost middleware: per GraphQL request, a count, a time, an access line and a span.

It wraps everything (authentication, rate limits, body limits), so refusals are measured too. The
GraphQL layer reports the operation name and outcome code through an :class:`Observation` in
``scope["state"]`` (see :mod:`gateway.observability.extension`); a request refused before it
(401, 413, 429 …) gets its outcome from the HTTP status.
"""

from __future__ import annotations

import logging
import re
from time import perf_counter
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import (
    BAD_REQUEST,
    FORBIDDEN,
    INTERNAL_SERVER_ERROR,
    LIMIT_EXCEEDED,
    SERVICE_UNAVAILABLE,
    UNAUTHENTICATED,
)
from gateway.observability import tracing
from gateway.observability.metrics import BoundedLabels, RequestMetrics
from gateway.observability.observation import OBSERVATION_KEY, OK, Observation
from gateway.ratelimit import RATE_LIMITED

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

NO_OPERATION = "none"  # refused before GraphQL saw it
ANONYMOUS = "anonymous"  # an operation without a name
UNAUTHENTICATED_AUDIENCE = "unauthenticated"  # refused before a principal was known
# What the middlewares in gateway.http answer with each status (the body carries the same code).
_STATUS_OUTCOMES = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    413: LIMIT_EXCEEDED,
    429: RATE_LIMITED,
    500: INTERNAL_SERVER_ERROR,
    503: SERVICE_UNAVAILABLE,
}
_GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")

access_log = logging.getLogger("gateway.access")


def status_outcome(status: int) -> str:
    if status < 400:
        return OK
    return _STATUS_OUTCOMES.get(status) or f"HTTP_{status // 100}XX"


class ObservabilityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: frozenset[str],
        operations: BoundedLabels,
        tracer: Tracer | None = None,
        access_log_enabled: bool = True,
    ) -> None:
        self.app = app
        self.paths = paths
        self.operations = operations
        self.metrics = RequestMetrics()
        self.tracer = tracer
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        state = scope.setdefault("state", {})
        observation = state[OBSERVATION_KEY] = Observation()
        status = 500  # unless a response starts

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        span, token = tracing.start_request_span(self.tracer, scope) if self.tracer is not None else (None, None)
        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = perf_counter() - started
            principal = state.get("principal")
            audience = principal.role.value if principal is not None else UNAUTHENTICATED_AUDIENCE
            # A server failure after GraphQL answered (an outage turned into a 503) overrides its outcome.
            graphql_outcome = observation.outcome()
            outcome = status_outcome(status) if status >= 500 else graphql_outcome or status_outcome(status)
            name = observation.operation_name
            if name is None:
                operation = ANONYMOUS if observation.execution is not None else NO_OPERATION
            else:
                operation = self.operations.label(name, admit=observation.may_label)
            self.metrics.observe(operation, audience, outcome, seconds)
            trace_id = tracing.current_trace_id() if span is not None else None
            if self.access_log_enabled and access_log.isEnabledFor(logging.INFO):
                self._log(scope, name, audience, status, outcome, seconds, state, trace_id)
            if span is not None:
                attributes = {"graphql.operation.name": _shown_name(name), "credit_gateway.audience": audience}
                tracing.end_request_span(span, token, status, {**attributes, "credit_gateway.outcome": outcome})

    @staticmethod
    def _log(
        scope: Scope,
        name: str | None,
        audience: str,
        status: int,
        outcome: str,
        seconds: float,
        state: dict[str, Any],
        trace_id: str | None,
    ) -> None:
        fields = {
            "operation": _shown_name(name),
            "audience": audience,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(seconds * 1_000, 2),
            "request_id": state.get("request_id", "-"),
            "trace_id": trace_id or "-",
        }
        access_log.info(
            "%s %s %s audience=%s status=%d outcome=%s duration_ms=%.2f request_id=%s",
            scope["method"],
            scope["path"],
            fields["operation"],
            audience,
            status,
            outcome,
            fields["duration_ms"],
            fields["request_id"],
            extra=fields,
        )


def _shown_name(name: str | None) -> str:
    """An operation name fit for a log line: a GraphQL name, or a placeholder (it is client input)."""
    if name is None:
        return "-"
    return name if _GRAPHQL_NAME.match(name) else "?"
