"""Each audience's view of a supergraph: its API schema without the fields that audience may not see.

A remote field is invisible until declared. ``subgraph_visibility`` (a setting) maps a subgraph name, or
``*`` for every other subgraph, or one subgraph's type or field (``loans:Loan.rate``), to the visibility
of its fields, as a plugin declares its own (gateway.policy.visibility, gateway.policy.remote_fields). A
field is visible to an audience when one of the subgraphs that resolve it makes it so: a field served
by several subgraphs (``@shareable``) holds the same data whichever serves it, so one declaration
decides. A ``partner:<group>`` field is in the audiences of partners, subjects, departments and the admin;
who sees it for which subject is decided per response (gateway.federation.serving.subjects). The
in-process subgraph is not declared here: its fields are visible as the plugins' own schema for that
audience has them (``local_visible``).

Removing fields can empty a type, and removing a type removes the fields and union members that name
it, so the removal runs to a fixed point. An interface keeps a field only while every implementation
that keeps the interface keeps it too. An audience left with no query field sees no schema (None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import (
    REMOVE,
    FieldDefinitionNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InterfaceTypeDefinitionNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    OperationTypeDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    Visitor,
    build_ast_schema,
    get_named_type,
    parse,
    print_schema,
    validate_schema,
    visit,
)

from gateway.auth.principal import Role
from gateway.federation.model import Supergraph
from gateway.federation.serving.consent import check_partner_fields, resolving_subgraphs
from gateway.kernel.errors import ConfigurationError
from gateway.policy.remote_fields import RemoteDeclarations
from gateway.policy.visibility import visible_to

# (role, type name, field name) -> whether the in-process graph shows that field to that audience.
LocalVisibility = Callable[[Role, str, str], bool]


def check_declarations(
    visibilities: Mapping[str, str], supergraph: Supergraph, local_subgraph: str
) -> RemoteDeclarations:
    """Every key names a subgraph of ``supergraph`` (or ``*``), and a type or field it serves; every value
    a visibility this path can enforce. ``credit-gateway supergraph check`` runs this same check."""
    declarations = RemoteDeclarations.parse(visibilities)
    for name in sorted(declarations.subgraphs_named()):
        if name not in supergraph.subgraphs:
            raise ConfigurationError(
                f"subgraph_visibility names {name!r}, which the supergraph does not; "
                f"its subgraphs: {', '.join(sorted(supergraph.subgraphs))}"
            )
        if name == local_subgraph:
            raise ConfigurationError(
                f"subgraph_visibility names {name!r}, the in-process subgraph: its fields keep the plugins' "
                "declarations"
            )
    for subgraph, type_name in declarations.by_type:
        served = supergraph.types.get(type_name)
        if served is None or not any(subgraph in resolving_subgraphs(supergraph, type_name, f) for f in served.fields):
            raise ConfigurationError(f"subgraph_visibility[{subgraph}:{type_name}]: {subgraph} serves no such type")
    for subgraph, type_name, field_name in declarations.by_field:
        if subgraph not in resolving_subgraphs(supergraph, type_name, field_name):
            raise ConfigurationError(
                f"subgraph_visibility[{subgraph}:{type_name}.{field_name}]: {subgraph} serves no such field"
            )
    check_partner_fields(supergraph, declarations, local_subgraph)
    return declarations


def audience_schemas(
    supergraph: Supergraph,
    visibilities: RemoteDeclarations | Mapping[str, str],
    local_subgraph: str,
    local_visible: LocalVisibility | None,
) -> dict[Role, GraphQLSchema | None]:
    """Every audience's schema; audiences that see the same fields share one schema object."""
    if not isinstance(visibilities, RemoteDeclarations):
        visibilities = RemoteDeclarations.parse(visibilities)
    built: dict[frozenset[tuple[str, str]], GraphQLSchema | None] = {}
    schemas: dict[Role, GraphQLSchema | None] = {}
    for role in Role:
        kept = _kept_fields(supergraph, visibilities, local_subgraph, local_visible, role)
        if kept not in built:
            built[kept] = _schema_with(supergraph.api_schema, kept)
        schemas[role] = built[kept]
    return schemas


