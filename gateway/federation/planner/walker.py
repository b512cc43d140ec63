"""The walk: every field of the client's operation is placed in a fetch group, depth first.

At each response path the walker knows the *views* of the objects there: which groups already hold
them, where in each group's operation, and as which type (an interface object's subgraph sees the
interface). A field goes, in this order of preference:

1. to the current group, when its subgraph resolves the field (or the parent field ``@provides`` it);
2. to another group already holding the objects at this path (no new fetch);
3. to an entity fetch reached by the shortest route of key moves (:mod:`.routes`), merged with any
   entity fetch to the same subgraph at the same path that does not create a cycle; of the shortest
   routes, the one into a subgraph already fetched there, or that can take most sibling fields;
   failing that, by a key whose fields several subgraphs give together (:mod:`.gather`);
4. for objects no key can move (a value type), through their parent (:mod:`.climb`).

A field with ``@requires`` first places its required fields like client fields; its entity fetch then
waits for every group they landed in, and carries them in its ``requires``. Abstract types are
expanded into one inline fragment per concrete type the subgraph knows, so that a subgraph is never
sent a type condition it does not have.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import (
    DirectiveNode,
    FieldNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)

from gateway.federation.model import FieldInSubgraph
from gateway.federation.planner.climb import climb
from gateway.federation.planner.errors import PlanningError
from gateway.federation.planner.field_sets import (
    alias_of,
    conditions_of,
    conflicting,
    copy_field_set,
    list_depth,
    narrow,
    printable,
    provided,
    response_shape,
    unshadowed,
)
from gateway.federation.planner.gather import gather_key
from gateway.federation.planner.groups import FetchGroup
from gateway.federation.planner.routes import Hop, find_route, is_interface_object
from gateway.federation.planner.selection import FieldEntry, printed
from gateway.federation.planner.views import PlanState, View
from gateway.federation.query_plan import LIST_ELEMENT, KeyRenamer, ValueSetter


class Walker(PlanState):
    """Places the client's fields (see the module's docstring)."""

    # --- selections ------------------------------------------------------------------------------

    def plan_selections(
        self,
        view: View,
        path: tuple[str, ...],
        selections: tuple[SelectionNode, ...],
        conditions: tuple[DirectiveNode, ...],
    ) -> set[FetchGroup]:
        type_name = view.type_name
        subgraph = view.group.subgraph
        if not is_abstract_type(self.schema.type_map[type_name]):
            self.register(path, type_name, view)
            return self.plan_object(view, path, selections, conditions, interface_object=False)
        if is_interface_object(self.supergraph, subgraph, type_name):
            self.register(path, type_name, view)
            return self.plan_object(view, path, selections, conditions, interface_object=True)
        # Abstract: one fragment per concrete type this subgraph may return here.
        view.base.add_field("__typename")
        touched = {view.group}
        concretes = self.declared_possible(view, subgraph, type_name)
        if not concretes and self.supergraph.types[type_name].kind == "interface":
            # No implementation here (an entity interface whose types live elsewhere, or nowhere):
            # the fields are planned on the interface itself, and one no route reaches is refused.
            self.register(path, type_name, view)
            return touched | self.plan_object(view, path, selections, conditions, interface_object=False)
        for concrete in concretes:
            fragment = view.base.fragment(concrete)
            narrowed = View(
                view.group,
                fragment,
                view.level,
                concrete,
                (*view.data_path, f"... on {concrete}"),
                narrow(view.provides, concrete),
                path,
                view.parent,
                view.via,
            )
            self.register(path, concrete, narrowed)
            touched |= self.plan_object(narrowed, path, selections, conditions, interface_object=False)
        return touched

    def plan_object(
        self,
        view: View,
        path: tuple[str, ...],
        selections: tuple[SelectionNode, ...],
        conditions: tuple[DirectiveNode, ...],
        *,
        interface_object: bool,
    ) -> set[FetchGroup]:
        touched: set[FetchGroup] = set()
        outer = self.siblings
        self.siblings = tuple(s.name.value for s in selections if isinstance(s, FieldNode))
        try:
            for selection in selections:
                touched |= self._plan_selection(view, path, selection, conditions, interface_object)
        finally:
            self.siblings = outer
        return touched

    def _plan_selection(
        self,
        view: View,
        path: tuple[str, ...],
        selection: SelectionNode,
        conditions: tuple[DirectiveNode, ...],
        interface_object: bool,
    ) -> set[FetchGroup]:
        if isinstance(selection, FieldNode):
            if selection.name.value != "__typename":
                return self.plan_field(view, path, selection, conditions)
            if interface_object:
                return self.leave_interface_object(view, path, selection, conditions)
            view.base.conditional(conditions).add_field("__typename", alias=alias_of(selection))
            return {view.group}
        condition, inner, directives = self._fragment_parts(selection)
        type_name = view.type_name
        if condition is None or condition == type_name or self._applies(condition, type_name, interface_object):
            return self.plan_object(view, path, inner, conditions + directives, interface_object=interface_object)
        if interface_object and self._overlaps(condition, type_name):
            return self.leave_interface_object(view, path, selection, conditions)
        return set()

    # --- fields ----------------------------------------------------------------------------------

    def plan_field(
        self, view: View, path: tuple[str, ...], node: FieldNode, conditions: tuple[DirectiveNode, ...]
    ) -> set[FetchGroup]:
        type_name = view.type_name
        name = node.name.value
        sfield = self.supergraph.types[type_name].fields.get(name)
        if sfield is None:
            raise PlanningError(f"{type_name}.{name} is not a field of the supergraph")
        # 1. and 2.: a group already holding these objects resolves the field.
        local = self.local_entry(view, name)
        if local is not None:
            return self.add_field(view, path, node, conditions, *local)
        for candidate in self.views_at(path, type_name):
            local = self.local_entry(candidate, name) if candidate is not view else None
            if local is not None:
                self.feed(view, candidate)
                return self.add_field(candidate, path, node, conditions, *local)
        # 3.: an entity fetch.
        requiring = self._only_with_requires(type_name, name)
        if requiring is not None:
            return self.plan_required(view, path, node, conditions, *requiring)
        target = self.move(view, path, lambda subgraph, seen_as: self.resolves(subgraph, seen_as, name), set())
        if target is None:
            target = gather_key(self, view, path, name)
        if target is None:
            return climb(self, view, path, node, conditions)
        return self.plan_selections(target, path, (node,), conditions) | {target.group}

    def local_entry(self, view: View, name: str) -> tuple[FieldInSubgraph, SelectionSetNode | None] | None:
        """How the view's subgraph resolves the field without a fetch (and what it provides below)."""
        sfield = self.supergraph.types[view.type_name].fields.get(name)
        entry = sfield.in_subgraph(view.group.subgraph) if sfield else None
        if entry is None:
            return None
        given = provided(view.provides, name)
        if entry.resolvable and entry.requires is None:
            # A parent's @provides reaches through fields the subgraph resolves anyway (``shelf``
            # provides ``books { title }``: ``books`` is its own, ``title`` only provided).
            if entry.provides:
                return entry, entry.provides.selections
            return entry, given.selection_set if given is not None else None
        if given is not None and not entry.used_overridden:
            return entry, given.selection_set
        return None

    def plan_required(
        self,
        view: View,
        path: tuple[str, ...],
        node: FieldNode,
        conditions: tuple[DirectiveNode, ...],
        entry: FieldInSubgraph,
        resolved_on: str,
    ) -> set[FetchGroup]:
        assert entry.requires is not None
        required_set = unshadowed(entry.requires.selections, self.shadowed)
        required = tuple(required_set.selections)
        io = is_interface_object(self.supergraph, view.group.subgraph, view.type_name)
        providers = self.plan_object(view, path, required, (), interface_object=io)
        goal: Callable[[str, str], bool] = lambda subgraph, seen_as: (  # noqa: E731
            subgraph == entry.subgraph and seen_as == resolved_on
        )
        target = self.move(view, path, goal, providers, at_least_one_hop=True)
        if target is not None and conflicting(target.group.requires, view.type_name, required_set):
            # One representation holds one value per field name: a fetch of its own for this one.
            target = self.move(view, path, goal, providers | {target.group}, at_least_one_hop=True)
        if target is None:
            raise PlanningError(f"no key leads to {entry.subgraph} for {view.type_name}.{node.name.value}")
        target.group.deps |= providers - {target.group}
        copy_field_set(self.supergraph, target.group.requires.fragment(view.type_name), view.type_name, required_set)
        return self.add_field(target, path, node, conditions, entry, None) | providers

    def leave_interface_object(
        self, view: View, path: tuple[str, ...], selection: SelectionNode, conditions: tuple[DirectiveNode, ...]
    ) -> set[FetchGroup]:
        """``__typename`` and concrete types' fragments from an interface object: to the interface's owner."""
        interface = view.type_name

        def owns(subgraph: str, seen_as: str) -> bool:
            return seen_as == interface and not is_interface_object(self.supergraph, subgraph, interface)

        target = self.move(view, path, owns, set())
        if target is None:
            raise PlanningError(f"no subgraph knows the implementations of {interface} at {printable(path)}")
        return self.plan_selections(target, path, (selection,), conditions) | {target.group}

    # --- moves -----------------------------------------------------------------------------------

    def move(
        self,
        view: View,
        path: tuple[str, ...],
        goal: Callable[[str, str], bool],
        after: set[FetchGroup],
        *,
        at_least_one_hop: bool = False,
    ) -> View | None:
        """The view reached by the shortest route of key moves from any group holding these objects."""
        starts = [view] + [v for v in self.views_at(path, view.type_name) if v is not view]
        concrete = None if is_abstract_type(self.schema.type_map[view.type_name]) else view.type_name
        fetched_here = {g.subgraph for g in self.groups if g.is_entity and g.path == path}
        fields = self.supergraph.types[view.type_name].fields

        def preference(subgraph: str) -> tuple[bool, int]:
            # A fetch already going there, then the one that can also take most sibling fields.
            serves = sum(1 for name in self.siblings if name in fields and subgraph in fields[name].resolved_by)
            return (subgraph in fetched_here, serves)

        route = find_route(
            self.supergraph,
            [(v.group.subgraph, v.type_name) for v in starts],
            concrete,
            goal,
            at_least_one_hop=at_least_one_hop,
            preference=preference,
        )
        if route is None:
            return None
        current = starts[route.start]
        for index, hop in enumerate(route.hops):
            last = index == len(route.hops) - 1
            current = self.hop(current, path, hop, after if last else set())
        return current

    def hop(self, source: View, path: tuple[str, ...], hop: Hop, after: set[FetchGroup]) -> View:
        seen_as = source.type_name
        source.base.add_field("__typename")
        key = unshadowed(hop.key.fields.selections, self.shadowed)
        copy_field_set(self.supergraph, source.base, seen_as, key)
        group = self.entity_group(hop.target, path, after | {source.group})
        group.deps.add(source.group)
        self.represent(group, seen_as, hop.entity_type, key)
        # Into an interface object the representation names the interface, even when the objects
        # at hand already carry their concrete type (an earlier fetch told it).
        if hop.entity_type != seen_as or is_interface_object(self.supergraph, hop.target, hop.entity_type):
            rewrite = ValueSetter((f"... on {seen_as}", "__typename"), hop.entity_type)
            if rewrite not in group.input_rewrites:
                group.input_rewrites.append(rewrite)
        return self.enter(group, hop.entity_type, path, source)

    # --- adding a field --------------------------------------------------------------------------

    def add_field(
        self,
        view: View,
        path: tuple[str, ...],
        node: FieldNode,
        conditions: tuple[DirectiveNode, ...],
        entry: FieldInSubgraph,
        provides: SelectionSetNode | None,
    ) -> set[FetchGroup]:
        touched, child = self.attach(view, path, node, conditions, entry, provides)
        if child is not None and node.selection_set is not None:
            touched |= self.plan_selections(child, child.path, tuple(node.selection_set.selections), ())
        return touched

    def attach(
        self,
        view: View,
        path: tuple[str, ...],
        node: FieldNode,
        conditions: tuple[DirectiveNode, ...],
        entry: FieldInSubgraph,
        provides: SelectionSetNode | None,
    ) -> tuple[set[FetchGroup], View | None]:
        """The field added to the view's selection (not its subselection); the view of its objects."""
        sfield = self.supergraph.types[view.type_name].fields[node.name.value]
        declared = entry.type or sfield.type
        graphql_field = self.schema.type_map[view.type_name].fields[node.name.value]  # type: ignore[union-attr]
        returned = get_named_type(graphql_field.type)
        composite = node.selection_set is not None
        response_key = alias_of(node) or node.name.value
        alias = self._response_alias(view, node, response_key, declared, composite)
        renamer = KeyRenamer((*view.data_path, alias), response_key)
        if alias != response_key and renamer not in view.group.output_rewrites:
            view.group.output_rewrites.append(renamer)
            if view.group.is_entity:
                # The renamer's "... on Type" is matched against each entity's __typename.
                entity_type = view.data_path[0].removeprefix("... on ")
                view.group.selections.fragment(entity_type).add_field("__typename")
        added = view.base.conditional(conditions).add_field(
            node.name.value,
            alias=alias if alias != node.name.value else None,
            arguments=tuple(node.arguments or ()),
            directives=conditions_of(node),
            subgraph_type=declared,
            composite=composite,
        )
        if added.children is None:
            return {view.group}, None
        depth = list_depth(graphql_field.type)
        child = View(
            view.group,
            added.children,
            added.children,
            returned.name,
            (*view.data_path, alias, *([LIST_ELEMENT] * depth)),
            provides,
            (*path, response_key, *([LIST_ELEMENT] * depth)),
            view,
            node,
        )
        return {view.group}, child

    def _response_alias(self, view: View, node: FieldNode, response_key: str, declared: str, composite: bool) -> str:
        """The key the field answers under in the subgraph's operation: the client's, unless

        - a sibling of another type answers under it in this operation (one field name typed differently
          in two subgraphs: the subgraph would refuse the operation), or
        - in an entity fetch, the client gave it the name of another field of the type (``id: name``),
          which the entity's representation may hold;

        then an alias, renamed back to the client's key after the fetch (``output_rewrites``)."""
        shape = response_shape(declared, composite)
        name, arguments = node.name.value, printed(tuple(node.arguments or ()))

        def same(entry: FieldEntry) -> bool:
            same_field = entry.name == name and printed(entry.arguments) == arguments
            return same_field and response_shape(entry.subgraph_type, entry.children is not None) == shape

        clash = not all(same(e) for e in view.level.fields_with_key(response_key))
        fields = self.supergraph.types[view.type_name].fields
        shadows = view.group.is_entity and response_key != name and response_key in fields
        if not clash and not shadows:
            return response_key
        index = 0
        while not all(same(e) for e in view.level.fields_with_key(f"{response_key}__alias_{index}")):
            index += 1
        return f"{response_key}__alias_{index}"
