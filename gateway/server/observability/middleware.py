"""The outermost middleware: per GraphQL request, a count, a time, an access line and a span.

It wraps everything (authentication, rate limits, body limits), so refusals are measured too. The
GraphQL layer reports the operation name and outcome code through an :class:`Observation` in
``scope["state"]`` (see :mod:`gateway.server.observability.extension`); a request refused before it
(401, 413, 429 …) gets its outcome from the HTTP status.
"""

from __future__ import annotations

import logging
import re
from time import perf_counter, time
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.kernel.errors import (
    BAD_REQUEST,
    FORBIDDEN,
    INTERNAL_SERVER_ERROR,
    LIMIT_EXCEEDED,
    SERVICE_UNAVAILABLE,
    UNAUTHENTICATED,
)
from gateway.server.ratelimit import RATE_LIMITED
from gateway.telemetry import tracing
from gateway.telemetry.metrics import BoundedLabels, RequestMetrics
from gateway.telemetry.observation import OBSERVATION_KEY, OK, Observation

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

NO_OPERATION = "none"  # refused before GraphQL saw it
ANONYMOUS = "anonymous"  # an operation without a name
UNAUTHENTICATED_AUDIENCE = "unauthenticated"  # refused before a principal was known
# What the middlewares in gateway.server.http answer with each status (the body carries the same code).
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
ACCESS_MESSAGE = "%s %s %s audience=%s status=%d outcome=%s duration_ms=%.2f request_id=%s"


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
        # Made here, in the serving process (each worker builds its own app), so its process id is right.
        self._access_record_class, self._access_record = _access_record_template()

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
            # The observation holds strawberry's execution context, which holds our context, which holds
            # the request, whose scope holds the observation: a cycle that would keep the whole request
            # (its response data among it) alive until the cyclic collector runs. Read: let go.
            observation.execution = None

    def _log(
        self,
        scope: Scope,
        name: str | None,
        audience: str,
        status: int,
        outcome: str,
        seconds: float,
        state: dict[str, Any],
        trace_id: str | None,
    ) -> None:
        """The access line, as ``access_log.info(ACCESS_MESSAGE, ..., extra=fields)`` would log it, at
        less than half its cost: ``Logger.info`` looks for its caller in the stack and asks for the thread's
        and the process's names on every record, though no format of ours shows them. The record is a copy
        of one made the ordinary way, with this request's time, arguments and fields; ``Logger.handle`` then
        runs the logger's filters and handlers (and pytest's caplog) as usual."""
        record = self._access_record_class.__new__(self._access_record_class)
        record.__dict__.update(self._access_record)
        now = time()
        record.relativeCreated += (now - record.created) * 1_000
        record.created = now
        record.msecs = (now - int(now)) * 1_000 // 1
        operation = _shown_name(name)
        duration_ms = round(seconds * 1_000, 2)
        request_id = state.get("request_id", "-")
        record.args = (scope["method"], scope["path"], operation, audience, status, outcome, duration_ms, request_id)
        record.operation = operation
        record.audience = audience
        record.status = status
        record.outcome = outcome
        record.duration_ms = duration_ms
        record.request_id = request_id
        record.trace_id = trace_id or "-"
        access_log.handle(record)


def _access_record_template() -> tuple[type[logging.LogRecord], dict[str, Any]]:
    """The class and the attributes every access record shares (logger, level, message, thread, process …),
    from a record made by the logger itself (through any record factory installed), so that a handler
    sees what ``access_log.info`` would give it."""
    record = access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, ACCESS_MESSAGE, (), None, "_log")
    return type(record), dict(record.__dict__)


def _shown_name(name: str | None) -> str:
    """An operation name fit for a log line: a GraphQL name, or a placeholder (it is client input)."""
    if name is None:
        return "-"
    return name if _GRAPHQL_NAME.match(name) else "?"
