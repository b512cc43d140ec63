"""The supergraph model says exactly what each subgraph owns, read from supergraphs that Apollo's
composition library really composed (tests/federation_model/subgraphs/*.graphql)."""

from __future__ import annotations

import pytest
from graphql import print_ast, print_schema

from gateway.federation import Supergraph
from tests.federation_model.conftest import ComposeFn, subgraph_sdl


@pytest.fixture(scope="module")
def supergraph(compose_supergraph: ComposeFn) -> Supergraph:
    return compose_supergraph(
        accounts=subgraph_sdl("accounts"), reviews=subgraph_sdl("reviews"), catalog=subgraph_sdl("catalog")
    )


def _keys(supergraph: Supergraph, type_name: str) -> set[tuple[str, str, bool]]:
    return {(k.subgraph, k.fields.source, k.resolvable) for k in supergraph.types[type_name].keys}


def test_subgraphs_are_named_with_their_urls(supergraph: Supergraph) -> None:
    assert supergraph.join_version == "0.4"  # federation v2.7 subgraphs: join v0.4
    assert {(s.name, s.url, s.graph) for s in supergraph.subgraphs.values()} == {
        ("accounts", "http://accounts.test/graphql", "ACCOUNTS"),
        ("reviews", "http://reviews.test/graphql", "REVIEWS"),
        ("catalog", "http://catalog.test/graphql", "CATALOG"),
    }
    assert (supergraph.query_type, supergraph.mutation_type, supergraph.subscription_type) == (
        "Query",
        "Mutation",
        None,
    )


def test_several_keys_composite_nested_and_unresolvable(supergraph: Supergraph) -> None:
    assert _keys(supergraph, "User") == {
        ("accounts", "id", True),
        ("accounts", "org { id } login", True),  # composite, and nested into Org
        ("catalog", "id", True),
        ("reviews", "id", True),
    }
    nested = supergraph.types["User"].keys_in("accounts")[1].fields.selections
    assert print_ast(nested).split() == ["{", "org", "{", "id", "}", "login", "}"]
    # reviews references an Org by its id but cannot fetch one.
    assert _keys(supergraph, "Org") == {("accounts", "id", True), ("reviews", "id", False)}
    assert {t.name for t in supergraph.entity_types} == {"User", "Org", "Media", "Book", "Film"}
    assert not supergraph.types["Review"].is_entity


def test_which_subgraphs_define_each_type(supergraph: Supergraph) -> None:
    defined = {name: t.defined_in for name, t in supergraph.types.items()}
    assert defined["User"] == {"accounts", "reviews", "catalog"}
    assert defined["Review"] == {"reviews"}
    assert defined["Node"] == {"accounts", "reviews"}
    assert defined["Plan"] == {"accounts", "catalog"}
    assert defined["Query"] == {"accounts", "reviews", "catalog"}
    assert "join__Graph" not in supergraph.types and "link__Purpose" not in supergraph.types


def test_fields_resolved_where_they_are_not_external(supergraph: Supergraph) -> None:
    user = supergraph.types["User"]
    resolved = {name: field.resolved_by for name, field in user.fields.items()}
    assert resolved == {
        "id": {"accounts", "reviews", "catalog"},  # no @join__field: every subgraph of the type
        "login": {"accounts"},
        "org": {"accounts"},
        "name": {"accounts"},
        "nickname": {"accounts", "reviews"},
        "email": {"accounts"},
        "avatar": {"accounts"},
        "plan": {"catalog"},
        "greeting": {"reviews"},
        "signature": {"reviews"},
        "portrait": {"reviews"},
        "reviews": {"reviews"},
    }
    name = user.fields["name"].in_subgraph("reviews")
    assert name is not None and name.external and not name.resolvable


def test_requires_with_arguments_and_a_fragment(supergraph: Supergraph) -> None:
    user = supergraph.types["User"]
    greeting = user.fields["greeting"]
    assert greeting.arguments == ("lang",)  # the requiring field takes arguments of its own
    assert str(greeting.in_subgraph("reviews").requires) == "name"
    signature = user.fields["signature"].in_subgraph("reviews").requires
    assert signature.source == "login ... on User { org { id } }"
    assert [type(s).__name__ for s in signature.selections.selections] == ["FieldNode", "InlineFragmentNode"]
    portrait = user.fields["portrait"].in_subgraph("reviews").requires
    (avatar,) = portrait.selections.selections
    assert [(a.name.value, print_ast(a.value)) for a in avatar.arguments] == [("size", "64")]


def test_provides(supergraph: Supergraph) -> None:
    author = supergraph.field("Review", "author")
    assert [(f.subgraph, str(f.provides)) for f in author.subgraphs] == [("reviews", "name")]


def test_shareable_fields_with_compatible_types(supergraph: Supergraph) -> None:
    nickname = supergraph.field("User", "nickname")
    assert nickname.type == "String"  # the supergraph takes the wider type
    assert {(f.subgraph, f.type) for f in nickname.subgraphs} == {("accounts", "String!"), ("reviews", "String")}


def test_override(supergraph: Supergraph) -> None:
    plan = supergraph.field("User", "plan")
    assert [(f.subgraph, f.override_from, f.override_label) for f in plan.subgraphs] == [("catalog", "accounts", None)]
    assert plan.resolved_by == {"catalog"}


