"""Small readers of the client's selections and the supergraph's field sets, shared by the walk."""

from __future__ import annotations

import hashlib

from graphql import (
    DirectiveNode,
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    InlineFragmentNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)

from gateway.federation.model import Supergraph
from gateway.federation.planner.selection import FieldEntry, Selections, printed

_CONDITIONS = frozenset({"include", "skip"})


def copy_field_set(supergraph: Supergraph, into: Selections, type_name: str, selections: SelectionSetNode) -> None:
    """A key or @requires field set, added as is (``__typename`` in every abstract selection)."""
    parent = supergraph.schema.type_map[type_name]
    for selection in selections.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else type_name
            copy_field_set(supergraph, into.fragment(condition), condition, selection.selection_set)
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        if name == "__typename":
            into.add_field("__typename")
            continue
        graphql_field = parent.fields[name]  # type: ignore[union-attr]
        sfield = supergraph.types[type_name].fields.get(name)
        added = into.add_field(
            name,
            alias=alias_of(selection),
            arguments=tuple(selection.arguments or ()),
            subgraph_type=sfield.type if sfield else str(graphql_field.type),
            composite=selection.selection_set is not None,
        )
        if selection.selection_set is not None and added.children is not None:
            returned = get_named_type(graphql_field.type)
            if is_abstract_type(returned):
                added.children.add_field("__typename")
            copy_field_set(supergraph, added.children, returned.name, selection.selection_set)


def shadowed_names(document: DocumentNode) -> frozenset[str]:
    """The response keys the client gives to another field (``id: name``): a key or required field
    of that name, added by the planner, must answer under another key in the response tree."""
    shadowed: set[str] = set()
    stack = [d.selection_set for d in document.definitions if isinstance(d, ExecutableDefinitionNode)]
    while stack:
        for selection in stack.pop().selections:
            alias = selection.alias if isinstance(selection, FieldNode) else None
            if alias is not None and alias.value != selection.name.value:  # type: ignore[attr-defined]
                shadowed.add(alias.value)
            selection_set = getattr(selection, "selection_set", None)
            if selection_set is not None:
                stack.append(selection_set)
    return frozenset(shadowed)


def unshadowed(selections: SelectionSetNode, shadowed: frozenset[str]) -> SelectionSetNode:
    """A key or @requires selection with every shadowed field aliased ``<name>__key`` (the
    representation reads it from there: a ``requires`` alias names where the value is), and every
    field with arguments aliased ``<name>__key_<digest of its arguments>``: the client (or another
    @requires) may ask the same field with other arguments under its name, and one response key
    cannot hold both answers (``comments(limit: 3)`` required, ``comments(limit: 1)`` asked)."""
    out: list[SelectionNode] = []
    for selection in selections.selections:
        if isinstance(selection, InlineFragmentNode):
            inner = unshadowed(selection.selection_set, shadowed)
            out.append(InlineFragmentNode(type_condition=selection.type_condition, directives=(), selection_set=inner))
            continue
        assert isinstance(selection, FieldNode)
        out.append(
            FieldNode(
                alias=_required_alias(selection, shadowed),
                name=selection.name,
                arguments=selection.arguments,
                directives=(),
                selection_set=unshadowed(selection.selection_set, shadowed) if selection.selection_set else None,
            )
        )
    return SelectionSetNode(selections=tuple(out))


def _required_alias(selection: FieldNode, shadowed: frozenset[str]) -> NameNode | None:
    name = selection.name.value
    if selection.arguments:
        digest = hashlib.sha1(printed(tuple(selection.arguments)).encode(), usedforsecurity=False).hexdigest()
        return NameNode(value=f"{name}__key_{digest[:8]}")
    return NameNode(value=f"{name}__key") if name in shadowed else selection.alias


def conflicting(requires: Selections, type_name: str, required: SelectionSetNode) -> bool:
    """Does a fetch's representation of ``type_name`` already carry a required field of the same name
    with other arguments (``price(currency: "USD")`` beside ``price(currency: "EUR")``)?"""
    if not requires.has_fragment(type_name):
        return False
    representation = requires.fragment(type_name)
    held = {(e.name, printed(e.arguments)) for e in representation.items.values() if isinstance(e, FieldEntry)}
    names = {name for name, _ in held}
    return any(
        isinstance(selection, FieldNode)
        and selection.name.value in names
        and (selection.name.value, printed(tuple(selection.arguments or ()))) not in held
        for selection in required.selections
    )


def alias_of(node: FieldNode) -> str | None:
    return node.alias.value if node.alias else None


def conditions_of(node: SelectionNode) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in node.directives or () if d.name.value in _CONDITIONS)


def list_depth(graphql_type: object) -> int:
    depth = 0
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        if isinstance(graphql_type, GraphQLList):
            depth += 1
        graphql_type = graphql_type.of_type
    return depth


def response_shape(declared: str, composite: bool) -> str:
    """A field type's response shape: wrappers, and the named type only for leaves."""
    if not composite:
        return declared
    return "".join(ch for ch in declared if ch in "[]!")


def provided(provides: SelectionSetNode | None, name: str) -> FieldNode | None:
    if provides is None:
        return None
    for selection in provides.selections:
        if isinstance(selection, FieldNode) and selection.name.value == name:
            return selection
    return None


def narrow(provides: SelectionSetNode | None, concrete: str) -> SelectionSetNode | None:
    """The part of a @provides selection that applies to objects of ``concrete``."""
    if provides is None:
        return None
    kept: list[SelectionNode] = []
    for selection in provides.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else concrete
            if condition == concrete:
                kept.extend(selection.selection_set.selections)
        else:
            kept.append(selection)
    return SelectionSetNode(selections=tuple(kept))


def printable(path: tuple[str, ...]) -> str:
    return ".".join(path) or "the root"
