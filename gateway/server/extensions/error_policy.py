"""Every error leaves with a stable ``extensions.code``; unexpected ones leave masked.

Expected errors (:class:`gateway.kernel.errors.GatewayError`, permission refusals, GraphQL syntax and
validation errors) are shown as they are. A database outage becomes ``SERVICE_UNAVAILABLE`` (and
the endpoint makes the response a 503). Anything else is a bug: the client sees a generic message
with the request id, and the log keeps the full traceback under that id.
"""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.db.availability import is_database_unavailable
from gateway.kernel.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    SERVICE_UNAVAILABLE,
)

log = logging.getLogger("gateway.kernel.errors")


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "unknown")
        result.errors = [apply_policy(error, request_id) for error in result.errors]


def _replaced(
    error: GraphQLError, message: str, extensions: dict[str, object], original_error: Exception | None = None
) -> GraphQLError:
    """A new error in the place of ``error`` (its location and path), with another message."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original_error,
        extensions=extensions,
    )


def apply_policy(error: GraphQLError, request_id: str) -> GraphQLError:
    """``error`` as the client may see it: coded, and masked (and logged) when unexpected."""
    original = error.original_error
    if is_database_unavailable(original):
        # An outage, not a bug: the endpoint answers the whole request with a 503 (gateway.server.outage),
        # which it tells by the original error kept here. The driver's message is not shown.
        return _replaced(error, "The database is unavailable; retry later.", {"code": SERVICE_UNAVAILABLE}, original)
    if original is None or isinstance(original, GraphQLError):
        extensions = dict(error.extensions or {})
        if "code" not in extensions:
            syntax = error.message.startswith("Syntax Error")
            extensions["code"] = GRAPHQL_PARSE_FAILED if syntax else GRAPHQL_VALIDATION_FAILED
        error.extensions = extensions
        if error.message.startswith("Cannot query field") and "on type 'Mutation'" in error.message:
            # A mutation outside this audience's schema: say what would let the client call it.
            error.message += " This audience's schema lacks it: check the key (Authorization: Bearer <key>)."
        return error
    log.error(
        "request %s: unexpected error at %s",
        request_id,
        ".".join(map(str, error.path or [])),
        exc_info=(type(original), original, original.__traceback__),
    )
    return _replaced(
        error,
        f"Internal error; quote request id {request_id} when reporting it.",
        {"code": INTERNAL_SERVER_ERROR, "requestId": request_id},
    )