def test_interface_object(supergraph: Supergraph) -> None:
    media = supergraph.types["Media"]
    assert media.kind == "interface"
    assert {(e.subgraph, e.is_interface_object) for e in media.subgraphs} == {("catalog", False), ("reviews", True)}
    assert media.fields["rating"].resolved_by == {"reviews"}
    # On the implementations no subgraph resolves rating itself: it comes through the interface object.
    assert supergraph.field("Book", "rating").subgraphs == ()
    assert supergraph.types["Book"].implements == {"catalog": {"Media"}}


def test_interfaces_and_unions_across_subgraphs(supergraph: Supergraph) -> None:
    assert supergraph.types["User"].implements == {"accounts": {"Node"}}
    assert supergraph.types["Review"].implements == {"reviews": {"Node"}}
    assert supergraph.types["SearchResult"].kind == "union"
    assert supergraph.types["SearchResult"].union_members == {
        "catalog": {"Book", "Film"},
        "reviews": {"User", "Review"},
    }


def test_enum_values_per_subgraph(supergraph: Supergraph) -> None:
    assert supergraph.types["Plan"].enum_values == {
        "FREE": {"accounts", "catalog"},
        "PRO": {"accounts", "catalog"},
        "LEGACY": {"accounts"},
        "ENTERPRISE": {"catalog"},
    }


def test_root_fields_and_mutations(supergraph: Supergraph) -> None:
    query = {name: f.resolved_by for name, f in supergraph.types["Query"].fields.items()}
    assert query == {
        "me": {"accounts"},
        "health": {"accounts", "reviews"},
        "media": {"catalog"},
        "browse": {"catalog"},
        "topReviews": {"reviews"},
        "search": {"reviews"},
    }
    mutation = {name: f.resolved_by for name, f in supergraph.types["Mutation"].fields.items()}
    assert mutation == {"signUp": {"accounts"}, "addReview": {"reviews"}}


def test_inaccessible_elements_leave_the_api_schema(supergraph: Supergraph) -> None:
    assert supergraph.field("User", "email").inaccessible
    assert supergraph.types["Plan"].inaccessible_elements == {"LEGACY"}
    api = supergraph.api_schema
    assert "email" not in api.type_map["User"].fields
    assert set(api.type_map["Plan"].values) == {"FREE", "PRO", "ENTERPRISE"}
    printed = print_schema(api)
    for spec_element in ("join__", "link__", "@link", "@inaccessible"):
        assert spec_element not in printed
    # The full supergraph schema keeps them, for the planner.
    assert "email" in supergraph.schema.type_map["User"].fields


def test_the_model_is_immutable(supergraph: Supergraph) -> None:
    with pytest.raises(TypeError):
        supergraph.types["User"].fields["id"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        supergraph.types["User"].name = "Person"  # type: ignore[misc]


def test_inaccessible_types_interfaces_and_arguments(compose_supergraph: ComposeFn) -> None:
    sdl = """
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@inaccessible"])
    interface Audited @inaccessible { auditor: String }
    type Secret @inaccessible { code: String }
    type Account implements Audited @key(fields: "id") {
      id: ID!
      auditor: String @inaccessible
      secret: Secret @inaccessible
      balance(currency: String @inaccessible, precision: Int): Float
    }
    type Query { account(id: ID!): Account }
    """
    supergraph = compose_supergraph(bank=sdl)
    assert supergraph.types["Secret"].inaccessible and supergraph.types["Audited"].inaccessible
    assert supergraph.types["Account"].inaccessible_elements == {"auditor", "secret", "balance(currency:)"}
    api = supergraph.api_schema
    assert "Secret" not in api.type_map and "Audited" not in api.type_map
    account = api.type_map["Account"]
    assert not account.interfaces and set(account.fields) == {"id", "balance"}
    assert set(account.fields["balance"].args) == {"precision"}


def test_progressive_override_and_context(compose_supergraph: ComposeFn) -> None:
    old = """
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", "@shareable"])
    type Shop @key(fields: "id") { id: ID! currency: String! @shareable }
    type Item @key(fields: "id") { id: ID! price: Float }
    type Query { shop: Shop }
    """
    new = """
    extend schema @link(
      url: "https://specs.apollo.dev/federation/v2.8"
      import: ["@key", "@shareable", "@override", "@fromContext", "@context"]
    )
    type Shop @key(fields: "id") @context(name: "shop") { id: ID! currency: String! @shareable items: [Item!]! }
    type Item @key(fields: "id") {
      id: ID!
      price: Float @override(from: "legacy", label: "percent(25)")
      label(currency: String @fromContext(field: "$shop { currency }")): String
    }
    """
    supergraph = compose_supergraph(legacy=old, pricing=new)
    assert supergraph.join_version == "0.5"
    price = supergraph.field("Item", "price")
    entries = {(f.subgraph, f.override_from, f.override_label) for f in price.subgraphs}
    # Both carry the label: pricing serves the field while it is on, legacy while it is off.
    assert entries == {("legacy", None, "percent(25)"), ("pricing", "legacy", "percent(25)")}
    assert price.resolved_by == {"legacy", "pricing"}
    # The context argument is the planner's to fill in: clients do not see it.
    assert "currency" not in supergraph.api_schema.type_map["Item"].fields["label"].args
