"""The cost estimate below unions and interfaces: each value is one object type, so a query that
branches on the members costs what its dearest member costs, not the sum of every branch."""

from __future__ import annotations

from graphql import build_schema, parse

from gateway.policy.limits import ListSizes, measure_document

SCHEMA = build_schema(
    """
    interface Named { name: String }
    type User implements Named { id: ID name: String similar: [Account!]! }
    type Admin implements Named { id: ID name: String similar: [Account!]! rights: [String!]! }
    union Account = User | Admin
    type Query { accounts: [Account!]! named: [Named!]! user: User }
    """
)
SIZES = ListSizes(default=20)


def cost(query: str) -> int:
    return measure_document(SCHEMA, parse(query), sizes=SIZES).cost


def test_member_branches_cost_the_dearest_member_not_their_sum() -> None:
    # Each account is a User or an Admin: 1 (accounts) + 20 × max(User 2, Admin 3).
    assert cost("{ accounts { ... on User { id name } ... on Admin { id name rights } } }") == 1 + 20 * 3
    # Nested branches multiply per level by the dearest member only: 1 + 20 × (1 + 1 + 20 × 1).
    members = "... on User { name } ... on Admin { name }"
    branch = f"name similar {{ {members} }}"
    nested = f"{{ accounts {{ ... on User {{ {branch} }} ... on Admin {{ {branch} }} }} }}"
    assert cost(nested) == 1 + 20 * (1 + 1 + 20 * 1)


def test_a_selection_for_every_member_still_adds_up() -> None:
    # __typename and the interface's own fields apply to every member and add to each member's branch.
    assert cost("{ named { __typename name ... on Admin { rights } } }") == 1 + 20 * (1 + 1 + 1)
    # A named fragment on the interface applies to both members; one on a member only to that member.
    query = """
    { named { ...everyone ...admin } }
    fragment everyone on Named { name }
    fragment admin on Admin { id rights }
    """
    assert cost(query) == 1 + 20 * (1 + 2)


def test_fields_and_aliases_still_count_every_branch() -> None:
    measured = measure_document(
        SCHEMA, parse("{ accounts { ... on User { a: id name } ... on Admin { b: id name } } }"), sizes=SIZES
    )
    assert (measured.fields, measured.aliases) == (5, 2)


def test_an_object_parent_is_summed_as_before() -> None:
    assert cost("{ user { id name similar { __typename } } }") == 1 + (1 + 1 + (1 + 20 * 1))
