"""A bounded cache of parsed operations, shared by every request of the process.

Strawberry's own ``ParserCache`` parses inside its ``on_parse`` hook, where a syntax error (a token
limit, say) escapes the error handling of the parsing phase. This cache only fills in the document
when the text parses; otherwise it leaves the parse, and its error, to strawberry, where the abuse
limits rewrite it. Documents are keyed by text and token limit (roles differ in their limits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, parse, validate
from strawberry.extensions import SchemaExtension

from gateway.kernel.document_memo import DOCUMENTS

OPERATION_CACHE_SIZE = 1_000  # distinct operations kept: clients send few, so nearly all are hits


@lru_cache(maxsize=OPERATION_CACHE_SIZE)
def _parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


class OperationParseCache(SchemaExtension):
    """Must come after the extension that sets ``parse_options["max_tokens"]`` (the abuse limits)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            # On a syntax error strawberry parses it again and reports the error in its own way.
            with suppress(GraphQLError):
                context.graphql_document = _parse(context.query, context.parse_options.get("max_tokens"))
        yield


class DocumentValidationCache(SchemaExtension):
    """Validation errors per (schema, document, rules), kept with the document (see
    gateway.kernel.document_memo): strawberry's ValidationCache hashes the whole document instead."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            schema = context.schema._schema
            rules = tuple(context.validation_rules)
            context.pre_execution_errors = DOCUMENTS.get(
                document, ("validation", schema, rules), lambda: validate(schema, document, rules)
            )
        yield


def operation_caches() -> list[Callable[[], Any] | type[SchemaExtension]]:
    """The parse cache and the validation cache."""
    return [OperationParseCache, DocumentValidationCache]
