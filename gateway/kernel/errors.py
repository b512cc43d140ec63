"""Errors with a stable ``extensions.code``: clients branch on the code, never on the message."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

INVALID_SUBJECT_CODE = "INVALID_SUBJECT_CODE"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"  # the HTTP request itself is malformed (not JSON, wrong method …)
# A document of several operations without operationName: which to run? (HTTP 400, nothing ran)
OPERATION_NAME_REQUIRED = "OPERATION_NAME_REQUIRED"
LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
INVALID_SUBMISSION = "INVALID_SUBMISSION"
DUPLICATE_RECORD = "DUPLICATE_RECORD"
CONFLICT = "CONFLICT"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"  # the query record could not be written; nothing was returned
NOT_FOUND = "NOT_FOUND"  # an id that names nothing this principal may act on
# Partners: no current authorisation by this subject for this partner and purpose (extensions.reason says why).
AUTHORIZATION_REQUIRED = "AUTHORIZATION_REQUIRED"
# A field the principal's audience has, but not for this subject (outside contract ∩ authorisation, …).
FORBIDDEN_FIELD = "FORBIDDEN_FIELD"
# The database cannot be reached now: HTTP 503 with Retry-After; retry then (gateway.server.outage).
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
# A code that is not an administrative division (GB/T 2260, or nine digits for a town) or names none.
INVALID_DIVISION = "INVALID_DIVISION"
# A federated operation the supergraph cannot serve: no subgraph, or no key route, reaches a field.
OPERATION_NOT_PLANNABLE = "OPERATION_NOT_PLANNABLE"
# Remote subgraphs (gateway.federation.executor): a fetch gave no usable GraphQL answer; the fields it
# would have filled are null, with one of these at their paths.
SUBGRAPH_UNAVAILABLE = "SUBGRAPH_UNAVAILABLE"  # connection refused or reset, or a 5xx without a GraphQL body
SUBGRAPH_TIMEOUT = "SUBGRAPH_TIMEOUT"  # no complete answer within the subgraph's timeout
SUBGRAPH_BAD_RESPONSE = "SUBGRAPH_BAD_RESPONSE"  # HTML, malformed JSON, not a GraphQL response, wrong entities
SUBGRAPH_RESPONSE_TOO_LARGE = "SUBGRAPH_RESPONSE_TOO_LARGE"  # body over MAX_SUBGRAPH_RESPONSE_BYTES, not read on
# The fetch could not be written as JSON (variables or representations nested past what encoders allow).
SUBGRAPH_REQUEST_UNSERIALISABLE = "SUBGRAPH_REQUEST_UNSERIALISABLE"
# A subgraph's value the API schema cannot carry (an @inaccessible enum value), or null for a non-null field.
SUBGRAPH_INVALID_VALUE = "SUBGRAPH_INVALID_VALUE"


class GatewayError(GraphQLError):
    """An expected error: shown to the client as is, with its code and any extra extensions."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **extensions})
        self.code = code


class InvalidSubjectCode(GatewayError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"Invalid subject code {code!r}: {reason}", INVALID_SUBJECT_CODE, reason=reason)


class LimitExceeded(GatewayError):
    def __init__(self, what: str, given: int, maximum: int) -> None:
        super().__init__(
            f"{what} is limited to {maximum}; {given} were asked for",
            LIMIT_EXCEEDED,
            maximum=maximum,
            given=given,
        )


class BadUserInput(GatewayError):
    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, BAD_USER_INPUT, **extensions)


class ConfigurationError(Exception):
    """The gateway cannot start as configured (unknown plugin, clashing names, unreachable database)."""


def error_body(message: str, code: str) -> dict[str, Any]:
    """A GraphQL response body of one error, for answers given outside GraphQL execution (HTTP refusals)."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
