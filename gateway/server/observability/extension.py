"""The GraphQL side of a request's observation: the admin's ``traceId`` in errors, the operation
handed to the middleware, and (when tracing) spans for parsing, validation and execution.

The middleware reads the operation's name and outcome once the response is sent, not here: when
validation fails strawberry calls ``get_results`` before the other extensions' ``on_operation``
has finished, so the error policy has not yet given the errors their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.auth.principal import Role
from gateway.telemetry import tracing
from gateway.telemetry.observation import OBSERVATION_KEY, Observation

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


def _observation(context: Any) -> Observation | None:
    request = getattr(context, "request", None)
    scope = getattr(request, "scope", None)
    return scope.get("state", {}).get(OBSERVATION_KEY) if scope is not None else None


class ObservedOperation(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        execution = self.execution_context
        errors: list[GraphQLError] = execution.pre_execution_errors or []
        principal = getattr(execution.context, "principal", None)
        role = principal.role if principal is not None else Role.PUBLIC
        if errors and role is Role.ADMIN:
            _add_trace_id(errors)
        observation = _observation(execution.context)
        if observation is not None:
            observation.execution = execution
            # Only names of keyed clients' operations that ran: the public cannot fill the label set.
            observation.may_label = role is not Role.PUBLIC and execution.result is not None
        return {}


def _add_trace_id(errors: list[GraphQLError]) -> None:
    trace_id = tracing.current_trace_id()
    if trace_id is not None:
        for error in errors:
            error.extensions = {**(error.extensions or {}), "traceId": trace_id}


class TracedOperation(ObservedOperation):
    """Adds a span for each phase; made only when tracing is on (no hooks run otherwise)."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def on_parse(self) -> Iterator[None]:
        with self.tracer.start_as_current_span("graphql.parse"):
            yield

    def on_validate(self) -> Iterator[None]:
        with self.tracer.start_as_current_span("graphql.validate"):
            yield

    def on_execute(self) -> Iterator[None]:
        name = self.execution_context.operation_name
        with self.tracer.start_as_current_span("graphql.execute") as span:
            if name is not None:
                span.set_attribute("graphql.operation.name", name[:100])
            yield


def schema_extensions(tracer: Tracer | None) -> list[Callable[[], SchemaExtension] | type[SchemaExtension]]:
    if tracer is None:
        return [ObservedOperation]
    return [lambda: TracedOperation(tracer)]
