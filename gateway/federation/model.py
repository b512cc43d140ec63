"""The supergraph as data: which subgraphs exist, and for every type and field which of them define,
key and resolve it (read from the ``@join__*`` directives by :mod:`gateway.federation.supergraph`).

Everything here is immutable (frozen dataclasses, tuples, read-only mappings), so the query planner may
share one model between requests. Subgraphs are named by their ``@join__graph(name:)`` (what
``@override(from:)`` and a user's configuration say), not by their ``join__Graph`` enum value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from graphql import GraphQLSchema, SelectionSetNode

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]


@dataclass(frozen=True)
class Subgraph:
    name: str
    url: str
    # The join__Graph value the supergraph SDL refers to it by (ACCOUNTS for "accounts").
    graph: str


@dataclass(frozen=True)
class FieldSet:
    """A ``join__FieldSet`` string (a key, @requires, @provides) and its parsed selections.

    ``selections`` is a graphql-core AST: treat it as read-only."""

    source: str
    selections: SelectionSetNode

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class EntityKey:
    subgraph: str
    fields: FieldSet
    # False: the subgraph references the entity by this key but cannot fetch it (_entities) by it.
    resolvable: bool = True


@dataclass(frozen=True)
class TypeInSubgraph:
    """One ``@join__type`` group: how one subgraph defines the type."""

    subgraph: str
    keys: tuple[EntityKey, ...] = ()
    extension: bool = False
    # The subgraph holds an interface as an object type (@interfaceObject).
    is_interface_object: bool = False


@dataclass(frozen=True)
class FieldInSubgraph:
    """One ``@join__field`` (or the implicit one of a field without any): one subgraph's field."""

    subgraph: str
    requires: FieldSet | None = None
    provides: FieldSet | None = None
    # The field's type in this subgraph where it differs from the supergraph's (e.g. "String!" vs "String").
    type: str | None = None
    external: bool = False
    # The subgraph name this one took the field over from (@override(from:)), and the progressive label.
    override_from: str | None = None
    override_label: str | None = None
    # Overridden here but still used by this subgraph (in a key or @requires): not resolved here.
    used_overridden: bool = False

    @property
    def resolvable(self) -> bool:
        return not self.external and not self.used_overridden


@dataclass(frozen=True)
class SupergraphField:
    parent: str
    name: str
    type: str
    arguments: tuple[str, ...]
    # Every subgraph that has the field, with how; an empty tuple: no subgraph resolves it directly.
    subgraphs: tuple[FieldInSubgraph, ...]
    inaccessible: bool = False

    @property
    def resolved_by(self) -> frozenset[str]:
        return frozenset(entry.subgraph for entry in self.subgraphs if entry.resolvable)

    def in_subgraph(self, subgraph: str) -> FieldInSubgraph | None:
        return next((entry for entry in self.subgraphs if entry.subgraph == subgraph), None)


@dataclass(frozen=True)
class SupergraphType:
    name: str
    kind: TypeKind
    subgraphs: tuple[TypeInSubgraph, ...]
    fields: Mapping[str, SupergraphField]
    # Per subgraph: the interfaces it says this type implements (objects and interfaces).
    implements: Mapping[str, frozenset[str]]
    # Per subgraph: the union's members it knows (unions).
    union_members: Mapping[str, frozenset[str]]
    # Per enum value: the subgraphs that define it (enums).
    enum_values: Mapping[str, frozenset[str]]
    inaccessible: bool = False
    # Fields, enum values and arguments ("field(arg:)") marked @inaccessible.
    inaccessible_elements: frozenset[str] = frozenset()

    @property
    def defined_in(self) -> frozenset[str]:
        return frozenset(entry.subgraph for entry in self.subgraphs)

    @property
    def keys(self) -> tuple[EntityKey, ...]:
        return tuple(key for entry in self.subgraphs for key in entry.keys)

    @property
    def is_entity(self) -> bool:
        return bool(self.keys)

    def keys_in(self, subgraph: str) -> tuple[EntityKey, ...]:
        return tuple(key for key in self.keys if key.subgraph == subgraph)

    def in_subgraph(self, subgraph: str) -> TypeInSubgraph | None:
        return next((entry for entry in self.subgraphs if entry.subgraph == subgraph), None)


@dataclass(frozen=True)
class Supergraph:
    sdl: str
    join_version: str
    subgraphs: Mapping[str, Subgraph]
    types: Mapping[str, SupergraphType]
    query_type: str
    mutation_type: str | None
    subscription_type: str | None
    # The whole supergraph, join directives included (what the planner reads types from).
    schema: GraphQLSchema
    # What clients see: the supergraph minus the join, link and @inaccessible elements.
    api_schema: GraphQLSchema

    @property
    def entity_types(self) -> tuple[SupergraphType, ...]:
        return tuple(t for t in self.types.values() if t.is_entity)

    def field(self, type_name: str, field_name: str) -> SupergraphField:
        return self.types[type_name].fields[field_name]

    def subgraph_by_graph(self, graph: str) -> Subgraph:
        return next(s for s in self.subgraphs.values() if s.graph == graph)
