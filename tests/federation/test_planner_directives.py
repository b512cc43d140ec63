"""What the planner does with each federation directive, read off the plans of the families' supergraphs
(and of one small supergraph of this file's own, for same-named fields of different types)."""

from __future__ import annotations

from functools import cache

import pytest
from graphql import parse, print_ast

from gateway.federation.model import Supergraph
from gateway.federation.planner import PlanningError, plan_operation
from gateway.federation.query_plan import Fetch, KeyRenamer, QueryPlan, ValueSetter
from gateway.kernel.errors import OPERATION_NOT_PLANNABLE
from gateway.kernel.limits import MAX_PLAN_FETCHES
from tests.federation.oracle import load_cases
from tests.federation.planner_checks import check_plan, fetches, outline, representation_types
from tests.federation.planner_supergraphs import (
    compose_sdls,
    family_subgraph_schemas,
    family_supergraph,
    subgraph_schema,
)


def plan(family: str, query: str, operation_name: str | None = None) -> QueryPlan:
    supergraph = family_supergraph(family)
    planned = plan_operation(supergraph, parse(query), operation_name)
    check_plan(planned, supergraph, family_subgraph_schemas(family))
    return planned


def by_subgraph(planned: QueryPlan, subgraph: str) -> list[Fetch]:
    return [f for f in fetches(planned) if f.subgraph == subgraph]


def requires_text(fetch: Fetch) -> str:
    assert fetch.requires is not None
    return " ".join(print_ast(fetch.requires).split())


# --- @key -------------------------------------------------------------------------------------------


def test_no_entity_fetch_goes_into_a_subgraph_by_a_key_it_cannot_resolve() -> None:
    # reviews declares User and Sku with resolvable: false only.
    for case in load_cases("keys"):
        planned = plan("keys", case["query"])
        assert all(f.requires is None for f in by_subgraph(planned, "reviews")), case["name"]


def test_a_key_the_current_subgraph_holds_needs_no_fetch() -> None:
    planned = plan("keys", "{ reviews { author { id } sku { upc region } } }")
    assert outline(planned.node) == "reviews"


def test_two_hops_take_the_id_key_then_the_email_key() -> None:
    planned = plan("keys", "{ reviews { id author { name orders { id } } } }")
    reviews, accounts, orders = fetches(planned)
    assert (reviews.subgraph, accounts.subgraph, orders.subgraph) == ("reviews", "accounts", "orders")
    assert requires_text(accounts) == "{ ... on User { __typename id } }"
    assert requires_text(orders) == "{ ... on User { __typename email } }"
    assert "email" in accounts.operation  # the second key is fetched by the first hop


def test_nested_and_composite_keys_are_sent_whole() -> None:
    planned = plan("keys", "{ orders { branch { city } sku { title } } }")
    assert outline(planned.node) == "Seq[orders, orders.@.branch:accounts]"  # sku.title is orders' own
    (branch,) = by_subgraph(planned, "accounts")
    assert requires_text(branch) == "{ ... on Branch { __typename bank { code } number } }"
    # Asked back whole, before the client's field, for the executor to compare with the representation.
    assert "... on Branch{__typename bank{code} number city}" in branch.operation
    planned = plan("keys", "{ reviews { sku { title } } }")
    (sku,) = by_subgraph(planned, "orders")
    assert requires_text(sku) == "{ ... on Sku { __typename upc region } }"


def test_entity_fetches_to_a_trusted_subgraph_ask_no_key_back() -> None:
    # The in-process subgraph is trusted (serving.loading): it answers in order by construction, and some
    # keys in another form than sent (a natural person's code masked), so its entities are not checked.
    supergraph = family_supergraph("keys")
    trusted = frozenset({"accounts"})
    planned = plan_operation(supergraph, parse("{ reviews { id author { name orders { id } } } }"), None, trusted)
    check_plan(planned, supergraph, family_subgraph_schemas("keys"), trusted)
    _, accounts, orders = fetches(planned)
    assert accounts.keys is None
    # Its __typename and email are the next hop's representation, not asked back: its id is not there.
    assert "... on User{name __typename email}" in accounts.operation
    # The subgraph it is not trusted with still answers with the key, and is checked.
    assert orders.keys is not None
    assert "... on User{__typename email orders{id}}" in orders.operation


