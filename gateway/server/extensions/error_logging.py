"""What the log keeps of a request's errors: a client's mistakes cost one line, a bug its traceback, once.

Strawberry logs every error of every request at ERROR with a traceback (``Schema.process_errors``),
so that one malformed request of 3.6 KB wrote 50 KB of log. The audience schemas route that hook
here instead (:meth:`gateway.server.schema.AudienceSchema.process_errors`):

- expected errors (ours with a code, permission refusals, syntax and validation errors): one DEBUG
  line per request, without traceback;
- unexpected errors: :class:`gateway.server.extensions.error_policy.ErrorPolicy` logs (and masks) them when the
  operation ends. An exception that escapes an extension's hook ends the operation before the policy
  sees the result, and strawberry makes it an error only afterwards: those are masked and logged here,
  through the same policy, so that every unexpected error is logged exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.server.extensions.error_policy import apply_policy

log = logging.getLogger("gateway.kernel.errors")
_CLOSED = "_gateway_operation_closed"  # set on the ExecutionContext once the operation hooks have ended
_SUMMARY_CHARACTERS = 200


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class OperationBoundary(SchemaExtension):
    """The first extension, so that its hook ends last: after it, no extension will see the result."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            setattr(self.execution_context, _CLOSED, True)


def log_errors(errors: list[GraphQLError], execution_context: Any) -> None:
    request_id = getattr(getattr(execution_context, "context", None), "request_id", "-")
    closed = getattr(execution_context, _CLOSED, False)
    expected = [error for error in errors if not is_unexpected(error)]
    if expected:
        first = " ".join(expected[0].message.split())[:_SUMMARY_CHARACTERS]
        log.debug("request %s: %d client error(s), the first: %s", request_id, len(expected), first)
    if closed:
        for index, error in enumerate(errors):
            if is_unexpected(error):
                errors[index] = apply_policy(error, request_id)  # logs it, with its traceback


__all__ = ["OperationBoundary", "is_unexpected", "log_errors"]
