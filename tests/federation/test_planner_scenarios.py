"""Planning over small supergraphs of this file's own, for what the families do not show: a @requires
of a field that itself requires, a key holding another entity, @requires on an interface object, and
@override beside @requires. Each is composed once (Apollo's composition library) and every plan must
pass :func:`planner_checks.check_plan`."""

from __future__ import annotations

from functools import cache

import pytest
from graphql import parse, print_ast

from gateway.federation.model import Supergraph
from gateway.federation.planner import plan_operation
from gateway.federation.query_plan import Fetch, ValueSetter
from tests.federation.planner_checks import check_plan, fetches, outline
from tests.federation.planner_supergraphs import compose_sdls, subgraph_schema

_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@requires", "@interfaceObject", "@override"])\n'
)

SCENARIOS: dict[str, dict[str, str]] = {
    "requires_requires": {
        "a": """
type Query { products: [Product!]! }
type Product @key(fields: "id") { id: ID! price: Int! }
""",
        "b": """
type Product @key(fields: "id") { id: ID! price: Int! @external tax: Int! @requires(fields: "price") }
""",
        "c": """
type Product @key(fields: "id") { id: ID! tax: Int! @external total: Int! @requires(fields: "tax") }
""",
    },
    "entity_in_key": {
        "a": """
type Query { items: [Item!]! }
type Item @key(fields: "id owner { id }") { id: ID! owner: User! }
type User @key(fields: "id") { id: ID! }
""",
        "b": """
type Item @key(fields: "id owner { id }") { id: ID! owner: User! @shareable name: String }
type User @key(fields: "id", resolvable: false) { id: ID! }
""",
        "c": """
type User @key(fields: "id") { id: ID! name: String }
""",
    },
    "interface_object_requires": {
        "a": """
type Query { accounts: [Account!]! }
interface Account @key(fields: "id") { id: ID! score: Int! }
type Checking implements Account @key(fields: "id") { id: ID! score: Int! }
""",
        "b": """
type Query { watch: [Account!]! }
type Account @key(fields: "id") @interfaceObject { id: ID! score: Int! @external risk: Int! @requires(fields: "score") }
""",
    },
    "override_requires": {
        "a": """
type Query { products: [Product!]! }
type Product @key(fields: "id") { id: ID! price: Int! weight: Int! }
""",
        "b": """
type Product @key(fields: "id") {
  id: ID!
  price: Int! @override(from: "a")
  weight: Int! @external
  ship: Int! @requires(fields: "weight")
}
""",
    },
}


@cache
def scenario(name: str) -> Supergraph:
    return compose_sdls({subgraph: _LINK + sdl for subgraph, sdl in SCENARIOS[name].items()})


def plan(name: str, query: str) -> list[Fetch]:
    supergraph = scenario(name)
    planned = plan_operation(supergraph, parse(query), None)
    schemas = {subgraph: subgraph_schema(_LINK + sdl) for subgraph, sdl in SCENARIOS[name].items()}
    check_plan(planned, supergraph, schemas)
    return fetches(planned)


def requires_text(fetch: Fetch) -> str:
    assert fetch.requires is not None
    return " ".join(print_ast(fetch.requires).split())


@pytest.mark.parametrize("query", ["{ products { total } }", "{ products { total tax price } }"])
def test_a_requirement_that_itself_requires_is_fetched_before_it(query: str) -> None:
    a, b, c = plan("requires_requires", query)
    assert (a.subgraph, b.subgraph, c.subgraph) == ("a", "b", "c")
    assert requires_text(b) == "{ ... on Product { __typename id price } }"
    assert requires_text(c) == "{ ... on Product { __typename id tax } }"


def test_a_key_holding_another_entity_is_sent_whole_and_the_entity_fetched_by_its_own_key() -> None:
    supergraph = scenario("entity_in_key")
    planned = plan_operation(supergraph, parse("{ items { name owner { name } } }"), None)
    assert outline(planned.node) == "Seq[a, Par[items.@:b, items.@.owner:c]]"
    _, item, user = plan("entity_in_key", "{ items { name owner { name } } }")
    assert requires_text(item) == "{ ... on Item { __typename id owner { id } } }"
    assert requires_text(user) == "{ ... on User { __typename id } }"


def test_a_requires_on_an_interface_object_from_an_implementation() -> None:
    a, b = plan("interface_object_requires", "{ accounts { id risk } }")
    assert "score" in a.operation
    assert requires_text(b) == "{ ... on Checking { __typename id score } }"
    assert b.input_rewrites == (ValueSetter(("... on Checking", "__typename"), "Account"),)


def test_a_requires_on_an_interface_object_from_the_interface_object_itself() -> None:
    # The required score is the owner's: b, then a (which also tells the concrete type), then b again.
    b, a, b_again = plan("interface_object_requires", "{ watch { __typename risk ... on Checking { score } } }")
    assert (b.subgraph, a.subgraph, b_again.subgraph) == ("b", "a", "b")
    assert requires_text(b_again) == "{ ... on Account { __typename id score } }"
    # a answered with the concrete type: the representation is renamed back to the interface.
    assert b_again.input_rewrites == (ValueSetter(("... on Account", "__typename"), "Account"),)


def test_an_overriding_subgraph_takes_the_field_beside_its_requires() -> None:
    a, b = plan("override_requires", "{ products { price ship } }")
    assert "price" not in a.operation and "weight" in a.operation
    assert "price" in b.operation and requires_text(b) == "{ ... on Product { __typename id weight } }"