def test_sibling_entity_fetches_to_one_subgraph_at_one_path_are_one_fetch() -> None:
    planned = plan("keys", "{ orders { buyer { name } buyer2: buyer { nickname } } }")
    assert outline(planned.node) == "Seq[orders, Par[orders.@.buyer:accounts, orders.@.buyer2:accounts]]"
    planned = plan("keys", "{ orders { buyer { name email nickname } } }")
    assert outline(planned.node) == "Seq[orders, orders.@.buyer:accounts]"


# --- @requires --------------------------------------------------------------------------------------


def test_required_fields_are_fetched_first_and_sent_in_the_representation() -> None:
    planned = plan("requires", "{ products { upc shippingEstimate packingFee customsFee } }")
    inventory, shipping = fetches(planned)
    for name in ("weight", "price", "packaging", "origin"):
        assert name in inventory.operation
    assert requires_text(shipping) == (
        "{ ... on Product { __typename upc weight price packaging { __typename ... on Box { side } "
        "... on Bag { liters } } origin { __typename country ... on Factory { line } } } }"
    )


def test_a_requiring_field_with_arguments_keeps_its_arguments_and_variables() -> None:
    planned = plan("requires", "query ($zone: Int!) { products { upc shippingCost(zone: $zone) } }")
    inventory, shipping = fetches(planned)
    assert inventory.variable_usages == ()
    assert shipping.variable_usages == ("zone",)
    assert "shippingCost(zone:$zone)" in shipping.operation


# --- @provides / @external --------------------------------------------------------------------------


def test_a_provided_field_is_read_where_it_is_provided() -> None:
    assert outline(plan("provides_external", "{ reviews { author { id username reviewCount } } }").node) == "reviews"


def test_outside_the_provided_path_the_owner_resolves_the_external_field() -> None:
    planned = plan("provides_external", "{ me { username reviewCount } }")
    accounts, reviews = fetches(planned)
    assert "username" in accounts.operation and "username" not in reviews.operation


# --- @shareable / @override / @inaccessible ---------------------------------------------------------


def test_an_overridden_field_is_never_asked_of_the_subgraph_it_left() -> None:
    planned = plan("shareable_override_inaccessible", "{ products { id name price } }")
    (catalog,) = by_subgraph(planned, "catalog")
    (pricing,) = by_subgraph(planned, "pricing")
    assert "price" not in catalog.operation and "price" in pricing.operation


def test_a_shareable_root_field_goes_where_its_selection_costs_fewest_fetches() -> None:
    planned = plan("shareable_override_inaccessible", "{ product(id: 1) { id name price } }")
    assert outline(planned.node) == "pricing"
    planned = plan("shareable_override_inaccessible", "{ product(id: 1) { id tier } }")
    assert outline(planned.node) == "catalog"


def test_an_inaccessible_field_is_still_fetched_for_a_requires() -> None:
    planned = plan("shareable_override_inaccessible", "{ products { codeLength } }")
    catalog, pricing = fetches(planned)
    assert "secretCode" in catalog.operation
    assert requires_text(pricing) == "{ ... on Product { __typename id secretCode } }"


# --- @interfaceObject -------------------------------------------------------------------------------


def test_into_an_interface_object_the_typename_is_rewritten_to_the_interface() -> None:
    planned = plan("interface_object", "{ accounts { id riskScore } }")
    _, risk = fetches(planned)
    assert representation_types(risk) == {"Checking", "Savings"}
    assert set(risk.input_rewrites) == {
        ValueSetter(("... on Checking", "__typename"), "Account"),
        ValueSetter(("... on Savings", "__typename"), "Account"),
    }
    # Each entity is asked back as it is sent, an Account, with its key: the executor checks it.
    assert "... on Account{__typename id riskScore}" in risk.operation
    assert risk.keys is not None and " ".join(print_ast(risk.keys).split()) == "{ ... on Account { __typename id } }"


def test_from_an_interface_object_the_owner_gives_typename_and_implementations() -> None:
    planned = plan("interface_object", "{ riskiest { __typename riskScore ... on Checking { overdraft } } }")
    risk, accounts = fetches(planned)
    assert "__typename" in risk.operation  # the representation's type: Account
    assert requires_text(accounts) == "{ ... on Account { __typename id } }"
    assert not accounts.input_rewrites
    assert "overdraft" in accounts.operation and "Checking" not in risk.operation


# --- interfaces and unions across subgraphs ---------------------------------------------------------


