"""The API schema: the supergraph as clients see it, without the linked specs' types and directives
(``join__*``, ``link__*``, ``@inaccessible``, ``@tag`` …) and without any element marked ``@inaccessible``.

Composition guarantees that a field whose type is inaccessible is inaccessible itself, so removing the
marked elements leaves a valid schema; it is validated all the same, and a failure names the element.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    REMOVE,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InputValueDefinitionNode,
    NamedTypeNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    Visitor,
    build_ast_schema,
    specified_directives,
    validate_schema,
    visit,
)

from gateway.federation.links import Links

_BUILT_IN_DIRECTIVES = frozenset(d.name for d in specified_directives)


def build_api_schema(document: DocumentNode, links: Links, error: type[Exception]) -> GraphQLSchema:
    removed_types = {
        definition.name.value
        for definition in document.definitions
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode)
        and (links.is_spec_element(definition.name.value) or links.is_inaccessible(definition))
    }
    kept_directives = _BUILT_IN_DIRECTIVES | {
        definition.name.value
        for definition in document.definitions
        if isinstance(definition, DirectiveDefinitionNode) and not links.is_spec_element(definition.name.value)
    }
    stripped = visit(document, _Strip(links, removed_types, kept_directives))
    try:
        schema = build_ast_schema(stripped)
    except (GraphQLError, TypeError) as exc:
        raise error(f"the API schema (the supergraph without its inaccessible elements) is invalid: {exc}") from exc
    problems = validate_schema(schema)
    if problems:
        raise error(f"the API schema (the supergraph without its inaccessible elements) is invalid: {problems[0]}")
    return schema


class _Strip(Visitor):
    def __init__(self, links: Links, removed_types: set[str], kept_directives: frozenset[str]) -> None:
        super().__init__()
        self.links = links
        self.removed_types = removed_types
        self.kept_directives = kept_directives

    def enter(self, node: Any, *_: Any) -> Any:
        if isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            return REMOVE if node.name.value in self.removed_types else None
        if isinstance(node, DirectiveDefinitionNode):
            return None if node.name.value in self.kept_directives else REMOVE
        if isinstance(node, DirectiveNode):
            return None if node.name.value in self.kept_directives else REMOVE
        if isinstance(node, FieldDefinitionNode | InputValueDefinitionNode | EnumValueDefinitionNode):
            return REMOVE if self.links.is_inaccessible(node) else None
        if isinstance(node, NamedTypeNode):
            # An inaccessible interface or union member leaves the lists that name it.
            return REMOVE if node.name.value in self.removed_types else None
        return None
