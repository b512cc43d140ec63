"""An interface with no implementation in the subgraph that returns it: its fields are planned on the
interface itself, and a field that no key reaches (only an interface object's, behind a key with
``resolvable: false``) is refused at planning, not sent as an empty selection whose answer is then
an error of the subgraph. Found by the public federation-gateway audit
(non-resolvable-interface-object); here on a supergraph of this file's own, composed once."""

from __future__ import annotations

from functools import cache

import pytest
from graphql import parse

from gateway.federation.model import Supergraph
from gateway.federation.planner import PlanningError, plan_operation
from tests.federation.planner_checks import check_plan, fetches
from tests.federation.planner_supergraphs import compose_sdls, subgraph_schema

_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@interfaceObject"])\n'

SUBGRAPHS = {
    "a": """
type Query { node: Node }
interface Node @key(fields: "id") { id: ID! }
""",
    "b": """
type Query { other: Node }
type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! label: String }
""",
}


@cache
def supergraph() -> Supergraph:
    return compose_sdls({name: _LINK + sdl for name, sdl in SUBGRAPHS.items()})


def test_a_field_of_the_interface_the_subgraph_resolves_is_asked_on_the_interface() -> None:
    planned = plan_operation(supergraph(), parse("{ node { id } }"), None)
    check_plan(planned, supergraph(), {name: subgraph_schema(_LINK + sdl) for name, sdl in SUBGRAPHS.items()})
    [fetch] = fetches(planned)
    assert fetch.subgraph == "a"
    assert "id" in fetch.operation


def test_a_field_no_key_reaches_is_refused() -> None:
    with pytest.raises(PlanningError, match=r"Node\.label"):
        plan_operation(supergraph(), parse("{ node { label } }"), None)
