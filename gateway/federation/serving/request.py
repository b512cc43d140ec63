"""A client's operation, checked before anything is planned: parsed under the audience's token limit,
measured against its depth, alias, cost and field limits (gateway.policy.limits, the walk the local
``/graphql`` runs, before validation for the same reason: validation is what alias and fragment bombs
attack), validated against the audience's schema, one operation chosen, its variables coerced.

A refusal is a :class:`Refused` with the client's error(s), each with a stable ``extensions.code``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from gateway.kernel.document_memo import DOCUMENTS, MEMO_SIZE
from gateway.kernel.errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    LIMIT_EXCEEDED,
    OPERATION_NAME_REQUIRED,
)
from gateway.kernel.limits import MAX_SCALAR_NESTING
from gateway.policy.limits import Limits, ListSizes, NestingTooDeep, measure_cached, over_limit_message

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"  # the local path's code (gateway.server.extensions.abuse_limits)
_TOKEN_LIMIT = re.compile(r"Document contains more than \d+ tokens")
_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)
_META_FIELDS = frozenset({"__schema", "__type", "__typename"})


class Refused(Exception):
    """The operation is refused before planning; ``errors`` is the response's list."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "refused")
        self.errors = errors


def _error(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code, **extensions}}


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode
    operation_name: str | None
    # The client's variables as sent (checked against the operation's definitions).
    variables: dict[str, Any]
    # The document asks for __schema or __type somewhere.
    introspection: bool = False

    @property
    def is_introspection_only(self) -> bool:
        """Only fields ``__schema``, ``__type`` and ``__typename`` at the root (no fragments there)."""
        selections = self.operation.selection_set.selections
        return all(isinstance(s, FieldNode) and s.name.value in _META_FIELDS for s in selections)


def prepare(
    schema: GraphQLSchema,
    query: str,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    *,
    limits: Limits,
    sizes: ListSizes,
    may_introspect: bool,
    show_suggestions: bool,
) -> Prepared:
    document = _parse(query, limits.max_tokens)
    _check_variable_nesting(variables)
    introspection = _check_limits(schema, document, variables or {}, limits, sizes, may_introspect)
    # Kept with the document (the parse cache hands out one per text), as the local path keeps it:
    # validation was most of a federated request's CPU.
    problems = DOCUMENTS.get(document, ("validation", schema), lambda: validate(schema, document))
    if problems:
        raise Refused([_validation_error(p, show_suggestions) for p in problems])
    reserved = DOCUMENTS.get(document, ("reserved aliases",), lambda: _reserved_aliases(document))
    if reserved:
        raise Refused(reserved)
    operation = _choose(document, operation_name)
    if operation.operation is OperationType.SUBSCRIPTION:
        raise Refused([_error("Subscriptions are not served by the federated gateway", BAD_REQUEST)])
    given = dict(variables or {})
    # Checked here so that a wrong variable is refused before planning; the executor coerces them again
    # against the API schema, from what the client sent.
    coerced = get_variable_values(schema, operation.variable_definitions or (), given)
    if isinstance(coerced, list):
        raise Refused([_error(e.message, BAD_USER_INPUT) for e in coerced])
    name = operation.name.value if operation.name is not None else None
    return Prepared(document, operation, name, given, introspection)


@lru_cache(maxsize=MEMO_SIZE)
def _parsed(query: str, max_tokens: int) -> DocumentNode:
    """One document per distinct text (a syntax error is not kept: it is raised again each time)."""
    return parse(query, max_tokens=max_tokens)


def _parse(query: str, max_tokens: int) -> DocumentNode:
    try:
        return _parsed(query, max_tokens)
    except GraphQLSyntaxError as exc:
        if _TOKEN_LIMIT.search(exc.message):
            raise Refused(
                [
                    _error(
                        f"This query's tokens are over this client's limit of {max_tokens}",
                        LIMIT_EXCEEDED,
                        limit="tokens",
                        maximum=max_tokens,
                    )
                ]
            ) from None
        located = {"locations": [{"line": loc.line, "column": loc.column} for loc in exc.locations or ()]}
        raise Refused([{**_error(exc.message, GRAPHQL_PARSE_FAILED), **located}]) from None


def _check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any],
    limits: Limits,
    sizes: ListSizes,
    may_introspect: bool,
) -> bool:
    """Whether the document introspects; Refused when it is over a limit."""
    try:
        measured = measure_cached(schema, document, variables, sizes)
    except NestingTooDeep as exc:
        message = f"This query nests selections and fragments more than {exc.maximum} levels deep"
        raise Refused([_error(message, LIMIT_EXCEEDED, limit="nesting", maximum=exc.maximum)]) from None
    if measured.introspection and not may_introspect:
        raise Refused([_error("Introspection is disabled for this client", INTROSPECTION_DISABLED)])
    over = measured.first_over(limits)
    if over is not None:
        limit, maximum, actual = over
        message = over_limit_message(limit, maximum, actual)
        raise Refused([_error(message, LIMIT_EXCEEDED, limit=limit, maximum=maximum, actual=actual)])
    return measured.introspection


def _check_variable_nesting(variables: Mapping[str, Any] | None) -> None:
    """Refused when a variable's value nests lists and objects past MAX_SCALAR_NESTING: a custom
    scalar (JSON) takes any value, and the subgraph request holds it deeper still; JSON encoders stop
    at 255 levels. Iterative, and cheap for the usual flat variables."""
    stack: list[tuple[Any, int]] = [
        (value, 1) for value in (variables or {}).values() if isinstance(value, dict | list)
    ]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_SCALAR_NESTING:
            message = f"A variable's value nests lists and objects more than {MAX_SCALAR_NESTING} levels deep"
            raise Refused([_error(message, LIMIT_EXCEEDED, limit="variableNesting", maximum=MAX_SCALAR_NESTING)])
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _reserved_aliases(document: DocumentNode) -> list[dict[str, Any]]:
    """An error per alias that starts with ``__`` on a field that is not a meta field, or that is
    ``__typename`` on any other field: names starting ``__`` are GraphQL's own, and the gateway reads
    ``__typename`` in every answer to know an object's type (a client's ``id: __typename`` would take
    its place and its fields would be shaped for the wrong type)."""
    errors: list[dict[str, Any]] = []
    stack = [d.selection_set for d in document.definitions if isinstance(d, ExecutableDefinitionNode)]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                alias, name = selection.alias.value, selection.name.value
                if alias.startswith("__") and (name not in _META_FIELDS or (alias == "__typename") != (name == alias)):
                    message = f"The alias {alias!r} is reserved: names starting with '__' are GraphQL's own"
                    error = _error(message, GRAPHQL_VALIDATION_FAILED)
                    if selection.alias.loc is not None:
                        location = selection.alias.loc.source.get_location(selection.alias.loc.start)
                        error["locations"] = [{"line": location.line, "column": location.column}]
                    errors.append(error)
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)  # type: ignore[union-attr]
    return errors


def _validation_error(error: GraphQLError, show_suggestions: bool) -> dict[str, Any]:
    # "Did you mean …" would let a client map fields it may not see by guessing names.
    message = error.message if show_suggestions else _SUGGESTION.sub("", error.message)
    out = _error(message, GRAPHQL_VALIDATION_FAILED)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


def _choose(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        raise Refused(
            [_error("The document holds several operations: say which in operationName", OPERATION_NAME_REQUIRED)]
        )
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise Refused([_error(f"Unknown operation named {operation_name!r}", BAD_REQUEST)])
