"""Fetches of one Parallel node bound for one subgraph go as one request (the "keys" family's real
subgraphs): the subgraph receives one request per wave, the response is the one the fetches give when
sent one by one (errors at the same client paths), and a merged request that fails fails only the
paths of the fetches it carried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.federation.executor import HttpTransport
from gateway.federation.executor.wave import merge
from gateway.federation.query_plan import Fetch, Flatten, Parallel, PlanNode, QueryPlan, Sequence
from tests.federation.executor_harness import (
    RecordingTransport,
    RunningFamily,
    entities_operation,
    running_family,
    selection,
)

QUERY = "{ orders { id total buyer { name nickname } branch { city } sku { title } } }"
ROOT_QUERY = "query($id: ID!) { user(id: $id) { name } branches { number city } }"


@pytest.fixture(scope="module")
def keys() -> Iterator[RunningFamily]:
    with running_family("keys") as family:
        yield family


def _orders_plan(wave: type[Parallel] | type[Sequence]) -> QueryPlan:
    """Orders, then buyers and branches from accounts: in one wave (Parallel) or one after the other."""
    buyers = Flatten(
        ("orders", "@", "buyer"),
        Fetch(
            "accounts",
            entities_operation("User", "name nickname"),
            requires=selection("... on User { __typename email }"),
            id=2,
        ),
    )
    branches = Flatten(
        ("orders", "@", "branch"),
        Fetch(
            "accounts",
            entities_operation("Branch", "city"),
            requires=selection("... on Branch { __typename bank { code } number }"),
            id=3,
        ),
    )
    root = Fetch(
        "orders",
        "{ orders { id total buyer { __typename email } branch { __typename bank { code } number } sku { title } } }",
        id=1,
    )
    return QueryPlan("query", Sequence((root, wave((buyers, branches)))), frozenset({"orders", "accounts"}))


def _root_plan(wave: type[Parallel] | type[Sequence]) -> QueryPlan:
    user: PlanNode = Fetch("accounts", "query($id:ID!){user(id:$id){name}}", variable_usages=("id",), id=1)
    branches: PlanNode = Fetch("accounts", "{branches{number city}}", id=2)
    return QueryPlan("query", wave((user, branches)), frozenset({"accounts"}))


async def _run(family: RunningFamily, plan: QueryPlan, query: str, transport: RecordingTransport, **kw: Any) -> dict:
    try:
        return await family.run(plan, query, transport=transport, **kw)
    finally:
        await transport.aclose()


def _sorted_errors(response: dict[str, Any]) -> list[str]:
    return sorted(repr(error) for error in response.get("errors", []))


async def test_two_entity_fetches_to_one_subgraph_in_a_wave_are_one_request(keys: RunningFamily) -> None:
    batched_transport, alone_transport = keys.transport(), keys.transport()
    batched = await _run(keys, _orders_plan(Parallel), QUERY, batched_transport)
    alone = await _run(keys, _orders_plan(Sequence), QUERY, alone_transport)

    assert [subgraph for subgraph, _, _ in batched_transport.sent] == ["orders", "accounts"]
    assert [subgraph for subgraph, _, _ in alone_transport.sent] == ["orders", "accounts", "accounts"]
    _, operation, variables = batched_transport.sent[1]
    assert "_e0:_entities(representations:$_r0)" in operation.replace(" ", "")
    assert "_e1:_entities(representations:$_r1)" in operation.replace(" ", "")
    # Each part keeps its own deduplicated representations (o1 and o4 share a buyer, o3 has none).
    assert variables["_r0"] == [
        {"__typename": "User", "email": "ada@example.test"},
        {"__typename": "User", "email": "bob@example.test"},
    ]
    assert len(variables["_r1"]) == 2

    assert batched["data"] == alone["data"]
    assert batched["data"]["orders"][1] == {
        "id": "o2",
        "total": 20,
        "buyer": {"name": "Bob", "nickname": None},
        "branch": {"city": "Nice"},
        "sku": {"title": "Desk"},
    }
    # Bob's nickname error, raised at ["_e0", 1, "nickname"] of the merged request, lands at the client's path.
    assert _sorted_errors(batched) == _sorted_errors(alone)
    assert [error["path"] for error in batched["errors"]] == [["orders", 1, "buyer", "nickname"]]
    assert batched["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "serviceName": "accounts"}


async def test_two_root_fetches_to_one_subgraph_are_one_request_with_their_variables_apart(
    keys: RunningFamily,
) -> None:
    batched_transport, alone_transport = keys.transport(), keys.transport()
    batched = await _run(keys, _root_plan(Parallel), ROOT_QUERY, batched_transport, variables={"id": "u3"})
    alone = await _run(keys, _root_plan(Sequence), ROOT_QUERY, alone_transport, variables={"id": "u3"})

    assert len(batched_transport.sent) == 1 and len(alone_transport.sent) == 2
    _, operation, variables = batched_transport.sent[0]
    assert variables == {"_v0_id": "u3"}
    assert "_f0_user:user(id:$_v0_id)" in operation.replace(" ", "")
    assert (
        batched
        == alone
        == {
            "data": {
                "user": {"name": "Cy"},
                "branches": [{"number": "001", "city": "Lyon"}, {"number": "001", "city": "Nice"}],
            }
        }
    )


async def test_a_failed_merged_request_fails_both_fetches_paths_and_nothing_else(keys: RunningFamily) -> None:
    # accounts refuses connections; orders answers.
    urls = {**keys.urls, "accounts": "http://127.0.0.1:9/graphql"}
    transport = RecordingTransport(HttpTransport(urls, retries=0))
    response = await _run(keys, _orders_plan(Parallel), QUERY, transport)

    assert [subgraph for subgraph, _, _ in transport.sent] == ["orders", "accounts"]
    for order in response["data"]["orders"]:
        assert order["id"] and order["total"]  # the orders subgraph's fields stand
        assert order["buyer"] in (None, {"name": None, "nickname": None})
        assert order["branch"] in (None, {"city": None})
    assert [order["sku"] for order in response["data"]["orders"]] == [
        {"title": "Lamp"},
        {"title": "Desk"},
        None,
        {"title": "Lamp US"},
    ]
    paths = sorted(tuple(error["path"]) for error in response["errors"])
    buyer_paths = [("orders", i, "buyer", f) for i in (0, 1, 3) for f in ("name", "nickname")]
    branch_paths = [("orders", i, "branch", "city") for i in (0, 1, 3)]
    assert paths == sorted(buyer_paths + branch_paths)
    assert {error["extensions"]["code"] for error in response["errors"]} == {"SUBGRAPH_UNAVAILABLE"}
    assert {error["extensions"]["serviceName"] for error in response["errors"]} == {"accounts"}


async def test_mutations_in_one_wave_are_never_merged() -> None:
    # A planner never puts mutations in a Parallel node; if one did, each would still go alone.
    def append(alias: str, entry: str, fetch_id: int) -> Fetch:
        operation = f'mutation($log:String!){{{alias}:append(log:$log,entry:"{entry}")}}'
        return Fetch("ledger", operation, "mutation", ("log",), id=fetch_id)

    plan = QueryPlan("mutation", Parallel((append("a", "x", 1), append("b", "y", 2))), frozenset({"ledger"}))
    query = 'mutation($log: String!) { a: append(log: $log, entry: "x") b: append(log: $log, entry: "y") }'
    with running_family("mutations") as family:
        transport = family.transport()
        response = await _run(family, plan, query, transport, variables={"log": "wave"})
    assert [(subgraph, variables) for subgraph, _, variables in transport.sent] == [
        ("ledger", {"log": "wave"}),
        ("ledger", {"log": "wave"}),
    ]
    assert "errors" not in response
    assert sorted(len(entries) for entries in response["data"].values()) == [1, 2]


def test_a_merged_answer_is_split_per_fetch_with_the_fetches_own_keys_and_paths() -> None:
    entity = (
        "query($representations:[_Any!]!,$first:Int)"
        "{_entities(representations:$representations){...on A{x(first:$first)}}}"
    )
    merged = merge(((entity, True), ("query($first:Int){a:list(first:$first){...F}} fragment F on B{y}", False)))
    assert merged is not None
    assert merged.variables([{"representations": [1], "first": 2}, {"first": 3}]) == {
        "_r0": [1],
        "_v0_first": 2,
        "_v1_first": 3,
    }
    assert "_F1_F" in merged.text and "$_v1_first" in merged.text
    answer = {
        "data": {"_e0": [{"x": 1}], "_f1_a": [{"y": 2}]},
        "errors": [
            {"message": "at the entity", "path": ["_e0", 0, "x"]},
            {"message": "at the list", "path": ["_f1_a", 0]},
            {"message": "the whole request"},
        ],
    }
    entities, root = merged.split(answer)
    assert entities == {
        "data": {"_entities": [{"x": 1}]},
        "errors": [{"message": "at the entity", "path": ["_entities", 0, "x"]}, {"message": "the whole request"}],
    }
    assert root == {
        "data": {"a": [{"y": 2}]},
        "errors": [{"message": "at the list", "path": ["a", 0]}, {"message": "the whole request"}],
    }
    # A fragment at the root of a part cannot be told apart in the answer: not merged.
    assert merge((("{...on Query{a}}", False), ("{b}", False))) is None
