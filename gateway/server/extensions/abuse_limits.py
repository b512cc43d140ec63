"""The schema extension that applies the caller's role limits before anything executes.

- tokens: graphql-core's parser counts them itself (``parse_options["max_tokens"]``), so an
  oversized document is abandoned mid-parse; the parse options are part of a parser cache's key,
  so a cache added later keeps working per limit.
- depth, aliases, cost, introspection: one walk of the parsed document (:mod:`gateway.policy.limits`),
  before graphql-core's validation, which is itself what alias and fragment bombs attack.
- "Did you mean" suggestions are cut from error messages for everyone but the admin, so that
  the schema cannot be mapped by guessing field names when introspection is off; for the same
  reason, whoever may not introspect reads validation messages that name only what it sent
  (:mod:`gateway.server.extensions.message_privacy`).
- fields: counted in the same walk, since graphql-core's check of overlapping fields gives up
  ("Validation aborted.") on a few hundred repetitions of one field; should validation still give
  up on some other shape, that too is answered as a limit.

A refused request raises from ``on_validate``: strawberry turns that into the response's only
error, and nothing executes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from graphql import GraphQLError, GraphQLSyntaxError, Lexer, Source, TokenKind
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension

from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.kernel.errors import LIMIT_EXCEEDED, GatewayError
from gateway.policy.limits import Limits, ListSizes, NestingTooDeep, measure_cached, over_limit_message
from gateway.server.extensions.message_privacy import hidden_type_names, redact, root_type_names, written_names

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
_TOKEN_LIMIT_MESSAGE = re.compile(r"Document contains more than \d+ tokens")
_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)
# How far past the limit a refused document is lexed to report its size: bounded, so that the
# report of an oversized query costs no more than a query within the limit.
_TOKEN_REPORT_FACTOR = 4


def strip_suggestions(message: str) -> str:
    """Remove graphql-core's trailing "Did you mean …?" hint from an error message."""
    return _SUGGESTION.sub("", message)


def may_introspect(principal: Principal, development_mode: bool) -> bool:
    return principal.role is Role.ADMIN or (development_mode and principal.role is Role.PORTAL)


def _count_tokens(query: str, cap: int) -> int:
    lexer = Lexer(Source(query))
    count = 0
    try:
        while count < cap and lexer.advance().kind is not TokenKind.EOF:
            count += 1
    except GraphQLSyntaxError:
        pass
    return count


def _too_complex(limit: str, maximum: int, actual: int) -> GatewayError:
    return GatewayError(
        over_limit_message(limit, maximum, actual),
        LIMIT_EXCEEDED,
        limit=limit,
        maximum=maximum,
        actual=actual,
    )


def _validation_gave_up(error: GraphQLError) -> GatewayError:
    """graphql-core stops validating a document that costs it too much (its own budgets of field
    comparisons and fragment work, or the interpreter's recursion limit); the client should learn
    that this is a limit of the query's size, not a mistake in it."""
    refused = GatewayError(
        "This query is too complex to validate; send fewer repeated fields or fragments",
        LIMIT_EXCEEDED,
        limit="validation",
    )
    refused.locations, refused.nodes = error.locations, error.nodes
    return refused


def _without_repeats(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Redacted messages can coincide ("… with all its required fields" once per missing field): one
    of each is as useful, and does not count what the message no longer names."""
    seen: set[tuple[str, str, str]] = set()
    kept: list[GraphQLError] = []
    for error in errors:
        key = (error.message, repr(error.locations), repr(error.path))
        if key not in seen:
            seen.add(key)
            kept.append(error)
    return kept


class AbuseLimits(SchemaExtension):
    def __init__(self, limits: Mapping[Role, Limits], sizes: ListSizes, development_mode: bool) -> None:
        self.limits = limits
        self.sizes = sizes
        self.development_mode = development_mode

    @classmethod
    def factory(
        cls, limits: Mapping[Role, Limits], sizes: ListSizes, development_mode: bool
    ) -> Callable[[], AbuseLimits]:
        """Strawberry makes one extension per request from this."""
        return lambda: cls(limits, sizes, development_mode)

    @property
    def _principal(self) -> Principal:
        return getattr(self.execution_context.context, "principal", PUBLIC)

    @property
    def _limits(self) -> Limits:
        return self.limits[self._principal.role]

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self._limits.max_tokens
        yield
        result = self.execution_context.result
        if self._principal.role is Role.ADMIN or result is None or not getattr(result, "errors", None):
            return
        if may_introspect(self._principal, self.development_mode):
            return  # whoever may read the schema may as well read its suggestions
        schema = self.execution_context.schema._schema
        hidden = hidden_type_names(schema, written_names(self.execution_context.graphql_document))
        shown = root_type_names(schema)
        for error in result.errors:
            error.message = strip_suggestions(error.message)
            if "code" not in (error.extensions or {}):  # graphql-core's own messages; ours name nothing hidden
                error.message = redact(error.message, hidden, shown)
        result.errors = _without_repeats(result.errors)

    def on_parse(self) -> Iterator[None]:
        yield
        # The parser's own message is a syntax error; say which limit, as for the other limits.
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and _TOKEN_LIMIT_MESSAGE.search(error.message):
                maximum = self._limits.max_tokens
                actual = _count_tokens(self.execution_context.query or "", maximum * _TOKEN_REPORT_FACTOR)
                replacement = _too_complex("tokens", maximum, actual)
                error.message, error.extensions = replacement.message, replacement.extensions
                error.locations = error.positions = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            self._check(document)
        yield
        errors = context.pre_execution_errors or []
        for index, error in enumerate(errors):
            if isinstance(error, ValidationAbortedError):
                errors[index] = _validation_gave_up(error)

    def _check(self, document: object) -> None:
        context = self.execution_context
        try:
            measured = measure_cached(context.schema._schema, document, context.variables or {}, self.sizes)  # type: ignore[arg-type]
        except NestingTooDeep as exc:
            raise GatewayError(
                f"This query nests selections and fragments more than {exc.maximum} levels deep",
                LIMIT_EXCEEDED,
                limit="nesting",
                maximum=exc.maximum,
            ) from None
        if measured.introspection and not may_introspect(self._principal, self.development_mode):
            raise GatewayError("Introspection is disabled for this client", INTROSPECTION_DISABLED)
        over = measured.first_over(self._limits)
        if over is not None:
            raise _too_complex(*over)


__all__ = ["INTROSPECTION_DISABLED", "AbuseLimits", "strip_suggestions"]
