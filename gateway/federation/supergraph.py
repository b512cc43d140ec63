"""Read a Federation v2 supergraph SDL (Apollo composition's output, ``join`` v0.2 to v0.5) into the
immutable model of :mod:`gateway.federation.model`.

The SDL defines the ``@join__*`` directives it uses, so graphql-core builds it as an ordinary schema;
the model then follows the join spec: ``@join__graph`` names the subgraphs, ``@join__type`` says which
define a type and by which keys, ``@join__field`` which have a field and with what (a field without
one is in every subgraph of its type), ``@join__implements``, ``@join__unionMember`` and
``@join__enumValue`` which know an interface, a union member or an enum value (without them: every
subgraph of the type). The API schema (:mod:`gateway.federation.api_schema`) is what clients see.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from graphql import (
    DirectiveNode,
    EnumValueNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_ast_schema,
    get_named_type,
    is_composite_type,
    parse,
)
from graphql.execution.values import get_argument_values

from gateway.federation.api_schema import build_api_schema
from gateway.federation.links import Links, read_links
from gateway.federation.model import (
    EntityKey,
    FieldInSubgraph,
    FieldSet,
    Subgraph,
    Supergraph,
    SupergraphField,
    SupergraphType,
    TypeInSubgraph,
    TypeKind,
)
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_SUPERGRAPH_BYTES


class SupergraphError(ConfigurationError):
    """The text is not a supergraph this gateway can serve; the message says why (and where)."""


def parse_supergraph(sdl: str) -> Supergraph:
    if len(sdl.encode()) > MAX_SUPERGRAPH_BYTES:
        raise SupergraphError(f"the supergraph is larger than {MAX_SUPERGRAPH_BYTES} bytes")
    try:
        document = parse(sdl)
    except GraphQLError as exc:
        raise SupergraphError(f"the supergraph does not parse: {_located(exc)}") from exc
    links = read_links(document, SupergraphError)
    try:
        schema = build_ast_schema(document)
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(f"the supergraph is not a valid schema: {_located(exc)}") from exc
    reader = _Reader(schema, links)
    types = {name: reader.read_type(named) for name, named in schema.type_map.items() if reader.is_served(named)}
    api_schema = build_api_schema(document, links, SupergraphError)
    query = schema.query_type
    if query is None:
        raise SupergraphError("the supergraph has no query root type")
    return Supergraph(
        sdl=sdl,
        join_version=links.join_version,
        subgraphs=MappingProxyType(dict(reader.subgraphs_by_name)),
        types=MappingProxyType(types),
        query_type=query.name,
        mutation_type=schema.mutation_type.name if schema.mutation_type else None,
        subscription_type=schema.subscription_type.name if schema.subscription_type else None,
        schema=schema,
        api_schema=api_schema,
    )


def _located(exc: Exception) -> str:
    if isinstance(exc, GraphQLError):
        where = f" (line {exc.locations[0].line}, column {exc.locations[0].column})" if exc.locations else ""
        return f"{exc.message}{where}"
    return str(exc)


_KINDS: tuple[tuple[type, TypeKind], ...] = (
    (GraphQLObjectType, "object"),
    (GraphQLInterfaceType, "interface"),
    (GraphQLUnionType, "union"),
    (GraphQLEnumType, "enum"),
    (GraphQLInputObjectType, "input"),
)


class _Reader:
    def __init__(self, schema: GraphQLSchema, links: Links) -> None:
        self.schema = schema
        self.links = links
        graph_enum = schema.type_map.get(links.join("Graph"))
        if not isinstance(graph_enum, GraphQLEnumType):
            raise SupergraphError(f"the supergraph has no {links.join('Graph')} enum of its subgraphs")
        self.subgraphs_by_graph: dict[str, Subgraph] = {}
        for graph, value in graph_enum.values.items():
            args = self._directive_args(value.ast_node, "graph", f"{graph_enum.name}.{graph}")
            if len(args) != 1:
                raise SupergraphError(f"{graph_enum.name}.{graph} needs exactly one @{links.join('graph')}")
            self.subgraphs_by_graph[graph] = Subgraph(name=args[0]["name"], url=args[0]["url"], graph=graph)
        self.subgraphs_by_name = {s.name: s for s in self.subgraphs_by_graph.values()}
        if not self.subgraphs_by_name:
            raise SupergraphError("the supergraph names no subgraph")

    def is_served(self, named: GraphQLNamedType) -> bool:
        name = named.name
        return not name.startswith("__") and not self.links.is_spec_element(name)

    # --- directives ------------------------------------------------------------------------------

    def _directive_args(self, node: Any, join_name: str, where: str) -> list[dict[str, Any]]:
        """The arguments of every ``@join__<join_name>`` on ``node``, defaults applied."""
        directive_name = self.links.join(join_name)
        definition = self.schema.get_directive(directive_name)
        found = []
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value != directive_name:
                continue
            if definition is None:
                raise SupergraphError(f"{where}: @{directive_name} is used but not defined")
            self._check_graph_argument(directive, where)
            try:
                found.append(get_argument_values(definition, directive))
            except GraphQLError as exc:
                raise SupergraphError(f"{where}: {_located(exc)}") from exc
        return found

    def _check_graph_argument(self, directive: DirectiveNode, where: str) -> None:
        if directive.name.value == self.links.join("graph"):
            return
        for argument in directive.arguments or ():
            value = argument.value
            named = argument.name.value == "graph" and isinstance(value, EnumValueNode)
            if named and value.value not in self.subgraphs_by_graph:
                line = f" (line {value.loc.source.get_location(value.loc.start).line})" if value.loc else ""
                raise SupergraphError(
                    f"{where}: @{directive.name.value} names graph {value.value}, which "
                    f"{self.links.join('Graph')} does not list{line}"
                )

    def _nodes(self, named: Any) -> list[Any]:
        return [n for n in (named.ast_node, *named.extension_ast_nodes) if n is not None]

    def _all_args(self, named: Any, join_name: str) -> list[dict[str, Any]]:
        return [args for node in self._nodes(named) for args in self._directive_args(node, join_name, named.name)]

    def _name(self, graph: str) -> str:
        return self.subgraphs_by_graph[graph].name

    # --- types -----------------------------------------------------------------------------------

    def read_type(self, named: GraphQLNamedType) -> SupergraphType:
        kind: TypeKind = next((k for cls, k in _KINDS if isinstance(named, cls)), "scalar")
        entries = []
        for args in self._all_args(named, "type"):
            graph = self._name(args["graph"])
            key_source = args.get("key")
            keys = ()
            if key_source is not None:
                selections = self.field_set(key_source, named, f"{named.name} key")
                keys = (EntityKey(graph, FieldSet(key_source, selections), args.get("resolvable", True)),)
            entries.append(
                TypeInSubgraph(graph, keys, args.get("extension", False), args.get("isInterfaceObject", False))
            )
        subgraphs = _merge_type_entries(entries)
        of_type = frozenset(entry.subgraph for entry in subgraphs) or frozenset(self.subgraphs_by_name)
        fields: dict[str, SupergraphField] = {}
        inaccessible: set[str] = set()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                fields[field_name] = self.read_field(named, field_name, field, of_type)
                if self.links.is_inaccessible(field.ast_node):
                    inaccessible.add(field_name)
                for arg_name, arg in getattr(field, "args", {}).items():
                    if self.links.is_inaccessible(arg.ast_node):
                        inaccessible.add(f"{field_name}({arg_name}:)")
        enum_values: dict[str, frozenset[str]] = {}
        if isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                where = f"{named.name}.{value_name}"
                graphs = [self._name(a["graph"]) for a in self._directive_args(value.ast_node, "enumValue", where)]
                enum_values[value_name] = frozenset(graphs) or of_type
                if self.links.is_inaccessible(value.ast_node):
                    inaccessible.add(value_name)
        return SupergraphType(
            name=named.name,
            kind=kind,
            subgraphs=subgraphs,
            fields=MappingProxyType(fields),
            implements=self._per_graph(named, "implements", "interface", of_type, _interfaces_of(named)),
            union_members=self._per_graph(named, "unionMember", "member", of_type, _members_of(named)),
            enum_values=MappingProxyType(enum_values),
            inaccessible=any(self.links.is_inaccessible(node) for node in self._nodes(named)),
            inaccessible_elements=frozenset(inaccessible),
        )

    def _per_graph(
        self, named: Any, join_name: str, argument: str, of_type: frozenset[str], every: frozenset[str]
    ) -> Mapping[str, frozenset[str]]:
        if not every:
            return MappingProxyType({})
        found: dict[str, set[str]] = {}
        for args in self._all_args(named, join_name):
            target = args[argument]
            if target not in every:
                raise SupergraphError(
                    f"{named.name}: @{self.links.join(join_name)} names {target!r}, which the type's own "
                    f"definition does not list ({', '.join(sorted(every))})"
                )
            found.setdefault(self._name(args["graph"]), set()).add(target)
        if not found:  # older supergraphs leave them out: every subgraph of the type knows them all
            return MappingProxyType({graph: every for graph in of_type})
        return MappingProxyType({graph: frozenset(names) for graph, names in found.items()})

    # --- fields ----------------------------------------------------------------------------------

    def read_field(self, parent: Any, name: str, field: Any, of_type: frozenset[str]) -> SupergraphField:
        where = f"{parent.name}.{name}"
        joined = self._directive_args(field.ast_node, "field", where)
        entries: list[FieldInSubgraph] = []
        for args in joined:
            if args.get("graph") is None:
                continue  # @join__field without a graph: no subgraph resolves the field itself
            requires = provides = None
            if args.get("requires") is not None:
                requires = FieldSet(args["requires"], self.field_set(args["requires"], parent, f"{where} @requires"))
            if args.get("provides") is not None:
                returned = get_named_type(field.type)
                provides = FieldSet(args["provides"], self.field_set(args["provides"], returned, f"{where} @provides"))
            entries.append(
                FieldInSubgraph(
                    subgraph=self._name(args["graph"]),
                    requires=requires,
                    provides=provides,
                    type=args.get("type"),
                    external=bool(args.get("external")),
                    override_from=args.get("override"),
                    override_label=args.get("overrideLabel"),
                    used_overridden=bool(args.get("usedOverridden")),
                )
            )
        if not joined:
            entries = [FieldInSubgraph(subgraph=graph) for graph in sorted(of_type)]
        return SupergraphField(
            parent=parent.name,
            name=name,
            type=str(field.type),
            arguments=tuple(getattr(field, "args", {})),
            subgraphs=tuple(entries),
            inaccessible=self.links.is_inaccessible(field.ast_node),
        )

    # --- field sets ------------------------------------------------------------------------------

    def field_set(self, source: str, parent: Any, where: str) -> SelectionSetNode:
        try:
            document = parse("{" + source + "}", no_location=True)
        except GraphQLError as exc:
            raise SupergraphError(f"{where}: field set {source!r} does not parse: {exc.message}") from exc
        operation = document.definitions[0]
        if len(document.definitions) != 1 or not isinstance(operation, OperationDefinitionNode):
            raise SupergraphError(f"{where}: field set {source!r} is not a selection")
        self._check_selections(operation.selection_set, parent, source, where)
        return operation.selection_set

    def _check_selections(self, selections: SelectionSetNode, parent: Any, source: str, where: str) -> None:
        if not is_composite_type(parent):
            raise SupergraphError(f"{where}: field set {source!r} selects into {parent.name}, which has no fields")
        for selection in selections.selections:
            if isinstance(selection, FragmentSpreadNode):
                raise SupergraphError(f"{where}: field set {source!r} may not spread a named fragment")
            if isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.type_map.get(selection.type_condition.name.value)
                    if target is None:
                        raise SupergraphError(
                            f"{where}: field set {source!r} names type {selection.type_condition.name.value}, "
                            "which the supergraph does not define"
                        )
                self._check_selections(selection.selection_set, target, source, where)
                continue
            assert isinstance(selection, FieldNode)
            field_name = selection.name.value
            if field_name == "__typename":
                continue
            fields = getattr(parent, "fields", {})
            if field_name not in fields:
                raise SupergraphError(
                    f"{where}: field set {source!r} names {parent.name}.{field_name}, which the supergraph does "
                    "not define"
                )
            if selection.selection_set is not None:
                self._check_selections(selection.selection_set, get_named_type(fields[field_name].type), source, where)


def _merge_type_entries(entries: list[TypeInSubgraph]) -> tuple[TypeInSubgraph, ...]:
    """One entry per subgraph: a type with several keys there has one @join__type per key."""
    merged: dict[str, TypeInSubgraph] = {}
    for entry in entries:
        known = merged.get(entry.subgraph)
        if known is None:
            merged[entry.subgraph] = entry
        else:
            merged[entry.subgraph] = TypeInSubgraph(
                entry.subgraph,
                known.keys + entry.keys,
                known.extension or entry.extension,
                known.is_interface_object or entry.is_interface_object,
            )
    return tuple(merged.values())


def _interfaces_of(named: Any) -> frozenset[str]:
    return frozenset(i.name for i in getattr(named, "interfaces", ()))


def _members_of(named: Any) -> frozenset[str]:
    return frozenset(t.name for t in named.types) if isinstance(named, GraphQLUnionType) else frozenset()
