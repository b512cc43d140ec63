"""Which subgraph a root field served by several gets: of those costing as many fetches, the one that
answers more of the selection itself (here by its @provides), so that less is left to entity fetches.
Found by the public federation-gateway audit (provides-on-interface), whose subgraph refuses the
poorer plan; here checked on a supergraph of this file's own, composed once."""

from __future__ import annotations

from functools import cache

from graphql import parse

from gateway.federation.model import Supergraph
from gateway.federation.planner import plan_operation
from tests.federation.planner_checks import check_plan, outline
from tests.federation.planner_supergraphs import compose_sdls, subgraph_schema

_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@provides"])\n'
)

# Both roots cost two fetches (their own, then "c" for year); "b" also gives the titles, "a" does not.
SUBGRAPHS = {
    "a": """
type Query { shelf: Shelf @shareable }
type Shelf @key(fields: "id") { id: ID! books: [Book] @shareable }
type Book @key(fields: "id") { id: ID! }
""",
    "b": """
type Query { shelf: Shelf @shareable @provides(fields: "books { title }") }
type Shelf @key(fields: "id") { id: ID! books: [Book] @shareable }
type Book @key(fields: "id") { id: ID! title: String @external }
""",
    "c": """
type Book @key(fields: "id") { id: ID! title: String @shareable year: Int }
""",
}


@cache
def supergraph() -> Supergraph:
    return compose_sdls({name: _LINK + sdl for name, sdl in SUBGRAPHS.items()})


def test_a_shareable_root_goes_where_its_provides_leaves_least_to_entity_fetches() -> None:
    planned = plan_operation(supergraph(), parse("{ shelf { books { title year } } }"), None)
    check_plan(planned, supergraph(), {name: subgraph_schema(_LINK + sdl) for name, sdl in SUBGRAPHS.items()})
    assert outline(planned.node) == "Seq[b, shelf.books.@:c]"


def test_without_the_provided_field_the_first_subgraph_stays_the_choice() -> None:
    planned = plan_operation(supergraph(), parse("{ shelf { books { year } } }"), None)
    assert outline(planned.node) == "Seq[a, shelf.books.@:c]"


# Two shareable root fields: the second would join the first's root fetch at "a", then wait for an
# entity fetch to "b"; a root fetch of its own at "b" costs as many fetches and waits for none.
TWO_ROOTS = {
    "a": """
type Query { pick(id: ID!): Item @shareable }
type Item @key(fields: "id") { id: ID! name: String }
""",
    "b": """
type Query { pick(id: ID!): Item @shareable }
type Item @key(fields: "id") { id: ID! price: Int }
""",
}


@cache
def two_roots() -> Supergraph:
    return compose_sdls({name: _LINK + sdl for name, sdl in TWO_ROOTS.items()})


def test_a_second_root_field_gets_its_own_root_fetch_rather_than_a_later_entity_fetch() -> None:
    query = '{ one: pick(id: "1") { name } two: pick(id: "2") { price } }'
    planned = plan_operation(two_roots(), parse(query), None)
    check_plan(planned, two_roots(), {name: subgraph_schema(_LINK + sdl) for name, sdl in TWO_ROOTS.items()})
    assert outline(planned.node) == "Par[a, b]"
