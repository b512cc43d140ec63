"""Where the walk stands: the fetch groups made so far, and the *views* of the objects at each
response path (which groups hold them, where in each group's operation, as which type).

An entity fetch is reused for another field at the same path and subgraph (sibling fetches merge)
unless that would make a cycle: a group never waits for a group that waits for it. Also what the walk
asks of the types: which implementations a subgraph knows, which subgraph resolves a field.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    is_abstract_type,
)

from gateway.federation.model import FieldInSubgraph, Supergraph
from gateway.federation.planner.field_sets import conditions_of, copy_field_set
from gateway.federation.planner.groups import FetchGroup
from gateway.federation.planner.routes import available, is_interface_object
from gateway.federation.planner.selection import Selections


@dataclass(frozen=True)
class View:
    """Objects at one response path as one group holds them."""

    group: FetchGroup
    # Where unconditional selections on these objects go in the group's operation.
    base: Selections
    # The whole selection level (sibling type fragments included): where response keys may clash.
    level: Selections
    # The type as the group's subgraph sees the objects.
    type_name: str
    # The path inside the fetch's result data, for output rewrites (subgraph response keys).
    data_path: tuple[str, ...]
    # What the parent field's @provides lets this subgraph read here.
    provides: SelectionSetNode | None = None
    # The response path of these objects, the view of their parent objects and the client's field
    # leading from there (to climb back up when no key leads from here to a field: a value type).
    path: tuple[str, ...] = ()
    parent: View | None = None
    via: FieldNode | None = None


class PlanState:
    """The groups and views of one plan being built (one per mutation run), and what the walk asks
    of the types."""

    def __init__(
        self,
        supergraph: Supergraph,
        fragments: dict[str, FragmentDefinitionNode],
        shadowed: frozenset[str] = frozenset(),
    ) -> None:
        self.supergraph = supergraph
        # Response keys the client uses for other fields: the planner's own fields of these names
        # are aliased (field_sets.unshadowed).
        self.shadowed = shadowed
        self.schema = supergraph.schema
        self.fragments = fragments
        self.groups: list[FetchGroup] = []
        self.views: dict[tuple[tuple[str, ...], str], list[View]] = {}
        # The field names of the selection being planned: a move goes where most of them can follow.
        self.siblings: tuple[str, ...] = ()
        self._interfaces: dict[str, tuple[str, ...]] = {}
        # Keys being gathered (path, type, subgraph), so that gathering one never needs itself.
        self.gathering: set[tuple[tuple[str, ...], str, str]] = set()

    # --- groups ----------------------------------------------------------------------------------

    def root_group(self, subgraph: str) -> FetchGroup:
        for group in self.groups:
            if not group.is_entity and group.subgraph == subgraph:
                return group
        group = FetchGroup(subgraph, (), is_entity=False)
        self.groups.append(group)
        return group

    def entity_group(self, subgraph: str, path: tuple[str, ...], after: set[FetchGroup]) -> FetchGroup:
        """An entity fetch to ``subgraph`` at ``path`` that may wait for every group of ``after``."""
        for group in self.groups:
            same = group.is_entity and group.subgraph == subgraph and group.path == path
            if same and group not in after and not any(group in other.ancestors() for other in after):
                return group
        group = FetchGroup(subgraph, path, is_entity=True)
        self.groups.append(group)
        return group

    def feed(self, view: View, candidate: View) -> None:
        """An entity fetch at this path made from another selection of the same group (the objects
        under another type condition of a parent, flattened at the same path) needs this selection's
        objects to carry its representation too, or they are left out of the fetch."""
        group = candidate.group
        if group is view.group or not group.is_entity or view.group not in group.deps:
            return
        if not group.requires.has_fragment(view.type_name):
            return
        representation = group.requires.fragment(view.type_name).to_ast()
        if not available(self.supergraph, view.group.subgraph, view.type_name, representation):
            # A gathered key (:mod:`.gather`): its fields come from several fetches at this path, which
            # complete these same objects; this subgraph could not give them.
            return
        view.base.add_field("__typename")
        copy_field_set(self.supergraph, view.base, view.type_name, representation)

    def represent(self, group: FetchGroup, seen_as: str, entity_type: str, key: SelectionSetNode) -> None:
        """Add ``key`` (with ``__typename``) to the representations ``group`` sends of ``seen_as`` objects,
        and to what it asks back of the entities, which it resolves as ``entity_type`` (the type the
        representations are sent as): entities come back matched to representations by position only,
        and only their key tells the executor that an entity is the one its representation names. The
        key is resolvable there, since the representation enters the subgraph by it."""
        representation = group.requires.fragment(seen_as)
        representation.add_field("__typename")
        copy_field_set(self.supergraph, representation, seen_as, key)
        asked_back = group.keys.fragment(entity_type)
        asked_back.add_field("__typename")
        if _resolves_key(self.supergraph, group.subgraph, entity_type, key):
            copy_field_set(self.supergraph, asked_back, entity_type, key)

    def enter(self, group: FetchGroup, entity_type: str, path: tuple[str, ...], source: View) -> View:
        """The view of the entity fetch ``group`` on ``source``'s objects, which it resolves as
        ``entity_type``; registered at ``path``."""
        target = View(
            group,
            group.selections.fragment(entity_type),
            group.selections,
            entity_type,
            (f"... on {entity_type}",),
            None,
            path,
            source.parent,
            source.via,
        )
        self.register(path, entity_type, target)
        return target

    def register(self, path: tuple[str, ...], type_name: str, view: View) -> None:
        known = self.views.setdefault((path, type_name), [])
        if not any(v.group is view.group and v.base is view.base for v in known):
            known.append(view)

    def views_at(self, path: tuple[str, ...], type_name: str) -> list[View]:
        """The other groups holding the objects of ``type_name`` at ``path``: root fetches, and entity
        fetches whose representations include this type (an entity fetch made for another type
        implementing the same interface does not hold these objects)."""
        found = list(self.views.get((path, type_name), ()))
        for interface in self._interfaces_of(type_name):
            found += [
                v
                for v in self.views.get((path, interface), ())
                if is_interface_object(self.supergraph, v.group.subgraph, interface)
            ]
        return [v for v in found if not v.group.is_entity or v.group.requires.has_fragment(type_name)]

    def _interfaces_of(self, type_name: str) -> tuple[str, ...]:
        found = self._interfaces.get(type_name)
        if found is None:
            named = self.schema.type_map.get(type_name)
            found = self._interfaces[type_name] = tuple(sorted(i.name for i in getattr(named, "interfaces", ())))
        return found

    # --- types ----------------------------------------------------------------------------------

    def declared_possible(self, view: View, subgraph: str, type_name: str) -> list[str]:
        """The concrete types the subgraph may return here. A field the supergraph types as a union
        may be one object type of it in this subgraph (``book: Book`` in one, ``book: Media`` in
        another): a fragment on another member would then be refused by the subgraph's validation."""
        possible = self.known_possible_types(subgraph, type_name)
        parent, via = view.parent, view.via
        if parent is None or via is None or parent.group is not view.group:
            return possible
        sfield = self.supergraph.types[parent.type_name].fields.get(via.name.value)
        entry = sfield.in_subgraph(subgraph) if sfield else None
        declared = entry.type.strip("[]!") if entry is not None and entry.type else None
        named = self.schema.type_map.get(declared) if declared else None
        if named is None or is_abstract_type(named):
            return possible
        return [name for name in possible if name == declared]

    def known_possible_types(self, subgraph: str, abstract: str) -> list[str]:
        stype = self.supergraph.types[abstract]
        possible = [t.name for t in self.schema.get_possible_types(self.schema.type_map[abstract])]  # type: ignore[arg-type]
        if stype.kind == "union":
            members = stype.union_members.get(subgraph, frozenset())
            return [name for name in possible if name in members]
        return [
            name
            for name in possible
            if abstract in self.supergraph.types[name].implements.get(subgraph, frozenset())
            and self.supergraph.types[name].in_subgraph(subgraph) is not None
        ]

    def _fragment_parts(
        self, selection: SelectionNode
    ) -> tuple[str | None, tuple[SelectionNode, ...], tuple[DirectiveNode, ...]]:
        if isinstance(selection, FragmentSpreadNode):
            definition = self.fragments[selection.name.value]
            condition: str | None = definition.type_condition.name.value
            inner = definition.selection_set.selections
        else:
            assert isinstance(selection, InlineFragmentNode)
            condition = selection.type_condition.name.value if selection.type_condition else None
            inner = selection.selection_set.selections
        return condition, tuple(inner), conditions_of(selection)

    def _applies(self, condition: str, type_name: str, interface_object: bool) -> bool:
        """Does a fragment on ``condition`` apply to every object of ``type_name`` here?"""
        if interface_object:
            return False  # the concrete type is unknown in an interface object's subgraph
        named = self.schema.type_map.get(condition)
        return (
            named is not None
            and is_abstract_type(named)
            and self.schema.is_sub_type(named, self.schema.type_map[type_name])
        )  # type: ignore[arg-type]

    def _overlaps(self, condition: str, interface: str) -> bool:
        named = self.schema.type_map.get(condition)
        if named is None:
            return False
        mine = {t.name for t in self.schema.get_possible_types(self.schema.type_map[interface])}  # type: ignore[arg-type]
        theirs = {t.name for t in self.schema.get_possible_types(named)} if is_abstract_type(named) else {condition}  # type: ignore[arg-type]
        return bool(mine & theirs)

    def resolves(self, subgraph: str, seen_as: str, name: str) -> bool:
        sfield = self.supergraph.types[seen_as].fields.get(name)
        entry = sfield.in_subgraph(subgraph) if sfield else None
        if entry is not None and entry.resolvable and entry.requires is None:
            return True
        # A real interface there: every implementation it knows must resolve the field.
        stype = self.supergraph.types[seen_as]
        if stype.kind == "interface" and not is_interface_object(self.supergraph, subgraph, seen_as):
            concrete = self.known_possible_types(subgraph, seen_as)
            return bool(concrete) and all(self.resolves(subgraph, c, name) for c in concrete)
        return False

    def _only_with_requires(self, type_name: str, name: str) -> tuple[FieldInSubgraph, str] | None:
        """The field's @requires entry, and the type its subgraph resolves it on, when every subgraph
        resolving it requires something (directly, or through an interface object of the type)."""
        entries = [(e, type_name) for e in self.supergraph.types[type_name].fields[name].subgraphs]
        if not entries:
            for interface in self._interfaces_of(type_name):
                ifield = self.supergraph.types[interface].fields.get(name)
                for e in ifield.subgraphs if ifield else ():
                    if is_interface_object(self.supergraph, e.subgraph, interface):
                        entries.append((e, interface))
        resolving = [(e, t) for e, t in entries if e.resolvable]
        if resolving and all(e.requires is not None for e, _ in resolving):
            return resolving[0]
        return None


def _resolves_key(supergraph: Supergraph, subgraph: str, type_name: str, key: SelectionSetNode) -> bool:
    """Whether ``subgraph`` resolves each field of ``key`` itself, so that it can be asked back. A key
    field it declares ``@external`` is only passed in (a federation 1 style type extension, or a key it
    receives): its reference resolver need not return it, and asking it back would turn a right entity
    into a null one (the public audit's simple-entity-call). Such a fetch asks back ``__typename`` only."""
    parent = supergraph.types.get(type_name)
    if parent is None:
        return False
    for selection in key.selections:
        if not isinstance(selection, FieldNode):
            return False
        field = parent.fields.get(selection.name.value)
        entry = field.in_subgraph(subgraph) if field is not None else None
        if entry is None or not entry.resolvable:
            return False
    return True
