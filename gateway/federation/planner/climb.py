"""Reaching a field of a value type through its parent entity ("parent entity call").

Objects of a type without keys (a ``@shareable`` value type, say) cannot be fetched by themselves: a
field of theirs that the current subgraph lacks is reached by going back up to the nearest parent
whose objects can be moved by key (or to the root, for a query), and asking a subgraph that resolves
the whole chain of fields from there down (``product { category { details } }`` sent again, as an
entity fetch of the product, to the subgraph that has ``Category.details``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from graphql import (
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionSetNode,
    get_named_type,
)

from gateway.federation.planner.errors import PlanningError
from gateway.federation.planner.field_sets import printable
from gateway.federation.planner.groups import FetchGroup
from gateway.federation.planner.routes import find_route
from gateway.federation.planner.views import View

if TYPE_CHECKING:
    from gateway.federation.planner.walker import Walker


def climb(
    walker: Walker, view: View, path: tuple[str, ...], node: FieldNode, conditions: tuple[DirectiveNode, ...]
) -> set[FetchGroup]:
    # First a subgraph that resolves the chain and the field; failing that, one that resolves the
    # chain and has a key of the objects there leading to a subgraph that resolves the field (the
    # value type is an entity elsewhere: ``category { id }`` from one subgraph, then ``name`` by key).
    for by_key in (False, True):
        found = _climb(walker, view, path, node, conditions, by_key)
        if found is not None:
            return found
    raise PlanningError(f"no subgraph can resolve {view.type_name}.{node.name.value} at {printable(path)}")


def _climb(
    walker: Walker,
    view: View,
    path: tuple[str, ...],
    node: FieldNode,
    conditions: tuple[DirectiveNode, ...],
    by_key: bool,
) -> set[FetchGroup] | None:
    chain: list[FieldNode] = []
    current = view
    while current.parent is not None and current.via is not None:
        chain.insert(0, current.via)
        parent = current.parent

        def serves(subgraph: str, seen_as: str, fields: tuple[FieldNode, ...] = tuple(chain)) -> bool:
            return _resolves_chain(walker, subgraph, seen_as, fields, view.type_name, node.name.value, by_key)

        target = _root_target(walker, parent, serves) or walker.move(parent, parent.path, serves, set())
        if target is not None:
            return _descend(walker, target, chain, view, path, node, conditions)
        current = parent
    return None


def _root_target(walker: Walker, parent: View, serves: Callable[[str, str], bool]) -> View | None:
    """At the root of a query, a root fetch to another subgraph that serves the chain (never for a
    mutation: its root fields must run once)."""
    if parent.group.is_entity or parent.path or parent.type_name != walker.supergraph.query_type:
        return None
    for subgraph in walker.supergraph.subgraphs:
        if subgraph != parent.group.subgraph and serves(subgraph, parent.type_name):
            group = walker.root_group(subgraph)
            return View(group, group.selections, group.selections, parent.type_name, ())
    return None


def _resolves_chain(
    walker: Walker, subgraph: str, seen_as: str, chain: tuple[FieldNode, ...], concrete: str, name: str, by_key: bool
) -> bool:
    type_name = seen_as
    for via in chain:
        sfield = walker.supergraph.types[type_name].fields.get(via.name.value)
        entry = sfield.in_subgraph(subgraph) if sfield else None
        if entry is None or not entry.resolvable or entry.requires is not None:
            return False
        type_name = get_named_type(walker.schema.type_map[type_name].fields[via.name.value].type).name  # type: ignore[union-attr]
    if concrete != type_name and concrete not in walker.known_possible_types(subgraph, type_name):
        return False
    if walker.resolves(subgraph, concrete, name):
        return True
    if not by_key:
        return False
    goal = lambda target, entity: walker.resolves(target, entity, name)  # noqa: E731
    return find_route(walker.supergraph, [(subgraph, concrete)], concrete, goal) is not None


def _descend(
    walker: Walker,
    target: View,
    chain: list[FieldNode],
    view: View,
    path: tuple[str, ...],
    node: FieldNode,
    conditions: tuple[DirectiveNode, ...],
) -> set[FetchGroup]:
    touched = {target.group}
    current = target
    for via in chain:
        entry = walker.supergraph.types[current.type_name].fields[via.name.value].in_subgraph(current.group.subgraph)
        assert entry is not None
        groups, child = walker.attach(current, current.path, via, (), entry, None)
        touched |= groups
        assert child is not None
        current = child
    selection: FieldNode | InlineFragmentNode = node
    if current.type_name != view.type_name:
        # The chain ends on an abstract type: the field only for the objects of the view's type.
        selection = InlineFragmentNode(
            type_condition=NamedTypeNode(name=NameNode(value=view.type_name)),
            directives=(),
            selection_set=SelectionSetNode(selections=(node,)),
        )
    return touched | walker.plan_selections(current, path, (selection,), conditions)
