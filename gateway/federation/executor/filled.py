"""Which response keys a fetch fills: where its errors go when it fails.

A root fetch fills its operation's top-level response keys. An entity fetch fills, in each object it
was sent for, the keys selected under ``_entities``: those outside any fragment for every object,
those of ``... on T`` for objects whose representation is a ``T`` (or a type of the abstract ``T``).
The keys are the fetch's own, the planner's aliases and fields among them: the run maps them to the
client's (:mod:`.client_operation`). Fetch operations are parsed once each (they are fixed strings of
cached plans)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from gateway.federation.executor.type_conditions import type_matches

# Distinct fetch operations remembered: a few per cached plan (MAX_FEDERATED_PLANS).
_CACHED_OPERATIONS = 4_096


@dataclass(frozen=True)
class FilledKeys:
    root: tuple[str, ...]
    # Entity fetches: keys selected for every entity, and per type condition.
    common: tuple[str, ...] = ()
    by_type: Mapping[str, tuple[str, ...]] | None = None

    def for_entity(self, schema: GraphQLSchema, typenames: tuple[object, ...]) -> tuple[str, ...]:
        keys = list(self.common)
        for condition, fields in (self.by_type or {}).items():
            if any(type_matches(schema, condition, name) for name in typenames):
                keys.extend(k for k in fields if k not in keys)
        return tuple(keys)


@lru_cache(maxsize=_CACHED_OPERATIONS)
def filled_keys(operation: str) -> FilledKeys:
    document = parse(operation, no_location=True)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root: list[str] = []
    common: list[str] = []
    by_type: dict[str, list[str]] = {}
    for field, _ in _fields(op.selection_set, fragments, None):
        key = _key(field)
        if key not in root:
            root.append(key)
        if field.name.value == "_entities" and field.selection_set is not None:
            for inner, condition in _fields(field.selection_set, fragments, None):
                inner_key = _key(inner)
                bucket = common if condition is None else by_type.setdefault(condition, [])
                if inner_key != "__typename" and inner_key not in bucket:
                    bucket.append(inner_key)
    return FilledKeys(
        root=tuple(k for k in root if k != "__typename"),
        common=tuple(common),
        by_type={name: tuple(keys) for name, keys in by_type.items()},
    )


def _key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


def _fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], condition: str | None
) -> list[tuple[FieldNode, str | None]]:
    out: list[tuple[FieldNode, str | None]] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            out.append((selection, condition))
        elif isinstance(selection, InlineFragmentNode):
            inner = selection.type_condition.name.value if selection.type_condition else condition
            out.extend(_fields(selection.selection_set, fragments, inner))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            fragment = fragments[selection.name.value]
            out.extend(_fields(fragment.selection_set, fragments, fragment.type_condition.name.value))
    return out
