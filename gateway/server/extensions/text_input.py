"""The schema extension that refuses control characters in any string a request brings.

One check before anything executes, for every operation of every audience, so that no resolver,
core or plugin, present or future, can forget it (:mod:`gateway.kernel.text_checks` says which characters
and why). It walks the variables' values and every string literal of the document (arguments,
list and object values, directive arguments, variable defaults); the first refused string stops the
request with ``BAD_USER_INPUT`` and ``extensions.argument``, its path: ``$ratings[0].subjectName``
for a variable, ``searchSubjects.name`` or ``submitTaxCreditRatings.ratings[0].subjectName`` for a
literal. Like the abuse limits, it raises from ``on_validate``, so the refusal is the response's
only error.

Both walks use an explicit stack: a value nested a thousand levels deep (the JSON parser allows it)
must be refused, not overflow Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
)
from strawberry.extensions import SchemaExtension

from gateway.kernel.document_memo import DOCUMENTS
from gateway.kernel.errors import BadUserInput
from gateway.kernel.text_checks import problem


def _index(path: str, position: int) -> str:
    return f"{path}[{position}]"


def _member(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def variable_strings(variables: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every string of the variables' values, with its path (``$name[0].field``)."""
    stack: list[tuple[str, Any]] = [(f"${name}", value) for name, value in reversed(list(variables.items()))]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, Mapping):
            stack.extend((_member(path, str(k)), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list | tuple):
            stack.extend((_index(path, i), v) for i, v in reversed(list(enumerate(value))))


def _value_strings(path: str, value: Node) -> Iterator[tuple[str, str]]:
    stack: list[tuple[str, Node]] = [(path, value)]
    while stack:
        at, node = stack.pop()
        if isinstance(node, StringValueNode):
            yield at, node.value
        elif isinstance(node, ListValueNode):
            stack.extend((_index(at, i), v) for i, v in reversed(list(enumerate(node.values))))
        elif isinstance(node, ObjectValueNode):
            stack.extend((_member(at, f.name.value), f.value) for f in reversed(node.fields))


def _directive_strings(path: str, directives: tuple[DirectiveNode, ...] | None) -> Iterator[tuple[str, str]]:
    for directive in directives or ():
        for argument in directive.arguments or ():
            yield from _value_strings(_member(path, f"@{directive.name.value}.{argument.name.value}"), argument.value)


def literal_strings(document: DocumentNode) -> Iterator[tuple[str, str]]:
    """Every string literal of the document, with the path of the argument that holds it."""
    stack: list[tuple[str, Node]] = []
    for definition in reversed(document.definitions):
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                if variable.default_value is not None:
                    yield from _value_strings(f"${variable.variable.name.value}", variable.default_value)
            yield from _directive_strings("", definition.directives)
            stack.append(("", definition))
        elif isinstance(definition, FragmentDefinitionNode):
            yield from _directive_strings("", definition.directives)
            stack.append(("", definition))
    while stack:
        path, node = stack.pop()
        if isinstance(node, FieldNode):
            path = _member(path, (node.alias or node.name).value)
            for argument in node.arguments or ():
                yield from _value_strings(_member(path, argument.name.value), argument.value)
            yield from _directive_strings(path, node.directives)
        elif isinstance(node, InlineFragmentNode):
            yield from _directive_strings(path, node.directives)
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend((path, selection) for selection in reversed(selection_set.selections))


def check_request(document: DocumentNode, variables: Mapping[str, Any] | None) -> None:
    """Raise BAD_USER_INPUT naming the first string of the request that holds a refused character:
    the variables' first, then the document's literals (found once per document)."""
    refused = _first_refused(variable_strings(variables or {}))
    if refused is None:
        refused = DOCUMENTS.get(document, "refused-literal", lambda: _first_refused(literal_strings(document)))
    if refused is not None:
        path, reason = refused
        raise BadUserInput(f"Argument {path} {reason}.", argument=path)


def _first_refused(strings: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    for path, text in strings:
        reason = problem(text)
        if reason is not None:
            return path, reason
    return None


class TextInputCheck(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            check_request(context.graphql_document, context.variables)
        yield
