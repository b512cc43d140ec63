"""Entity moves: from a subgraph that holds an object to another subgraph, by one of the target's
resolvable keys whose fields the source can give. This is the query graph's "key edge", searched
breadth first, so a field is reached by the fewest fetches (reviews -> accounts by id -> orders by
email when orders only knows users by email).

A state is (subgraph, type as that subgraph sees the object): the concrete object type, or an
interface the subgraph holds as an ``@interfaceObject`` (or, after a move from one, a real interface).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode, get_named_type

from gateway.federation.model import EntityKey, Supergraph

# Moves in one route: federation graphs rarely need more than two; the bound keeps the search small.
_MAX_HOPS = 4


@dataclass(frozen=True)
class Hop:
    target: str
    # The entity type the target resolves the representation as (the interface for an interface object).
    entity_type: str
    key: EntityKey


@dataclass(frozen=True)
class Route:
    start: int  # index of the starting state
    hops: tuple[Hop, ...]
    # The type the object is seen as in the last subgraph of the route.
    end_type: str


def is_interface_object(supergraph: Supergraph, subgraph: str, type_name: str) -> bool:
    entry = supergraph.types[type_name].in_subgraph(subgraph)
    return entry is not None and entry.is_interface_object


def available(supergraph: Supergraph, subgraph: str, type_name: str, selections: SelectionSetNode) -> bool:
    """Can ``subgraph`` give every field of ``selections`` on an object of ``type_name`` it holds?"""
    parent = supergraph.types.get(type_name)
    if parent is None:
        return False
    for selection in selections.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else type_name
            if not available(supergraph, subgraph, condition, selection.selection_set):
                return False
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        if name == "__typename":
            continue
        field = parent.fields.get(name)
        entry = field.in_subgraph(subgraph) if field else None
        # A key field is given by its subgraph even where it is @external (the key is its own).
        if entry is None or entry.used_overridden or entry.requires is not None:
            return False
        if entry.external and not _in_own_key(supergraph, subgraph, type_name, name):
            return False
        if selection.selection_set is not None:
            returned = get_named_type(supergraph.schema.type_map[type_name].fields[name].type)  # type: ignore[union-attr]
            if not available(supergraph, subgraph, returned.name, selection.selection_set):
                return False
    return True


def _in_own_key(supergraph: Supergraph, subgraph: str, type_name: str, field_name: str) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value == field_name
        for key in supergraph.types[type_name].keys_in(subgraph)
        for s in key.fields.selections.selections
    )


def entity_moves(supergraph: Supergraph, source: str, seen_as: str, concrete: str | None) -> Iterable[Hop]:
    """Every move from ``source`` (holding the object as ``seen_as``) into another subgraph."""
    candidates: list[str] = [seen_as]
    if concrete is not None and concrete == seen_as:
        # A concrete object may also enter a subgraph that holds one of its interfaces as an object.
        candidates += sorted(_interfaces_of(supergraph, concrete))
    for entity_type in candidates:
        stype = supergraph.types.get(entity_type)
        if stype is None:
            continue
        for key in stype.keys:
            if not key.resolvable:
                continue  # never jump into a subgraph by a key it cannot resolve
            if entity_type != seen_as and not is_interface_object(supergraph, key.subgraph, entity_type):
                continue
            if key.subgraph == source and entity_type == seen_as:
                continue
            if available(supergraph, source, seen_as, key.fields.selections):
                yield Hop(key.subgraph, entity_type, key)


def _interfaces_of(supergraph: Supergraph, type_name: str) -> frozenset[str]:
    named = supergraph.schema.type_map.get(type_name)
    return frozenset(i.name for i in getattr(named, "interfaces", ()))


# (index of the start, subgraph, seen-as type, the hops so far)
_State = tuple[int, str, str, tuple[Hop, ...]]


def find_route(
    supergraph: Supergraph,
    starts: list[tuple[str, str]],
    concrete: str | None,
    goal: Callable[[str, str], bool],
    *,
    at_least_one_hop: bool = False,
    preference: Callable[[str], tuple[bool, int]] | None = None,
) -> Route | None:
    """The shortest route from one of ``starts`` ((subgraph, seen-as type)) to a state where ``goal``
    holds; ``at_least_one_hop``: the goal must be an entity fetch (a field with @requires). Of the
    shortest routes, the one whose last subgraph has the highest ``preference``."""
    if not at_least_one_hop:
        for index, (subgraph, seen_as) in enumerate(starts):
            if goal(subgraph, seen_as):
                return Route(index, (), seen_as)
    level: list[_State] = [(index, subgraph, seen_as, ()) for index, (subgraph, seen_as) in enumerate(starts)]
    seen = {(subgraph, seen_as) for subgraph, seen_as in starts}
    for _ in range(_MAX_HOPS):
        reached: list[Route] = []
        following: list[_State] = []
        for index, subgraph, seen_as, hops in level:
            for hop in entity_moves(supergraph, subgraph, seen_as, concrete):
                route = (*hops, hop)
                if goal(hop.target, hop.entity_type):
                    reached.append(Route(index, route, hop.entity_type))
                state = (hop.target, hop.entity_type)
                if state not in seen:
                    seen.add(state)
                    following.append((index, hop.target, hop.entity_type, route))
        if reached:
            if preference is None:
                return reached[0]
            return max(reached, key=lambda route: preference(route.hops[-1].target))
        level = following
    return None
