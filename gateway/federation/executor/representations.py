"""The objects a flatten path reaches, and the ``_entities`` representations built from them.

Each object at the path (``"@"`` steps into every list element, nulls are skipped, ``"... on T"``
keeps the objects of that type) yields one representation: the ``requires`` selection read from the
object, then the fetch's ``input_rewrites``. An object without ``__typename``, matching no fragment, or
lacking a selected field is skipped: the subgraph could not resolve it. So is one with a null in a key
field of the representation's type in the target subgraph (a reference without a complete key names
no entity); a null elsewhere (a required field that is null) is sent as is.

Equal representations are sent once; :class:`Batch` remembers every object each came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FieldNode, GraphQLSchema, InlineFragmentNode, SelectionSetNode

from gateway.federation.executor.errors import Path
from gateway.federation.executor.type_conditions import condition_of, type_matches
from gateway.federation.model import Supergraph
from gateway.federation.query_plan import LIST_ELEMENT, Fetch, ValueSetter

Target = tuple[dict[str, Any], Path]


class _Skip(Exception):
    """This object yields no representation."""


@dataclass
class Batch:
    representations: list[dict[str, Any]] = field(default_factory=list)
    # origins[i]: the objects (and their response paths) representation i was built from.
    origins: list[list[Target]] = field(default_factory=list)


def objects_at(data: dict[str, Any], path: tuple[str, ...], schema: GraphQLSchema) -> list[Target]:
    current: list[tuple[Any, Path]] = [(data, ())]
    for element in path:
        step: list[tuple[Any, Path]] = []
        condition = condition_of(element)
        for value, at in current:
            if element == LIST_ELEMENT:
                if isinstance(value, list):
                    step.extend((item, (*at, index)) for index, item in enumerate(value) if item is not None)
            elif condition is not None:
                if isinstance(value, dict) and type_matches(schema, condition, value.get("__typename")):
                    step.append((value, at))
            elif isinstance(value, dict):
                child = value.get(element)
                if child is not None:
                    step.append((child, (*at, element)))
        current = step
    # A path ending on a list (no final "@") means its elements, as a path ending on "@" does.
    out: list[Target] = []
    for value, at in current:
        if isinstance(value, dict):
            out.append((value, at))
        elif isinstance(value, list):
            out.extend((item, (*at, i)) for i, item in enumerate(value) if isinstance(item, dict))
    return out


def build_batch(targets: list[Target], fetch: Fetch, supergraph: Supergraph) -> Batch:
    assert fetch.requires is not None
    batch = Batch()
    index_of: dict[bytes, int] = {}
    key_paths: dict[str, frozenset[tuple[str, ...]]] = {}
    for obj, at in targets:
        try:
            representation = _select(obj, fetch.requires, supergraph.schema, top=True)
        except _Skip:
            continue
        for setter in fetch.input_rewrites:
            _set_value(representation, setter, supergraph.schema)
        typename = representation.get("__typename")
        if not isinstance(typename, str):
            continue
        if typename not in key_paths:
            key_paths[typename] = _key_paths(supergraph, typename, fetch.subgraph)
        if _null_in_key(representation, key_paths[typename]):
            continue
        identity = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
        index = index_of.get(identity)
        if index is None:
            index = index_of[identity] = len(batch.representations)
            batch.representations.append(representation)
            batch.origins.append([])
        batch.origins[index].append((obj, at))
    return batch


def _select(value: dict[str, Any], selection_set: SelectionSetNode, schema: GraphQLSchema, top: bool) -> dict[str, Any]:
    typename = value.get("__typename")
    if top and not isinstance(typename, str):
        raise _Skip
    out: dict[str, Any] = {}
    matched = _merge_selection(value, selection_set, schema, out, typename)
    if top and not matched:
        raise _Skip
    return out


def _merge_selection(
    value: dict[str, Any], selection_set: SelectionSetNode, schema: GraphQLSchema, out: dict[str, Any], typename: Any
) -> bool:
    """Copy the selected fields of ``value`` into ``out``; False when no field applied to this type."""
    matched = False
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if condition is None or type_matches(schema, condition, typename):
                matched |= _merge_selection(value, selection.selection_set, schema, out, typename)
            continue
        if not isinstance(selection, FieldNode):
            continue
        matched = True
        name = selection.name.value
        key = selection.alias.value if selection.alias else name
        if key not in value:
            raise _Skip
        out[name] = _copy(value[key], selection.selection_set, schema)
    return matched


def _copy(value: Any, selection_set: SelectionSetNode | None, schema: GraphQLSchema) -> Any:
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [_copy(item, selection_set, schema) for item in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        _merge_selection(value, selection_set, schema, out, value.get("__typename"))
        return out
    raise _Skip  # a scalar where the selection expects an object: not this subgraph's shape


def _set_value(representation: dict[str, Any], setter: ValueSetter, schema: GraphQLSchema) -> None:
    current: Any = representation
    for element in setter.path[:-1]:
        condition = condition_of(element)
        if condition is not None:
            if not type_matches(schema, condition, current.get("__typename")):
                return
            continue
        current = current.get(element)
        if not isinstance(current, dict):
            return
    if setter.path:
        current[setter.path[-1]] = setter.set_value_to


def _key_paths(supergraph: Supergraph, typename: str, subgraph: str) -> frozenset[tuple[str, ...]]:
    """Every field path (prefixes included) of the type's keys in the subgraph."""
    entity = supergraph.types.get(typename)
    if entity is None:
        return frozenset()
    paths: set[tuple[str, ...]] = set()
    for key in entity.keys_in(subgraph):
        _collect_paths(key.fields.selections, (), paths)
    return frozenset(paths)


def _collect_paths(selection_set: SelectionSetNode, prefix: tuple[str, ...], into: set[tuple[str, ...]]) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            path = (*prefix, selection.name.value)
            into.add(path)
            if selection.selection_set is not None:
                _collect_paths(selection.selection_set, path, into)
        elif isinstance(selection, InlineFragmentNode):
            _collect_paths(selection.selection_set, prefix, into)


def _null_in_key(representation: dict[str, Any], key_paths: frozenset[tuple[str, ...]]) -> bool:
    for path in key_paths:
        value: Any = representation
        for element in path:
            if not isinstance(value, dict) or element not in value:
                value = ...  # this key is not the one sent (a type with several keys): not checked
                break
            value = value[element]
        if value is None:
            return True
    return False
