"""The objects a flatten path reaches, and the ``_entities`` representations built from them.

Each object at the path (``"@"`` steps into every list element, nulls are skipped, ``"... on T"``
keeps the objects of that type) yields one representation: the ``requires`` selection read from the
object, then the fetch's ``input_rewrites``. An object without ``__typename``, matching no fragment, or
lacking a selected field is skipped: the subgraph could not resolve it. So is one with a null in a key
field of the representation's type in the target subgraph (a reference without a complete key names
no entity); a null elsewhere (a required field that is null) is sent as is.

Equal representations are sent once; :class:`Batch` remembers every object each came from.

The entities of the answer are matched to the representations by position only: :func:`foreign_entity`
reads each one's key back (the fetch's ``keys``, by the same selection machinery) and says when it is
not the entity its representation names.
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


def foreign_entity(
    entity: dict[str, Any], representation: dict[str, Any], keys: SelectionSetNode | None, schema: GraphQLSchema
) -> str | None:
    """Why ``entity`` is not the one ``representation`` names, or None when it is (or ``keys`` is None:
    a fetch asking nothing back, to the in-process subgraph). The fields of ``keys`` for the
    representation's type are read from the answer under their response keys, into the
    representation's form (field names), and compared with it: each must be there, and equal the
    representation's value where it carries the field (a type entered by two keys is asked back with
    both; each representation carries its own). Keys asked back but none for the representation's type
    is a refusal too: nothing would be compared, and an unchecked entity is what the check is against.
    ``__typename`` is the caller's check (an abstract representation comes back as one of its types)."""
    if keys is None:
        return None
    flat = _flat_keys(keys, representation.get("__typename"), schema)
    if flat is not None:
        # The common case, every key field a leaf (`id`, `code`, `id sku`): compared in place, without
        # copying the answer into the representation's form. Same JSON scalar type and equal agrees;
        # anything else (true against 1, a list) is left to _agrees.
        for response_key, name in flat:
            if response_key not in entity:
                return "without the key fields it was asked for"
            if name in representation and name != "__typename":
                got, sent = entity[response_key], representation[name]
                if not (type(got) is type(sent) and type(got) in _PLAIN_SCALARS and got == sent) and not _agrees(
                    got, sent
                ):
                    return "whose key is not its representation's"
        return None
    asked: dict[str, Any] = {}
    try:
        # Fragments chosen by the type the representation was sent as: the keys were asked on it.
        matched = _merge_selection(entity, keys, schema, asked, representation.get("__typename"))
    except _Skip:
        return "without the key fields it was asked for"
    if not matched:
        return "of a type no key was asked back for"
    asked.pop("__typename", None)
    if not _agrees(asked, representation):
        return "whose key is not its representation's"
    return None


_PLAIN_SCALARS = (str, int, float)
# Per asked-back selection (by identity, held so that its id is not reused) and representation type: its
# fields as (response key, field name) when all are leaves, else None. Plans are cached and bounded, and
# so is this: cleared when full.
_FLAT_KEYS: dict[tuple[int, Any], tuple[SelectionSetNode, tuple[tuple[str, str], ...] | None]] = {}
_FLAT_KEYS_KEPT = 4096


def _flat_keys(keys: SelectionSetNode, typename: Any, schema: GraphQLSchema) -> tuple[tuple[str, str], ...] | None:
    """The leaf fields ``keys`` asks back of an entity sent as ``typename``; None when a field has a
    selection of its own (a nested key) or nothing applies to the type: those take the general way."""
    memo_key = (id(keys), typename)
    found = _FLAT_KEYS.get(memo_key)
    if found is not None and found[0] is keys:
        return found[1]
    fields: list[tuple[str, str]] = []
    flat = _collect_leaves(keys, typename, schema, fields) and bool(fields)
    if len(_FLAT_KEYS) >= _FLAT_KEYS_KEPT:
        _FLAT_KEYS.clear()
    _FLAT_KEYS[memo_key] = (keys, tuple(fields) if flat else None)
    return tuple(fields) if flat else None


def _collect_leaves(
    selection_set: SelectionSetNode, typename: Any, schema: GraphQLSchema, out: list[tuple[str, str]]
) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if (condition is None or type_matches(schema, condition, typename)) and not _collect_leaves(
                selection.selection_set, typename, schema, out
            ):
                return False
        elif isinstance(selection, FieldNode) and selection.selection_set is None:
            name = selection.name.value
            out.append((selection.alias.value if selection.alias else name, name))
        else:
            return False
    return True


def asked_back(keys: SelectionSetNode | None, typename: Any, schema: GraphQLSchema) -> frozenset[str]:
    """The response keys ``keys`` asks back of an entity sent as ``typename``: the object had them
    already (its representation was read from them), so a failed fetch did not leave them unfilled."""
    if keys is None:
        return frozenset()
    found: set[str] = set()
    for selection in keys.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if condition is None or type_matches(schema, condition, typename):
                found |= asked_back(selection.selection_set, typename, schema)
        elif isinstance(selection, FieldNode):
            found.add(selection.alias.value if selection.alias else selection.name.value)
    return frozenset(found)


def _agrees(asked: Any, sent: Any) -> bool:
    """Does the value read from the answer equal the representation's? Objects on the answer's fields
    that the representation carries; lists element by element; JSON scalars by value (true is not 1)."""
    if isinstance(asked, dict):
        return isinstance(sent, dict) and all(k not in sent or _agrees(v, sent[k]) for k, v in asked.items())
    if isinstance(asked, list):
        return isinstance(sent, list) and len(asked) == len(sent) and all(map(_agrees, asked, sent))
    if isinstance(sent, dict | list) or isinstance(asked, bool) != isinstance(sent, bool):
        return False
    return bool(asked == sent)
