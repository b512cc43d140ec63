"""Which operation of a document runs: the one ``operationName`` names, or the only one.

GraphQL's GetOperation is a request error when a document holds several operations and the
request names none; strawberry runs the first instead. This extension checks right after parsing,
before anything is validated or runs, and raises an error that strawberry hands to the HTTP view
as it does for an ``operationName`` the document lacks: the client gets 400 with a code either
way (:class:`gateway.server.app.GraphQLEndpoint`).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError

from gateway.kernel.errors import OPERATION_NAME_REQUIRED


class OperationNameRequired(CannotGetOperationTypeError):
    """A subclass of strawberry's own, which it lets through to the view instead of executing."""

    code = OPERATION_NAME_REQUIRED

    def __init__(self, count: int) -> None:
        super().__init__(None)
        self.count = count

    def as_http_error_reason(self) -> str:
        return f"The document holds {self.count} operations: operationName must say which one to run."


def operation_count(document: DocumentNode) -> int:
    return sum(isinstance(definition, OperationDefinitionNode) for definition in document.definitions)


class OperationChoice(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.graphql_document is None or context._provided_operation_name is not None:
            return
        count = operation_count(context.graphql_document)
        if count > 1:
            raise OperationNameRequired(count)


__all__ = ["OperationChoice", "OperationNameRequired", "operation_count"]
