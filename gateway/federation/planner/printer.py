"""Printing a subgraph operation straight from the planner's selections, compactly (no indentation),
noting the client variables it uses on the way.

graphql-core's ``print_ast`` visits a whole AST and indents it; for the plans of a large operation that
was most of the planning time. The output is ordinary GraphQL any server parses.
"""

from __future__ import annotations

import json

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
)

from gateway.federation.planner.selection import FieldEntry, Selections

REPRESENTATIONS = "representations"


def print_operation(
    kind: str, selections: Selections, variables: dict[str, VariableDefinitionNode], *, entity: bool
) -> tuple[str, tuple[str, ...]]:
    """The operation's text and the client variables it uses (in the client's order)."""
    used: set[str] = set()
    body = _selections(selections, used)
    if entity:
        body = f"{{_entities(representations:${REPRESENTATIONS}){body}}}"
    names = tuple(name for name in variables if name in used)
    definitions = [f"${REPRESENTATIONS}:[_Any!]!"] if entity else []
    definitions += [_definition(variables[name], used) for name in names]
    head = kind + (f"({','.join(definitions)})" if definitions else "")
    return head + body, names


def _selections(selections: Selections, used: set[str]) -> str:
    parts: list[str] = []
    for entry in selections.items.values():
        if isinstance(entry, FieldEntry):
            text = f"{entry.alias}:{entry.name}" if entry.alias else entry.name
            if entry.arguments:
                text += "(" + ",".join(_argument(a, used) for a in entry.arguments) + ")"
            text += _directives(entry.directives, used)
            if entry.children is not None:
                if entry.children.is_empty():
                    entry.children.add_field("__typename")
                text += _selections(entry.children, used)
            parts.append(text)
        elif not entry.children.is_empty():
            condition = f" on {entry.type_condition}" if entry.type_condition else ""
            parts.append(f"...{condition}{_directives(entry.directives, used)}{_selections(entry.children, used)}")
    return "{" + " ".join(parts) + "}"


def _directives(directives: tuple[DirectiveNode, ...], used: set[str]) -> str:
    out = ""
    for directive in directives:
        out += f"@{directive.name.value}"
        if directive.arguments:
            out += "(" + ",".join(_argument(a, used) for a in directive.arguments) + ")"
    return out


def _argument(argument: ArgumentNode, used: set[str]) -> str:
    return f"{argument.name.value}:{_value(argument.value, used)}"


def _value(value: ValueNode, used: set[str]) -> str:
    if isinstance(value, VariableNode):
        used.add(value.name.value)
        return f"${value.name.value}"
    if isinstance(value, IntValueNode | FloatValueNode | EnumValueNode):
        return value.value
    if isinstance(value, StringValueNode):
        return json.dumps(value.value, ensure_ascii=False)
    if isinstance(value, BooleanValueNode):
        return "true" if value.value else "false"
    if isinstance(value, NullValueNode):
        return "null"
    if isinstance(value, ListValueNode):
        return "[" + ",".join(_value(item, used) for item in value.values) + "]"
    assert isinstance(value, ObjectValueNode)
    return "{" + ",".join(f"{f.name.value}:{_value(f.value, used)}" for f in value.fields) + "}"


def _definition(definition: VariableDefinitionNode, used: set[str]) -> str:
    text = f"${definition.variable.name.value}:{_type(definition.type)}"
    if definition.default_value is not None:
        text += f"={_value(definition.default_value, used)}"
    return text


def _type(node: TypeNode) -> str:
    if isinstance(node, NonNullTypeNode):
        return _type(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return f"[{_type(node.type)}]"
    return node.name.value  # type: ignore[attr-defined]
