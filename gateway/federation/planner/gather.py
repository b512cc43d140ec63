"""Entering a subgraph by a key that no one subgraph gives whole ("complex entity call").

A key move (:mod:`.routes`) needs a subgraph that holds the objects and can give every field of the
target's key. Some keys are only ever given together: ``Product @key(fields: "id pid category { id tag }")``
in a pricing subgraph, where the catalogue gives ``id`` and ``category`` and a link subgraph gives ``pid``
(by ``id``). Such a key is gathered as a ``@requires`` field set is: its fields are planned like the
client's own, wherever they resolve, and the entity fetch waits for every fetch they landed in and
carries them in its representations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import FieldNode, is_abstract_type

from gateway.federation.planner.field_sets import unshadowed
from gateway.federation.planner.views import View

if TYPE_CHECKING:
    from gateway.federation.planner.walker import Walker


def gather_key(walker: Walker, view: View, path: tuple[str, ...], field_name: str) -> View | None:
    """The view of an entity fetch to a subgraph resolving ``field_name`` on the view's objects, entered
    by a key whose fields are gathered from every subgraph that has them; None when no key qualifies.
    Only for an object type: an abstract one is expanded into its members before its fields are placed."""
    type_name = view.type_name
    if is_abstract_type(walker.schema.type_map[type_name]):
        return None
    stype = walker.supergraph.types[type_name]
    for key in stype.keys:
        if not key.resolvable or not walker.resolves(key.subgraph, type_name, field_name):
            continue
        marker = (path, type_name, key.subgraph)
        if marker in walker.gathering or not _every_field_resolvable(
            walker, type_name, key.fields.selections.selections
        ):
            continue  # a key that needs itself to be gathered, or names a field no one resolves
        walker.gathering.add(marker)
        try:
            fields = unshadowed(key.fields.selections, walker.shadowed)
            providers = walker.plan_object(view, path, tuple(fields.selections), (), interface_object=False)
        finally:
            walker.gathering.discard(marker)
        view.base.add_field("__typename")
        group = walker.entity_group(key.subgraph, path, providers | {view.group})
        group.deps |= (providers | {view.group}) - {group}
        walker.represent(group, type_name, type_name, fields)
        return walker.enter(group, type_name, path, view)
    return None


def _every_field_resolvable(walker: Walker, type_name: str, selections: tuple[object, ...] | list[object]) -> bool:
    fields = walker.supergraph.types[type_name].fields
    for selection in selections:
        if isinstance(selection, FieldNode) and selection.name.value != "__typename":
            field = fields.get(selection.name.value)
            if field is None or not field.resolved_by:
                return False
    return True
