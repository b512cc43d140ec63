"""Does an object of runtime type ``typename`` match the type condition ``condition``?

Shared by the flatten paths (``"... on T"``), the representations (``requires`` fragments), the
merge (which ``__typename`` wins) and the shaping of the response. Types are looked up in the whole
supergraph schema: an entity fetch may involve types the API schema hides (@inaccessible)."""

from __future__ import annotations

from graphql import GraphQLObjectType, GraphQLSchema, is_abstract_type

TYPE_CONDITION_PREFIX = "... on "


def type_matches(schema: GraphQLSchema, condition: str, typename: object) -> bool:
    if not isinstance(typename, str):
        return False
    if condition == typename:
        return True
    abstract = schema.get_type(condition)
    concrete = schema.get_type(typename)
    if abstract is None or not is_abstract_type(abstract):
        return False
    if isinstance(concrete, GraphQLObjectType):
        return schema.is_sub_type(abstract, concrete)  # type: ignore[arg-type]
    return False


def is_object_type(schema: GraphQLSchema, typename: object) -> bool:
    return isinstance(typename, str) and isinstance(schema.get_type(typename), GraphQLObjectType)


def condition_of(path_element: str) -> str | None:
    """The type name of a ``"... on T"`` path element, or None for a response key or ``"@"``."""
    if path_element.startswith(TYPE_CONDITION_PREFIX):
        return path_element[len(TYPE_CONDITION_PREFIX) :].strip()
    return None