def _kept_fields(
    supergraph: Supergraph,
    visibilities: RemoteDeclarations,
    local_subgraph: str,
    local_visible: LocalVisibility | None,
    role: Role,
) -> frozenset[tuple[str, str]]:
    def declared(subgraph: str, type_name: str, field_name: str) -> bool:
        if subgraph == local_subgraph and local_visible is not None:
            return local_visible(role, type_name, field_name)
        visibility = visibilities.visibility(subgraph, type_name, field_name)
        return visibility is not None and visible_to(role, visibility)

    kept: set[tuple[str, str]] = set()
    for named in supergraph.api_schema.type_map.values():
        if named.name.startswith("__") or not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name in named.fields:
            subgraphs = resolving_subgraphs(supergraph, named.name, field_name)
            if any(declared(subgraph, named.name, field_name) for subgraph in subgraphs):
                kept.add((named.name, field_name))
    return _settle(supergraph.api_schema, kept)


def _settle(schema: GraphQLSchema, kept: set[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Remove what removing fields implies (empty types, fields of removed types …) until nothing changes."""
    composite = {
        name: named
        for name, named in schema.type_map.items()
        if not name.startswith("__") and isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
    }
    while True:
        removed = _removed_types(composite, kept)
        before = len(kept)
        for type_name, field_name in list(kept):
            named = composite[type_name]
            field_type = get_named_type(named.fields[field_name].type)  # type: ignore[union-attr]
            if type_name in removed or field_type.name in removed:
                kept.discard((type_name, field_name))
                continue
            if isinstance(named, GraphQLInterfaceType):
                implementations = schema.get_implementations(named)
                holders = [*implementations.objects, *implementations.interfaces]
                if any(h.name not in removed and (h.name, field_name) not in kept for h in holders):
                    kept.discard((type_name, field_name))
        if len(kept) == before:
            return frozenset(kept)


def _removed_types(composite: Mapping[str, object], kept: set[tuple[str, str]]) -> set[str]:
    with_fields = {type_name for type_name, _ in kept}
    removed = {name for name, named in composite.items() if not isinstance(named, GraphQLUnionType)}
    removed -= with_fields
    for name, named in composite.items():
        if isinstance(named, GraphQLUnionType) and all(member.name in removed for member in named.types):
            removed.add(name)
    return removed


def _schema_with(api_schema: GraphQLSchema, kept: frozenset[tuple[str, str]]) -> GraphQLSchema | None:
    query = api_schema.query_type
    if query is None or not any(type_name == query.name for type_name, _ in kept):
        return None
    composite = {
        name
        for name, named in api_schema.type_map.items()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
    }
    removed = _removed_types({n: api_schema.type_map[n] for n in composite if not n.startswith("__")}, set(kept))
    document = visit(parse(print_schema(api_schema)), _Filter(kept, removed))
    schema = build_ast_schema(document)
    problems = validate_schema(schema)
    if problems:  # a gap in _settle: better a clear refusal at load than an invalid schema served
        raise ConfigurationError(f"an audience's view of the supergraph is not a valid schema: {problems[0]}")
    return schema


class _Filter(Visitor):
    def __init__(self, kept: frozenset[tuple[str, str]], removed: set[str]) -> None:
        super().__init__()
        self.kept = kept
        self.removed = removed
        self.parent: str | None = None

    def enter(self, node: object, *_: object) -> object:
        if isinstance(node, TypeDefinitionNode):
            if node.name.value in self.removed:
                return REMOVE
            # Fields are filtered under object and interface types only: input fields are not data.
            composite = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode
            self.parent = node.name.value if isinstance(node, composite) else None
            return None
        if isinstance(node, FieldDefinitionNode) and self.parent is not None:
            return None if (self.parent, node.name.value) in self.kept else REMOVE
        if isinstance(node, OperationTypeDefinitionNode) and node.type.name.value in self.removed:
            return REMOVE
        if isinstance(node, NamedTypeNode) and node.name.value in self.removed:
            # A removed interface leaves its implementations' lists, a removed member its union.
            return REMOVE
        return None

    def leave(self, node: object, *_: object) -> object:
        if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | UnionTypeDefinitionNode):
            self.parent = None
        return None
