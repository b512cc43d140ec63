"""The executor's check that an ``_entities`` answer is the entity its representation names
(:func:`gateway.federation.executor.representations.foreign_entity`): the key the plan asked back is read
from the answer under its response keys and compared with the representation's values. End to end, over
a real subgraph answering in the wrong order, in test_executor_faults.py; here the cases one by one."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import SelectionSetNode, build_schema

from gateway.federation.executor.representations import asked_back, foreign_entity
from tests.federation.executor_harness import selection

SCHEMA = build_schema(
    """
    type Query { accounts: [Account] }
    interface Account { id: ID! }
    type User implements Account { id: ID! email: String! name: String bank: Bank tags: [String!] active: Boolean }
    type Bank { code: String! name: String }
    """
)
DIFFERS = "whose key is not its representation's"
MISSING = "without the key fields it was asked for"
UNMATCHED = "of a type no key was asked back for"


@pytest.mark.parametrize(
    ("keys", "representation", "entity", "problem"),
    [
        pytest.param("__typename id", {"id": "u1"}, {"id": "u1", "name": "Ada"}, None, id="the same key"),
        pytest.param("__typename id", {"id": "u1"}, {"id": "u2", "name": "Bob"}, DIFFERS, id="another key"),
        pytest.param("__typename id", {"id": "u1"}, {"id": None}, DIFFERS, id="a null key"),
        pytest.param("__typename id", {"id": "u1"}, {"name": "Ada"}, MISSING, id="no key"),
        pytest.param("id", {"id": "1"}, {"id": 1}, DIFFERS, id="a number for a string"),
        pytest.param("active", {"active": True}, {"active": 1}, DIFFERS, id="1 is not true"),
        pytest.param("id email", {"id": "u1", "email": "a@x"}, {"id": "u1", "email": "b@x"}, DIFFERS, id="composite"),
        pytest.param(
            "bank { code } id",
            {"bank": {"code": "B1"}, "id": "u1"},
            {"bank": {"code": "B2"}, "id": "u1"},
            DIFFERS,
            id="nested, differing inside",
        ),
        pytest.param("bank { code }", {"bank": {"code": "B1"}}, {"bank": {}}, MISSING, id="nested, missing inside"),
        pytest.param("bank { code }", {"bank": {"code": "B1"}}, {"bank": "B1"}, MISSING, id="a scalar for an object"),
        pytest.param("tags", {"tags": ["a", "b"]}, {"tags": ["a", "b"]}, None, id="a list key"),
        pytest.param("tags", {"tags": ["a", "b"]}, {"tags": ["b", "a"]}, DIFFERS, id="a list key in another order"),
        pytest.param("tags", {"tags": ["a", "b"]}, {"tags": ["a"]}, DIFFERS, id="a shorter list key"),
        # The representation carries a @requires field too: not asked back, not compared.
        pytest.param("id", {"id": "u1", "name": "Ada"}, {"id": "u1"}, None, id="required fields are not compared"),
        # A type entered by two keys is asked back with both; each representation carries one of them.
        pytest.param("id email", {"email": "a@x"}, {"id": "u9", "email": "a@x"}, None, id="the other key is not sent"),
        # The client's "id" is another field (renamed after the check): the key answers under its alias.
        pytest.param("id__key: id", {"id": "u1"}, {"id__key": "u1", "id": "Ada"}, None, id="an aliased key"),
        pytest.param("id__key: id", {"id": "u1"}, {"id__key": "u2", "id": "Ada"}, DIFFERS, id="an aliased key differs"),
    ],
)
def test_an_entity_is_checked_against_its_representation_by_the_key_asked_back(
    keys: str, representation: dict[str, Any], entity: dict[str, Any], problem: str | None
) -> None:
    found = foreign_entity(
        {"__typename": "User", **entity},
        {"__typename": "User", **representation},
        selection(f"... on User {{ {keys} }}"),
        SCHEMA,
    )
    assert found == problem


def test_a_missing_typename_asked_back_is_refused() -> None:
    keys = selection("... on User { __typename id }")
    assert foreign_entity({"id": "u1"}, {"__typename": "User", "id": "u1"}, keys, SCHEMA) == MISSING


def test_a_representation_sent_as_an_interface_is_checked_by_the_interface_s_keys() -> None:
    # Into an @interfaceObject the representation names the interface; the answer may name a type of it.
    keys = selection("... on Account { __typename id }")
    representation = {"__typename": "Account", "id": "u1"}
    assert foreign_entity({"__typename": "User", "id": "u1"}, representation, keys, SCHEMA) is None
    assert foreign_entity({"__typename": "Account", "id": "u2"}, representation, keys, SCHEMA) == DIFFERS


def test_a_plan_asking_nothing_back_is_not_checked() -> None:
    # A fetch to the in-process subgraph: the planner asks it nothing back (test_planner_directives.py).
    assert foreign_entity({"__typename": "User", "id": "u2"}, {"__typename": "User", "id": "u1"}, None, SCHEMA) is None


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param("... on Bank { __typename code }", id="keys of another type only"),
        pytest.param("... on Bank { ... on User { id } }", id="a fragment on the type inside another type's"),
    ],
)
def test_keys_asked_back_but_none_for_the_representation_s_type_are_a_refusal(keys: str) -> None:
    # Nothing would be compared: the entity would be accepted unchecked, whatever its key.
    representation = {"__typename": "User", "id": "u1"}
    assert foreign_entity({"__typename": "User", "id": "u2"}, representation, selection(keys), SCHEMA) == UNMATCHED
    assert foreign_entity({"__typename": "User", "id": "u1"}, representation, selection(keys), SCHEMA) == UNMATCHED


def test_an_empty_selection_asked_back_is_a_refusal() -> None:
    # Asking back is not the same as asking nothing back (None): an empty one checks nothing.
    keys = SelectionSetNode(selections=())
    assert (
        foreign_entity({"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u1"}, keys, SCHEMA)
        == UNMATCHED
    )


def test_the_keys_asked_back_are_not_among_the_fields_a_failed_fetch_leaves_unfilled() -> None:
    keys = selection("... on User { __typename id__key: id bank { code } } ... on Bank { __typename code }")
    assert asked_back(keys, "User", SCHEMA) == {"__typename", "id__key", "bank"}
    assert asked_back(keys, "Account", SCHEMA) == frozenset()
    assert asked_back(None, "User", SCHEMA) == frozenset()
