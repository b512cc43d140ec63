"""What the reference gateway (Hive Gateway 2.15.1) does with subgraphs that answer badly: documents
the oracle for the bad-input tests of credit-gateway's own gateway. The fault subgraphs are raw HTTP
servers (tests/federation/faults/subgraphs.mjs) started and composed by the same harness as the
families; each is reached at a URL whose path names its fault.

These tests assert Hive's behaviour as observed, not what a gateway should do: where it is
questionable (a silently missing or misplaced entity, no upstream timeout) the docstring says so.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator

import pytest

from tests.federation.oracle import FamilyOracle, node_missing_reason, post_graphql

FAULTS = ["html", "status500", "malformed", "hang", "entities_fewer", "entities_reversed"]
MASKED = {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


@pytest.fixture(scope="module")
def oracle() -> Iterator[FamilyOracle]:
    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)
    with FamilyOracle.start("faults", url_suffix={fault: fault for fault in FAULTS}) as started:
        yield started


def _masked_error_at(response: dict, field: str) -> None:
    # Hive logs the cause (code RESPONSE_VALIDATION_FAILED, "Unexpected response: ...", the
    # subgraph's status and body) and answers the client a masked error on the field, which is null.
    assert response["data"] == {field: None}
    assert [{key: error.get(key) for key in ("message", "path", "extensions")} for error in response["errors"]] == [
        {**MASKED, "path": [field]}
    ]


def test_an_html_page_is_a_masked_error_on_the_field(oracle: FamilyOracle) -> None:
    _masked_error_at(oracle.send("{ htmlAnswer }"), "htmlAnswer")


def test_a_500_is_a_masked_error_on_the_field(oracle: FamilyOracle) -> None:
    _masked_error_at(oracle.send("{ status500Answer }"), "status500Answer")


def test_malformed_json_is_a_masked_error_on_the_field(oracle: FamilyOracle) -> None:
    _masked_error_at(oracle.send("{ malformedAnswer }"), "malformedAnswer")


def test_the_other_subgraphs_still_answer_beside_a_failing_one(oracle: FamilyOracle) -> None:
    response = oracle.send("{ loans { id amount } htmlAnswer }")
    assert response["data"] == {
        "loans": [{"id": "l1", "amount": 100}, {"id": "l2", "amount": 200}, {"id": "l3", "amount": 300}],
        "htmlAnswer": None,
    }
    assert [error["path"] for error in response["errors"]] == [["htmlAnswer"]]


def test_a_hanging_subgraph_holds_the_request(oracle: FamilyOracle) -> None:
    """Hive's CLI has no upstream timeout by default: the client gives up first (here after 3 s)."""
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        post_graphql(oracle.gateway_url, "{ loans { id } hangAnswer }", timeout=3)
    # The gateway still serves other requests meanwhile.
    assert oracle.send("{ loans { id } }")["data"]["loans"][0] == {"id": "l1"}


def test_too_few_entities_leave_the_last_ones_null_without_an_error(oracle: FamilyOracle) -> None:
    """Questionable: a subgraph answering 2 entities for 3 representations goes unnoticed."""
    response = oracle.send("{ loans { id fewerNote } }")
    assert response == {
        "data": {
            "loans": [
                {"id": "l1", "fewerNote": "note l1"},
                {"id": "l2", "fewerNote": "note l2"},
                {"id": "l3", "fewerNote": None},
            ]
        }
    }


def test_entities_out_of_order_are_merged_by_position(oracle: FamilyOracle) -> None:
    """Questionable: entities are matched to representations by position only. Hive asks no key back
    (the subgraph answers only what it is asked), so it cannot tell: the first loan silently shows the
    note of the third, and the third the note of the first, without an error."""
    response = oracle.send("{ loans { id reversedNote } }")
    assert response == {
        "data": {
            "loans": [
                {"id": "l1", "reversedNote": "note l3"},
                {"id": "l2", "reversedNote": "note l2"},
                {"id": "l3", "reversedNote": "note l1"},
            ]
        }
    }


ALIASED = "{ mine: maybeLoans { key: id id: fewerCode note: fewerNote } }"


def test_too_few_entities_show_the_key_under_the_clients_alias(oracle: FamilyOracle) -> None:
    """Questionable: the client names fewerCode ``id`` (String!); Hive keeps the key it fetched for the
    representation under the same response key, so the third loan, left without an entity, shows its
    id as its code, without an error (credit-gateway: test_executor_faults.py, every loan null)."""
    assert oracle.send(ALIASED) == {
        "data": {
            "mine": [
                {"key": "l1", "id": "code l1", "note": "note l1"},
                {"key": "l2", "id": "code l2", "note": "note l2"},
                {"key": "l3", "id": "l3", "note": None},
            ]
        }
    }


@pytest.fixture(scope="module")
def oracle_failing_entities() -> Iterator[FamilyOracle]:
    """The faults, with entities_fewer's fetches answered by the status500 server."""
    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)
    suffix = {fault: fault for fault in FAULTS} | {"entities_fewer": "status500"}
    with FamilyOracle.start("faults", url_suffix=suffix) as started:
        yield started


def test_a_failed_entity_fetch_errs_at_the_clients_keys_without_the_list_index(
    oracle_failing_entities: FamilyOracle,
) -> None:
    """Hive puts a failed entity fetch's error at the client's keys (mine.id, not its own aliases),
    but without the list index: three errors at the same path, one per loan, on the non-null field
    only (its null makes the loan null). credit-gateway: mine.N.id and mine.N.note, one each
    (test_executor_faults.py)."""
    response = oracle_failing_entities.send(ALIASED)
    assert response["data"] == {"mine": [None, None, None]}
    assert [{key: error.get(key) for key in ("message", "path", "extensions")} for error in response["errors"]] == [
        {**MASKED, "path": ["mine", "id"]}
    ] * 3
