"""Sending a generated operation's arguments as variables instead of literals.

A literal reaches a scalar's ``parse_literal``; a variable reaches its ``parse_value`` and the
variable coercion, a different path (JSON numbers instead of GraphQL ones, objects where a string
was declared). hypothesis-graphql writes literals, so we lift each argument into a variable of the
argument's declared type, and sometimes swap a value for JSON of the wrong shape.
"""

from __future__ import annotations

from typing import Any

import graphql

# JSON a client may send in place of any variable: wrong types, deep nesting, numbers JSON allows
# and GraphQL does not.
WRONG_JSON: tuple[Any, ...] = (
    None,
    {},
    [],
    True,
    1.5,
    -0.0,
    "",
    "\x00",
    2**53 + 1,
    10**30,
    [[[[[[[[[[]]]]]]]]]],
    {"__typename": "CreditSubject", "code": {"$ne": None}},
    ["91350100M000100Y43"] * 3,
)


def lift_arguments(schema: graphql.GraphQLSchema, operation: str) -> tuple[str, dict[str, Any]]:
    """The operation with every argument a variable (``$v0``, ``$v1`` …) and the variables' values."""
    document = graphql.parse(operation)
    type_info = graphql.TypeInfo(schema)
    definitions: list[graphql.VariableDefinitionNode] = []
    values: dict[str, Any] = {}

    class Lift(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode | None:
            argument = type_info.get_argument()
            if argument is None or isinstance(node.value, graphql.VariableNode):
                return None
            name = f"v{len(values)}"
            values[name] = graphql.value_from_ast_untyped(node.value)
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(argument.type)))
            )
            return graphql.ArgumentNode(name=node.name, value=variable)

    lifted = graphql.visit(document, graphql.TypeInfoVisitor(type_info, Lift()))
    definition = lifted.definitions[0]
    assert isinstance(definition, graphql.OperationDefinitionNode)
    with_variables = graphql.OperationDefinitionNode(
        operation=definition.operation,
        name=definition.name,
        variable_definitions=tuple(definitions),
        directives=definition.directives,
        selection_set=definition.selection_set,
    )
    return graphql.print_ast(graphql.DocumentNode(definitions=(with_variables,))), values


def with_wrong_value(values: dict[str, Any], slot: int, wrong: Any) -> dict[str, Any]:
    """``values`` with the variable at ``slot`` (modulo their number) replaced by ``wrong``."""
    if not values:
        return values
    names = sorted(values)
    return {**values, names[slot % len(names)]: wrong}
