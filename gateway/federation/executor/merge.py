"""Merging fetch results into the one response tree, and renaming keys of a result back.

The merge works in place: an entity fetch in flight holds references to objects of the tree, and
whatever another fetch merges meanwhile must land in those same objects. Objects merge key by key,
lists of the same length element by element; anything else is replaced by the newer value, except
that a ``__typename`` naming an interface (an @interfaceObject subgraph's answer) never replaces a
concrete one, and a concrete one always replaces an interface's name.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from gateway.federation.executor.type_conditions import condition_of, is_object_type, type_matches
from gateway.federation.query_plan import LIST_ELEMENT, KeyRenamer


def deep_merge(target: dict[str, Any], source: dict[str, Any], schema: GraphQLSchema) -> None:
    for key, value in source.items():
        if key not in target:
            target[key] = value
            continue
        current = target[key]
        if key == "__typename":
            if is_object_type(schema, value) or not is_object_type(schema, current):
                target[key] = value
        elif isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value, schema)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            _merge_lists(current, value, schema)
        else:
            target[key] = value


def _merge_lists(current: list[Any], value: list[Any], schema: GraphQLSchema) -> None:
    for index, (old, new) in enumerate(zip(current, value, strict=True)):
        if isinstance(old, dict) and isinstance(new, dict):
            deep_merge(old, new, schema)
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            _merge_lists(old, new, schema)
        else:
            current[index] = new


def apply_renames(value: Any, renamers: tuple[KeyRenamer, ...], schema: GraphQLSchema) -> None:
    for renamer in renamers:
        if renamer.path:
            _rename(value, renamer.path, renamer.rename_key_to, schema)


def _rename(value: Any, path: tuple[str, ...], new_key: str, schema: GraphQLSchema) -> None:
    element, rest = path[0], path[1:]
    if element == LIST_ELEMENT:
        if isinstance(value, list):
            for item in value:
                _rename(item, rest, new_key, schema)
        return
    if not isinstance(value, dict):
        return
    condition = condition_of(element)
    if condition is not None:
        if type_matches(schema, condition, value.get("__typename")) and rest:
            _rename(value, rest, new_key, schema)
        return
    if not rest:
        if element in value:
            value[new_key] = value.pop(element)
        return
    _rename(value.get(element), rest, new_key, schema)
