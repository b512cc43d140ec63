"""Each audience's view of a supergraph (gateway.federation.serving.audiences), over the supergraphs of
every federation test family (composed with Apollo's composition library from their SDL files): with
one subgraph declared at a time, the view is a valid schema holding exactly fields that subgraph
resolves (interfaces, unions and entities spread across subgraphs included), and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from gateway.auth.principal import Role
from gateway.federation.serving.audiences import audience_schemas, check_declarations
from gateway.federation.supergraph import parse_supergraph
from gateway.kernel.errors import ConfigurationError
from tests.federation.oracle import FAMILIES_DIR, compose, ensure_node_modules, family_names


def composed(family: str) -> str:
    ensure_node_modules()
    folder = FAMILIES_DIR / family
    ready = {
        path.stem: {"url": f"http://127.0.0.1:9/{path.stem}", "sdl": path.name}
        for path in sorted(Path(folder).glob("*.graphql"))
    }
    return compose(folder, ready)


@pytest.mark.parametrize("family", family_names())
def test_one_declared_subgraph_gives_a_valid_view_of_its_fields_only(family: str) -> None:
    supergraph = parse_supergraph(composed(family))
    for name in supergraph.subgraphs:
        schemas = audience_schemas(supergraph, {name: "public"}, "credit-gateway", None)
        assert schemas[Role.ADMIN] is schemas[Role.PUBLIC]  # "public" is seen by every audience
        view = schemas[Role.PUBLIC]
        if view is None:  # the subgraph serves no query field anyone could start from
            continue
        for named in view.type_map.values():
            if named.name.startswith("__") or not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                continue
            for field_name in named.fields:
                served = supergraph.types[named.name].fields[field_name]
                resolving = served.resolved_by or {e.subgraph for e in served.subgraphs}
                resolving = resolving or supergraph.types[named.name].defined_in
                assert name in resolving, f"{family}: {named.name}.{field_name} shown for {name}"


def test_audiences_see_what_their_declaration_lets_them() -> None:
    supergraph = parse_supergraph(composed("root_fields"))
    schemas = audience_schemas(supergraph, {"left": "public", "right": "partner"}, "credit-gateway", None)
    public, partner, admin = schemas[Role.PUBLIC], schemas[Role.PARTNER], schemas[Role.ADMIN]
    assert public is not None and partner is not None and admin is not None
    assert "right" not in public.query_type.fields
    assert "right" in partner.query_type.fields and "right" in admin.query_type.fields
    assert "weight" not in public.get_type("Thing").fields  # type: ignore[union-attr]
    assert set(audience_schemas(supergraph, {}, "credit-gateway", None).values()) == {None}


def test_declarations_that_cannot_be_served_are_refused() -> None:
    supergraph = parse_supergraph(composed("root_fields"))
    with pytest.raises(ConfigurationError, match="partner groups"):
        check_declarations({"left": "partner:left.rating"}, supergraph, "credit-gateway")
    with pytest.raises(ConfigurationError, match="unknown visibility"):
        check_declarations({"left": "everyone"}, supergraph, "credit-gateway")
    with pytest.raises(ConfigurationError, match="its subgraphs: left, right"):
        check_declarations({"middle": "public"}, supergraph, "credit-gateway")
    with pytest.raises(ConfigurationError, match="in-process subgraph"):
        check_declarations({"left": "public"}, supergraph, "left")
