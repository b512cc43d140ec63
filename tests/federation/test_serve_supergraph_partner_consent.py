"""Consent-scoped partner access over remote fields (issue 13, part 4): a remote field declared
``partner:<group>`` is in the partner's audience, and handed out for a subject only where the partner's
contract and that subject's current authorisation cover the group; elsewhere it reads null with the
``FORBIDDEN_FIELD`` error local fields give. Both ties of a remote object to a subject are exercised: the
exposures subgraph extends ``CreditSubject`` (by ``code``) and its ``Exposure`` names a ``subjectCode``.
Real Node subgraph, real HTTP through the ASGI app, SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.testing import GatewayHarness
from tests.federation.consent_harness import (
    BEIJING_JINGHUA,
    FUZHOU_MINDU,
    GROUPS,
    PURPOSE,
    Composed,
    composed,
    errors_at,
    post,
    serving,
)

EXPOSURES = "{ exposures { id bank amountYuan } }"
SCORE = f'{{ subject(code: "{FUZHOU_MINDU}") {{ name riskScore }} }}'


@pytest.fixture(scope="module")
async def setup() -> AsyncIterator[Composed]:
    async with composed() as done:
        yield done


@pytest.fixture
async def gw(setup: Composed, database_url: str | None, tmp_path: Path) -> AsyncIterator[GatewayHarness]:
    async with serving(setup, database_url, tmp_path) as harness:
        yield harness


async def test_the_partner_sees_a_remote_group_only_for_subjects_that_authorised_it(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=GROUPS)
    await gw.authorize(FUZHOU_MINDU, partner, groups=["exposures.amount"])
    body = await post(gw, EXPOSURES, partner, PURPOSE)
    # E1 is on FUZHOU_MINDU (authorised), E2 on BEIJING_JINGHUA (not), E3 on a code nobody holds: the
    # client did not select subjectCode, the gateway fetched it to decide.
    assert body["data"] == {
        "exposures": [
            {"id": "E1", "bank": "Bank of Fuzhou", "amountYuan": 300000},
            {"id": "E2", "bank": "Bank of Fuzhou", "amountYuan": None},
            {"id": "E3", "bank": "Bank of Fuzhou", "amountYuan": None},
        ]
    }
    assert errors_at(body) == {
        ("exposures", 1, "amountYuan"): "FORBIDDEN_FIELD",
        ("exposures", 2, "amountYuan"): "FORBIDDEN_FIELD",
    }
    assert {e["extensions"]["group"] for e in body["errors"]} == {"exposures.amount"}


async def test_contract_and_authorisation_both_bound_a_remote_field_of_credit_subject(gw: GatewayHarness) -> None:
    # Authorised for the amount only: the score (another group) stays closed though the contract has it.
    partner = await gw.create_key("partner", contract=GROUPS)
    await gw.authorize(FUZHOU_MINDU, partner, groups=["exposures.amount"])
    body = await post(gw, SCORE, partner, PURPOSE)
    assert body["data"] == {"subject": {"name": "福州闽都信用示范科技有限公司", "riskScore": None}}
    assert errors_at(body) == {("subject", "riskScore"): "FORBIDDEN_FIELD"}
    # Authorised for the score too: handed out.
    await gw.authorize(FUZHOU_MINDU, partner, groups=["exposures.score"], purpose="credit review")
    body = await post(gw, SCORE, partner, {"X-Purpose": "credit review"})
    assert body == {"data": {"subject": {"name": "福州闽都信用示范科技有限公司", "riskScore": 71}}}
    # A contract without the group: nothing the subject grants opens it.
    narrow = await gw.create_key("partner", contract=["exposures.amount"])
    await gw.authorize(FUZHOU_MINDU, narrow, groups=["exposures.amount"])
    body = await post(gw, SCORE, narrow, PURPOSE)
    assert errors_at(body) == {("subject", "riskScore"): "FORBIDDEN_FIELD"}


async def test_without_the_stated_purpose_nothing_consent_scoped_is_handed_out(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=GROUPS)
    await gw.authorize(FUZHOU_MINDU, partner, groups=GROUPS)
    body = await post(gw, EXPOSURES, partner)  # no X-Purpose
    assert [e["amountYuan"] for e in body["data"]["exposures"]] == [None, None, None]
    assert set(errors_at(body).values()) == {"FORBIDDEN_FIELD"}


async def test_subjects_departments_and_the_admin_follow_the_local_rules(gw: GatewayHarness) -> None:
    own = await gw.create_key("subject", subject=FUZHOU_MINDU)
    body = await post(gw, EXPOSURES, own)
    assert [e["amountYuan"] for e in body["data"]["exposures"]] == [300000, None, None]  # only about itself
    department = await gw.create_key("department", domain="tax")  # groups of the exposures subgraph are not its
    body = await post(gw, EXPOSURES, department)
    assert [e["amountYuan"] for e in body["data"]["exposures"]] == [None, None, None]
    admin = await gw.create_key("admin")
    body = await post(gw, f'{{ exposures {{ amountYuan }} subject(code: "{BEIJING_JINGHUA}") {{ riskScore }} }}', admin)
    assert body == {
        "data": {
            "exposures": [{"amountYuan": 300000}, {"amountYuan": 900000}, {"amountYuan": 10000}],
            "subject": {"riskScore": 64},
        }
    }


async def test_consent_scoped_fields_are_outside_the_public_and_portal_audiences(gw: GatewayHarness) -> None:
    public = await post(gw, EXPOSURES)
    assert errors_at(public) == {(): "GRAPHQL_VALIDATION_FAILED"}
    portal = await gw.create_key("portal")
    assert errors_at(await post(gw, SCORE, portal)) == {(): "GRAPHQL_VALIDATION_FAILED"}
    assert await post(gw, "{ exposures { id subjectCode } }") == {
        "data": {
            "exposures": [
                {"id": "E1", "subjectCode": FUZHOU_MINDU},
                {"id": "E2", "subjectCode": BEIJING_JINGHUA},
                {"id": "E3", "subjectCode": "91440305YMWXHD20C1"},
            ]
        }
    }


async def test_the_gateway_s_own_aliases_are_refused(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=GROUPS)
    body = await post(gw, "{ exposures { _cg_subjectCode: bank } }", partner, PURPOSE)
    assert errors_at(body) == {(): "BAD_REQUEST"}


async def test_aliases_fragments_and_variables_are_followed_to_the_field(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=GROUPS)
    await gw.authorize(BEIJING_JINGHUA, partner, groups=GROUPS)
    query = """query Held($code: String!) {
      held: exposures { ...Amount }
      subject(code: $code) { ... on CreditSubject { score: riskScore } }
    }
    fragment Amount on Exposure { who: subjectCode owed: amountYuan }"""
    response = await gw.client.post(
        "/graphql",
        json={"query": query, "variables": {"code": BEIJING_JINGHUA}},
        headers={"authorization": f"Bearer {partner}", **PURPOSE},
    )
    body = response.json()
    assert body["data"] == {
        "held": [
            {"who": FUZHOU_MINDU, "owed": None},
            {"who": BEIJING_JINGHUA, "owed": 900000},
            {"who": "91440305YMWXHD20C1", "owed": None},
        ],
        "subject": {"score": 64},
    }
    assert errors_at(body) == {("held", 0, "owed"): "FORBIDDEN_FIELD", ("held", 2, "owed"): "FORBIDDEN_FIELD"}


async def test_members_of_a_union_are_each_tied_to_their_subject(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", contract=GROUPS)
    await gw.authorize(BEIJING_JINGHUA, partner, groups=["exposures.amount"])
    query = "{ holdings { __typename ... on Exposure { id amountYuan } ... on Collateral { id valueYuan } } }"
    body = await post(gw, query, partner, PURPOSE)
    assert body["data"] == {
        "holdings": [
            {"__typename": "Exposure", "id": "E1", "amountYuan": None},
            {"__typename": "Exposure", "id": "E2", "amountYuan": 900000},
            {"__typename": "Exposure", "id": "E3", "amountYuan": None},
            {"__typename": "Collateral", "id": "C1", "valueYuan": 450000},
        ]
    }
    assert errors_at(body) == {
        ("holdings", 0, "amountYuan"): "FORBIDDEN_FIELD",
        ("holdings", 2, "amountYuan"): "FORBIDDEN_FIELD",
    }
