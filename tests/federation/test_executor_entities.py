"""The executor over the "keys" family's real subgraphs, with hand-built plans: representations are
deduplicated, references with a null key are not sent, an ``_entities`` error lands at the client's
path, and a failed entity fetch leaves nulls that bubble to the nearest nullable parent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import parse

from gateway.federation.executor.run import PlanRun
from gateway.federation.planner import plan_operation
from gateway.federation.query_plan import Fetch, Flatten, QueryPlan, Sequence
from gateway.kernel.limits import MAX_ERRORS_PER_FETCH, MAX_REPRESENTATIONS_PER_FETCH
from tests.federation.executor_harness import RunningFamily, entities_operation, running_family, selection
from tests.federation.matching import mismatches
from tests.federation.oracle import load_cases


@pytest.fixture(scope="module")
def keys() -> Iterator[RunningFamily]:
    with running_family("keys") as family:
        yield family


def _case(name: str) -> dict:
    return next(case for case in load_cases("keys") if case["name"] == name)


def _buyer_plan(fields: str) -> QueryPlan:
    return QueryPlan(
        "query",
        Sequence(
            (
                Fetch("orders", "{ orders { id total buyer { __typename email } } }", id=1),
                Flatten(
                    ("orders", "@", "buyer"),
                    Fetch(
                        "accounts",
                        entities_operation("User", fields),
                        requires=selection("... on User { __typename email }"),
                        id=2,
                    ),
                ),
            )
        ),
        frozenset({"orders", "accounts"}),
    )


async def test_equal_representations_are_sent_once_and_the_error_has_the_clients_path(keys: RunningFamily) -> None:
    case = _case("an error in an entity fetch has the client's path")
    transport = keys.transport()
    try:
        response = await keys.run(_buyer_plan("nickname"), case["query"], transport=transport)
    finally:
        await transport.aclose()
    assert not mismatches(case["expected"], response), response
    # The subgraph's own code is kept, its name added.
    assert response["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "serviceName": "accounts"}
    # o1 and o4 have the same buyer, o3 none: two representations for four orders.
    (_, _, variables) = transport.sent[1]
    assert variables["representations"] == [
        {"__typename": "User", "email": "ada@example.test"},
        {"__typename": "User", "email": "bob@example.test"},
    ]


async def test_a_reference_with_a_null_key_field_is_not_fetched(keys: RunningFamily) -> None:
    case = _case("composite key; a reference with a null key field is not fetched")
    plan = QueryPlan(
        "query",
        Sequence(
            (
                Fetch("reviews", "{ reviews { id sku { __typename upc region } } }", id=1),
                Flatten(
                    ("reviews", "@", "sku"),
                    Fetch(
                        "orders",
                        entities_operation("Sku", "title"),
                        requires=selection("... on Sku { __typename upc region }"),
                        id=2,
                    ),
                ),
            )
        ),
    )
    transport = keys.transport()
    try:
        response = await keys.run(plan, case["query"], transport=transport)
    finally:
        await transport.aclose()
    assert not mismatches(case["expected"], response), response
    assert [r["region"] for r in transport.sent[1][2]["representations"]] == ["EU", "US"]


async def test_a_failed_entity_fetch_nulls_a_nullable_field_in_place(keys: RunningFamily) -> None:
    transport = keys.transport()
    transport.inner.urls["accounts"] = "http://127.0.0.1:9/"  # the discard port: nothing listens
    try:
        response = await keys.run(_buyer_plan("nickname"), "{ orders { id buyer { nickname } } }", transport=transport)
    finally:
        await transport.aclose()
    assert response["data"]["orders"][0] == {"id": "o1", "buyer": {"nickname": None}}
    assert response["data"]["orders"][2] == {"id": "o3", "buyer": None}
    assert sorted(tuple(e["path"]) for e in response["errors"]) == [
        ("orders", 0, "buyer", "nickname"),
        ("orders", 1, "buyer", "nickname"),
        ("orders", 3, "buyer", "nickname"),
    ]
    assert {e["extensions"]["code"] for e in response["errors"]} == {"SUBGRAPH_UNAVAILABLE"}
    assert all("accounts" in e["message"] for e in response["errors"])


async def test_a_null_non_null_field_makes_its_nullable_parent_null(keys: RunningFamily) -> None:
    """name is String!: without it a buyer cannot be, so buyer (nullable) is null; one error each."""
    transport = keys.transport()
    transport.inner.urls["accounts"] = "http://127.0.0.1:9/"
    try:
        response = await keys.run(_buyer_plan("name"), "{ orders { id buyer { name } } }", transport=transport)
    finally:
        await transport.aclose()
    assert response["data"] == {
        "orders": [{"id": f"o{n}", "buyer": None} for n in (1, 2, 3, 4)],
    }
    assert sorted(tuple(e["path"]) for e in response["errors"]) == [
        ("orders", 0, "buyer", "name"),
        ("orders", 1, "buyer", "name"),
        ("orders", 3, "buyer", "name"),
    ]


@pytest.mark.parametrize(
    ("query", "asked", "paths"),
    [
        pytest.param(
            "{ posts: reviews { by: author { email: name orders { id } } } }",
            "{__typename id email__alias_0:name email__key:email}",
            [["posts", 0, "by", "email"], ["posts", 1, "by", "email"]],
            id="the client's field, not the next fetch's key",
        ),
        pytest.param(
            "{ posts: reviews { by: author { orders { id } } } }",
            "{__typename id email}",
            [["posts", 0, "by"], ["posts", 1, "by"]],
            id="no field of the client's: the objects",
        ),
    ],
)
async def test_a_failed_entity_fetch_errs_at_the_clients_paths_only(
    keys: RunningFamily, query: str, asked: str, paths: list[list[str | int]]
) -> None:
    """Planned: accounts gives a review's author the email orders resolves users by, which the planner
    asks under email__key when the client names another field email (the name here, asked as
    email__alias_0). With accounts unreachable, the errors are at the client's fields (name: String!,
    so each author is null), never at the planner's key; a fetch with no field of the client's leaves
    its error on the author, which then explains the null of orders (no second error there)."""
    plan = plan_operation(keys.supergraph, parse(query), None)
    assert asked in plan.fetches()[1].operation
    transport = keys.transport()
    transport.inner.urls["accounts"] = "http://127.0.0.1:9/"
    try:
        response = await keys.run(plan, query, transport=transport)
    finally:
        await transport.aclose()
    message = response["errors"][0]["message"]
    assert message.startswith("subgraph 'accounts' is unreachable")
    extensions = {"code": "SUBGRAPH_UNAVAILABLE", "serviceName": "accounts"}
    assert response == {
        "data": {"posts": [{"by": None}, {"by": None}, {"by": None}]},
        "errors": [{"message": message, "path": path, "extensions": extensions} for path in paths],
    }


async def test_a_null_bubbles_through_non_null_lists_to_data(keys: RunningFamily) -> None:
    """branches: [Branch!]! and orderCount: Int!: a failed orderCount leaves no place for a null but data."""
    plan = QueryPlan(
        "query",
        Sequence(
            (
                Fetch("accounts", "{ branches { __typename bank { code } number city } }", id=1),
                Flatten(
                    ("branches", "@"),
                    Fetch(
                        "orders",
                        entities_operation("Branch", "orderCount"),
                        requires=selection("... on Branch { __typename bank { code } number }"),
                        id=2,
                    ),
                ),
            )
        ),
    )
    case = _case("nested key from the owner")
    assert not mismatches(case["expected"], await keys.run(plan, case["query"]))
    transport = keys.transport()
    transport.inner.urls["orders"] = "http://127.0.0.1:9/"
    try:
        response = await keys.run(plan, case["query"], transport=transport)
    finally:
        await transport.aclose()
    assert response["data"] is None
    assert [e["path"] for e in response["errors"]] == [["branches", 0, "orderCount"], ["branches", 1, "orderCount"]]


async def test_a_missing_user_is_null_beside_a_found_one(keys: RunningFamily) -> None:
    case = _case("user with no orders, and a missing user")
    plan = QueryPlan(
        "query",
        Sequence(
            (
                Fetch(
                    "accounts",
                    "query($a:ID!,$b:ID!){a:user(id:$a){__typename email name} b:user(id:$b){__typename email name}}",
                    variable_usages=("a", "b"),
                    id=1,
                ),
                Flatten(
                    ("a",),
                    Fetch(
                        "orders",
                        entities_operation("User", "orders{id}"),
                        requires=selection("... on User { __typename email }"),
                        id=2,
                    ),
                ),
                Flatten(
                    ("b",),
                    Fetch(
                        "orders",
                        entities_operation("User", "orders{id}"),
                        requires=selection("... on User { __typename email }"),
                        id=3,
                    ),
                ),
            )
        ),
    )
    response = await keys.run(plan, case["query"], case["variables"])
    assert not mismatches(case["expected"], response), response


async def test_more_representations_than_the_cap_is_an_error_and_nothing_is_sent(keys: RunningFamily) -> None:
    many = MAX_REPRESENTATIONS_PER_FETCH + 1
    transport = keys.transport()
    run = PlanRun(keys.supergraph, {}, transport)
    run.data["orders"] = [{"__typename": "Order", "id": f"o{n}"} for n in range(many)]
    fetch = Fetch("orders", entities_operation("Order", "total"), requires=selection("... on Order { __typename id }"))
    try:
        await run.run(Flatten(("orders", "@"), fetch))
    finally:
        await transport.aclose()
    assert transport.sent == []
    [error] = run.errors
    assert error["path"] == ["orders"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "serviceName": "orders"}
    assert str(MAX_REPRESENTATIONS_PER_FETCH) in error["message"]


async def test_the_errors_of_one_fetch_are_capped(keys: RunningFamily) -> None:
    transport = keys.transport()
    transport.inner.urls["orders"] = "http://127.0.0.1:9/"
    run = PlanRun(keys.supergraph, {}, transport)
    run.data["orders"] = [{"__typename": "Order", "id": f"o{n}"} for n in range(MAX_ERRORS_PER_FETCH + 500)]
    fetch = Fetch("orders", entities_operation("Order", "total"), requires=selection("... on Order { __typename id }"))
    try:
        await run.run(Flatten(("orders", "@"), fetch))
    finally:
        await transport.aclose()
    assert len(run.errors) == MAX_ERRORS_PER_FETCH + 1
    assert run.errors[-1]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert {e["extensions"]["code"] for e in run.errors[:-1]} == {"SUBGRAPH_UNAVAILABLE"}