def test_a_subgraph_is_never_sent_a_type_condition_it_does_not_know() -> None:
    planned = plan("abstract_types", "{ shelf { id title ... on Book { pages } ... on Podcast { episodes } } }")
    assert outline(planned.node) == "extras"  # extras' Media has only Podcast
    assert "Book" not in fetches(planned)[0].operation
    planned = plan("abstract_types", "{ featured { ... on Movie { minutes } ... on Book { pages } } }")
    extras, media = fetches(planned)
    assert "Movie" not in extras.operation and "Podcast" not in media.operation


# --- fields of one name with different types --------------------------------------------------------

_CONFLICT_A = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { things: [Thing!]! }
union Thing = Item | Note
type Item @key(fields: "id") { id: ID! label: String! @shareable }
type Note { id: ID! label: String }
"""
_CONFLICT_B = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { item(id: ID!): Item }
type Item @key(fields: "id") { id: ID! label: String @shareable }
"""


def test_a_field_typed_differently_in_one_subgraph_operation_is_aliased_and_renamed_back() -> None:
    # The supergraph types both labels String: valid for the client, not for subgraph "a", where
    # Item.label is String! and Note.label String under one response key.
    supergraph = compose_sdls({"a": _CONFLICT_A, "b": _CONFLICT_B})
    planned = plan_operation(supergraph, parse("{ things { ... on Item { label } ... on Note { label } } }"), None)
    check_plan(planned, supergraph, {"a": subgraph_schema(_CONFLICT_A), "b": subgraph_schema(_CONFLICT_B)})
    (fetch,) = fetches(planned)
    (renamer,) = fetch.output_rewrites
    assert isinstance(renamer, KeyRenamer) and renamer.rename_key_to == "label"
    assert renamer.path[:2] == ("things", "@") and renamer.path[3] == "label__alias_0"
    assert "label__alias_0:label" in fetch.operation


# --- root fields, mutations, conditions ---------------------------------------------------------------


def test_include_and_skip_are_forwarded_with_their_variables() -> None:
    planned = plan("root_fields", "query ($yes: Boolean!) { left @include(if: $yes) right }")
    left, right = fetches(planned)
    assert "left@include(if:$yes)" in left.operation and left.variable_usages == ("yes",)
    assert right.variable_usages == ()
    planned = plan("keys", "query ($x: Boolean!) { orders { id ... @include(if: $x) { total buyer { name } } } }")
    orders, accounts = fetches(planned)
    assert "...@include(if:$x){total buyer{" in orders.operation
    assert accounts.variable_usages == ()


def test_mutations_run_in_document_order_one_fetch_per_run_of_one_subgraph() -> None:
    planned = plan(
        "mutations", 'mutation { a: append(log: "l", entry: "x") b: append(log: "l", entry: "y") c: count(log: "l") }'
    )
    assert outline(planned.node) == "Seq[ledger, audit]"
    assert [f.operation_kind for f in fetches(planned)] == ["mutation", "mutation"]


def test_only_typename_needs_no_fetch() -> None:
    planned = plan("root_fields", "{ __typename }")
    assert planned.node is None and planned.subgraphs == frozenset()


# --- what cannot be planned -------------------------------------------------------------------------


def test_an_operation_needing_more_fetches_than_the_limit_is_refused() -> None:
    aliases = " ".join(f'u{i}: user(id: "{i}") {{ orders {{ id }} }}' for i in range(MAX_PLAN_FETCHES))
    with pytest.raises(PlanningError) as refused:
        plan_operation(family_supergraph("keys"), parse("{ " + aliases + " }"), None)
    assert refused.value.extensions == {"code": OPERATION_NOT_PLANNABLE}


def test_the_operation_must_be_named_among_several() -> None:
    document = parse("query A { left } query B { right }")
    with pytest.raises(PlanningError):
        plan_operation(family_supergraph("root_fields"), document, None)
    with pytest.raises(PlanningError):
        plan_operation(family_supergraph("root_fields"), document, "C")


def test_a_client_alias_named_like_a_key_field_leaves_the_key_its_own_place() -> None:
    # The client's "id" is the user's name: the key id answers under another key all along the way.
    planned = plan("keys", "{ reviews { author { id: name orders { id } } } }")
    reviews, accounts, orders = fetches(planned)
    assert "author{__typename id__key:id}" in reviews.operation
    assert requires_text(accounts) == "{ ... on User { __typename id__key: id } }"
    # In the entity's answer "id" would contradict the representation's id: renamed after the check,
    # which reads the key asked back under the representation's alias.
    assert "... on User{__typename id__key:id id__alias_0:name email}" in accounts.operation
    assert accounts.output_rewrites == (KeyRenamer(("... on User", "id__alias_0"), "id"),)
    assert requires_text(orders) == "{ ... on User { __typename email } }"


