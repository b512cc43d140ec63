"""Credit service agencies as an audience: a subject authorises an agency with the partners' mutation, the
agency then reads that subject's public credit supervision information through partner access (refused
without a current authorisation), and every read, or refusal, is in the subject's query record."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.auth.identity import ClaimsPrincipalResolver
from gateway.auth.keys import authenticate
from gateway.auth.principal import Role
from gateway.cli.clients import create_client_checked
from gateway.db.tables import subject
from gateway.features.partners.access import is_authorized
from gateway.features.partners.store import set_contract
from gateway.host.demo import seed
from gateway.kernel.errors import GatewayError
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"  # the demo's subject with records in every domain
PERSON = "110102199101010078"
PURPOSE = "credit report"
HEADERS = {"X-Purpose": PURPOSE}
PROFILE = "query($c: String!) { subject(code: $c) { name records { __typename documentNumber } } }"
GRANT = """mutation($i: GrantAuthorizationInput!) { grantAuthorization(input: $i) {
  id partnerName fieldGroups purpose isCurrent } }"""
QUERY_RECORDS = "{ me { queryRecords { edges { node { clientName role purpose outcome denialReason } } } } }"


@pytest.fixture
async def demo(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    return gw


def _grant_input(agency_id: int, today: dt.date, **overrides: Any) -> dict[str, Any]:
    until = (today + dt.timedelta(days=90)).isoformat()
    return {"partnerId": str(agency_id), "fieldGroups": [], "purpose": PURPOSE, "validUntil": until, **overrides}


async def _query_records(gw: GatewayHarness, subject_key: str) -> list[dict[str, Any]]:
    body = await gw.graphql(QUERY_RECORDS, key=subject_key)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["me"]["queryRecords"]["edges"]]


async def test_a_subject_authorises_an_agency_and_the_agency_reads_it(demo: GatewayHarness) -> None:
    agency = await demo.create_key("agency", name="福建信用评估有限公司")
    me = await demo.create_key("subject", subject=SHOWCASE)
    partners = await demo.graphql("{ partners { id name kind contractGroups } }", key=me)
    listed = {p["name"]: p for p in partners["data"]["partners"]}
    assert listed["福建信用评估有限公司"]["kind"] == "agency" and listed["福建信用评估有限公司"]["contractGroups"] == []

    refused = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=agency, headers=HEADERS)
    assert refused["data"]["subject"] is None
    assert error_codes(refused) == ["AUTHORIZATION_REQUIRED"]
    assert refused["errors"][0]["extensions"]["reason"] == "NOT_GRANTED"

    granted = await demo.graphql(GRANT, {"i": _grant_input(await demo.client_id(agency), demo.clock.today())}, key=me)
    assert "errors" not in granted, granted
    assert granted["data"]["grantAuthorization"]["partnerName"] == "福建信用评估有限公司"
    assert granted["data"]["grantAuthorization"]["isCurrent"] is True

    body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=agency, headers=HEADERS)
    assert "errors" not in body, body
    public = await demo.graphql(PROFILE, {"c": SHOWCASE})
    assert body["data"]["subject"] == public["data"]["subject"]  # the public credit supervision information
    assert body["data"]["subject"]["records"]

    # Without the purpose the authorisation was given for, nothing.
    other = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=agency, headers={"X-Purpose": "marketing"})
    assert other["errors"][0]["extensions"]["reason"] == "PURPOSE_MISMATCH"

    records = await _query_records(demo, me)
    assert {"clientName": "福建信用评估有限公司", "role": "agency", "purpose": PURPOSE, "outcome": "VIEWED",
            "denialReason": None} in records  # fmt: skip
    denied = [r for r in records if r["role"] == "agency" and r["outcome"] == "DENIED"]
    assert sorted(r["denialReason"] for r in denied) == ["NOT_GRANTED", "PURPOSE_MISMATCH"]

    mine = await demo.graphql("{ authorizations { edges { node { subjectCode purpose } } } }", key=agency)
    assert [e["node"] for e in mine["data"]["authorizations"]["edges"]] == [
        {"subjectCode": SHOWCASE, "purpose": PURPOSE}
    ]


async def test_an_agency_is_authorised_without_field_groups(demo: GatewayHarness) -> None:
    agency = await demo.create_key("agency")
    me = await demo.create_key("subject", subject=SHOWCASE)
    grant = _grant_input(await demo.client_id(agency), demo.clock.today(), fieldGroups=["tax.rating"])
    body = await demo.graphql(GRANT, {"i": grant}, key=me)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "fieldGroups"
    # A contract is a partner's alone: `clients contract` does not take an agency.
    with pytest.raises(GatewayError) as refused:
        await set_contract(demo.engine, await demo.client_id(agency), ["tax.rating"], ["tax.rating"])
    assert refused.value.code == "NOT_FOUND"


async def test_an_expired_authorisation_refuses_the_agency(demo: GatewayHarness) -> None:
    agency = await demo.create_key("agency")
    today = demo.clock.today()
    await demo.authorize(SHOWCASE, agency, groups=[], purpose=PURPOSE, valid_until=today + dt.timedelta(days=30))
    assert "errors" not in await demo.graphql(PROFILE, {"c": SHOWCASE}, key=agency, headers=HEADERS)
    demo.clock.travel_to(today + dt.timedelta(days=31))
    body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=agency, headers=HEADERS)
    assert body["data"]["subject"] is None
    assert [e["extensions"]["reason"] for e in body["errors"]] == ["EXPIRED"]


async def test_an_agency_finds_by_name_only_who_authorised_it_a_person_included(demo: GatewayHarness) -> None:
    agency = await demo.create_key("agency")
    search = "query($n: String!) { searchSubjects(name: $n) { edges { node { code kind } } } }"
    assert (await demo.graphql(search, {"n": "李明"}, key=agency, headers=HEADERS))["data"]["searchSubjects"][
        "edges"
    ] == []
    await demo.authorize(PERSON, agency, groups=[], purpose=PURPOSE)
    body = await demo.graphql(search, {"n": "李明"}, key=agency, headers=HEADERS)
    assert [e["node"]["kind"] for e in body["data"]["searchSubjects"]["edges"]] == ["NATURAL_PERSON"]
    assert (await demo.graphql(PROFILE, {"c": PERSON}))["data"]["subject"] is None  # the public: never a person


@pytest.mark.parametrize(
    "query",
    [
        "{ me { queryRecords { edges { node { role } } } } }",  # the subject's own
        '{ subject(code: "91350100M000100Y43") { supervisionGrade { grade } } }',  # subject and departments
        '{ subject(code: "91350100M000100Y43") { tax { ratings { score } } } }',  # a partner-grantable group
        "{ partners { id } }",  # subjects choose whom to authorise
        "mutation { submitTaxCreditRatings(ratings: []) { created } }",  # a domain's writes
    ],
)
async def test_an_agency_has_no_private_fields(gw: GatewayHarness, query: str) -> None:
    body = await gw.graphql(query, key=await gw.create_key("agency"), headers=HEADERS)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    # The same operation is valid in the whole graph: the agency's audience lacks it, no typo does.
    admin = await gw.graphql(query, key=await gw.create_key("admin"))
    assert "GRAPHQL_VALIDATION_FAILED" not in error_codes(admin)


async def test_clients_create_takes_the_agency_role(gw: GatewayHarness) -> None:
    info, key = await create_client_checked(gw.settings, role="agency", name="信用评估公司")
    assert info.role is Role.AGENCY and key
    with pytest.raises(ValueError, match="only for a department"):
        await create_client_checked(gw.settings, role="agency", name="x", domain="tax")


async def test_a_token_may_name_the_agency_role(gw: GatewayHarness) -> None:
    resolver = ClaimsPrincipalResolver(settings=gw.settings, domains=["tax"])
    principal = await resolver.resolve({"role": "agency", "sub": "agency-7", "name": "信用评估公司"})
    assert principal.role is Role.AGENCY and principal.client_id is None  # it names no client: nothing authorised


async def test_is_authorized_answers_for_the_requests_agency(demo: GatewayHarness) -> None:
    """The one-subject question other features (an extract) ask: a current grant for the request's purpose."""
    agency = await demo.create_key("agency")
    await demo.authorize(SHOWCASE, agency, groups=[], purpose=PURPOSE)
    principal = await authenticate(demo.engine, agency)

    def context(purpose: str) -> SimpleNamespace:
        request = SimpleNamespace(headers={"x-purpose": purpose})
        return SimpleNamespace(principal=principal, request=request, graph=demo.graph, engine=demo.engine, extras={})

    async with demo.engine.connect() as conn:
        ids = dict((await conn.execute(sa.select(subject.c.display_code, subject.c.id))).all())
    assert await is_authorized(context(PURPOSE), ids[SHOWCASE])
    assert not await is_authorized(context("marketing"), ids[SHOWCASE])
    assert not await is_authorized(context(PURPOSE), ids["91110000600037341L"])