def test_a_client_alias_named_like_a_required_field_leaves_the_requirement_its_own_place() -> None:
    planned = plan("requires", "{ products { weight: upc shippingEstimate } }")
    inventory, shipping = fetches(planned)
    assert "weight:upc" in inventory.operation and "weight__key:weight" in inventory.operation
    assert "weight__key: weight" in requires_text(shipping)


_SPREAD_A = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { things: [Thing!]! }
type Thing @key(fields: "id") { id: ID! }
"""
_SPREAD_B = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Thing @key(fields: "id") { id: ID! x: Int @shareable y: Int }
"""
_SPREAD_C = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Thing @key(fields: "id") { id: ID! x: Int @shareable z: Int }
"""


@cache
def _spread_supergraph() -> Supergraph:
    return compose_sdls({"a": _SPREAD_A, "b": _SPREAD_B, "c": _SPREAD_C})


@pytest.mark.parametrize(("query", "expected"), [("{ things { x z } }", "c"), ("{ things { x y } }", "b")])
def test_a_shareable_field_goes_where_its_siblings_go(query: str, expected: str) -> None:
    sdls = {"a": _SPREAD_A, "b": _SPREAD_B, "c": _SPREAD_C}
    supergraph = _spread_supergraph()
    planned = plan_operation(supergraph, parse(query), None)
    check_plan(planned, supergraph, {name: subgraph_schema(sdl) for name, sdl in sdls.items()})
    assert outline(planned.node) == f"Seq[a, things.@:{expected}]"


# --- a field of a value type, through its parent entity -----------------------------------------------

_PARENT_A = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { products: [Product!]! top: Category @shareable }
type Product @key(fields: "id") { id: ID! category: Category @shareable }
type Category @shareable { name: String }
"""
_PARENT_B = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
type Query { top: Category @shareable }
type Product @key(fields: "id") { id: ID! category: Category @shareable }
type Category @shareable { name: String details: String }
"""


@cache
def _parent_supergraph() -> Supergraph:
    return compose_sdls({"a": _PARENT_A, "b": _PARENT_B})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Category has no key: b is asked for the product's category again, by the product's key.
        ("{ products { category { name details } } }", "Seq[a, products.@:b]"),
        # At the root of a query: the shareable root field from the subgraph that has the whole selection.
        ("{ top { name details } }", "b"),
        ("{ products { id } top { name details } }", "Par[a, b]"),
    ],
)
def test_a_field_of_a_value_type_is_reached_through_its_parent(query: str, expected: str) -> None:
    supergraph = _parent_supergraph()
    planned = plan_operation(supergraph, parse(query), None)
    check_plan(planned, supergraph, {"a": subgraph_schema(_PARENT_A), "b": subgraph_schema(_PARENT_B)})
    assert outline(planned.node) == expected
    if expected.startswith("Seq"):
        _, b = fetches(planned)
        assert "category{details}" in b.operation


# --- What an entity fetch asks back -------------------------------------------------------------------

_EMAIL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])
type Query { user: User }
type User @key(fields: "id") { id: ID! email: String! }
"""
_NICKNAME = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key", "@external"])
type User @key(fields: "email") { email: String! @external nickname: String! }
"""


def test_an_entity_fetch_asks_back_its_key_only_where_the_subgraph_resolves_it() -> None:
    """The shape of the public audit's simple-entity-call: ``nickname`` is entered by ``email``, which it
    declares @external (its reference resolver returns only the nickname). Asking ``email`` back would
    make that subgraph answer a null entity; only ``__typename`` is asked back there."""
    supergraph = compose_sdls({"email": _EMAIL, "nickname": _NICKNAME})
    planned = plan_operation(supergraph, parse("{ user { id nickname } }"), None)
    (entity,) = by_subgraph(planned, "nickname")
    assert entity.keys is not None
    assert print_ast(entity.keys).split() == ["{", "...", "on", "User", "{", "__typename", "}", "}"]
    assert "email" not in entity.operation.split("_entities", 1)[1]
