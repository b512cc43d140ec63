"""Partner banks: contract ∩ authorisation, for the stated purpose, while the authorisation is valid.

Everything goes over HTTP with real keys; authorisations are granted through the GraphQL API (the
subject's and the admin's) or, where a test is about the partner's side, with ``gw.authorize``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn.uscc import calc_check_digit

from gateway.db.engine import count_statements
from gateway.features.partners.access import decide
from gateway.host.demo import seed
from gateway.kernel.identifiers import parse_subject_code
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"  # the demo's subject with records in every domain
OTHER = "91110000600037341L"
UNKNOWN = "91350100MA0000001" + calc_check_digit("91350100MA0000001")  # valid, never seeded
PURPOSE = {"X-Purpose": "loan application"}
BOTH = ["tax.rating", "urban_management.inspection"]

PROFILE = """query($c: String!) { subject(code: $c) { name
  tax { ratings { year grade score } }
  urbanManagement { inspections { result findings } } } }"""
BATCH = "query($c: [String!]!) { subjects(codes: $c) { code name } }"


@pytest.fixture
async def demo(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    return gw


def _errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body.get("errors") or []


async def test_no_authorisation_means_authorization_required(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=PURPOSE)
    assert body["data"]["subject"] is None
    [error] = _errors(body)
    assert error["extensions"]["code"] == "AUTHORIZATION_REQUIRED"
    assert error["extensions"]["reason"] == "NOT_GRANTED"
    assert error["path"] == ["subject"]


async def test_batch_refuses_only_the_unauthorised_subject(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    await demo.authorize(SHOWCASE, partner, groups=["tax.rating"])
    body = await demo.graphql(BATCH, {"c": [SHOWCASE, OTHER, UNKNOWN]}, key=partner, headers=PURPOSE)
    first, second, third = body["data"]["subjects"]
    assert first["code"] == SHOWCASE and second is None and third is None
    # The unknown code is refused like the subject that authorised nobody: a partner cannot tell them apart.
    assert [(e["path"], e["extensions"]["code"], e["extensions"]["reason"]) for e in _errors(body)] == [
        (["subjects", 1], "AUTHORIZATION_REQUIRED", "NOT_GRANTED"),
        (["subjects", 2], "AUTHORIZATION_REQUIRED", "NOT_GRANTED"),
    ]


async def test_fields_outside_contract_and_authorisation_are_forbidden(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    await demo.authorize(SHOWCASE, partner, groups=["tax.rating"])  # not the inspection group
    body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=PURPOSE)
    subject = body["data"]["subject"]
    assert subject["tax"]["ratings"] and all(
        r["score"] is not None for r in subject["tax"]["ratings"] if r["grade"] in "ABC"
    )
    inspections = subject["urbanManagement"]["inspections"]
    assert inspections and all(i["findings"] is None and i["result"] for i in inspections)
    assert set(error_codes(body)) == {"FORBIDDEN_FIELD"}
    assert {e["extensions"]["group"] for e in _errors(body)} == {"urban_management.inspection"}


async def test_contract_caps_what_an_authorisation_can_give(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=["tax.rating"])
    # The subject cannot grant beyond the partner's contract: a clear error at grant time.
    with pytest.raises(Exception, match=r"no contract for: urban_management\.inspection"):
        await demo.authorize(SHOWCASE, partner, groups=BOTH)
    await demo.authorize(SHOWCASE, partner, groups=["tax.rating"])
    # Narrowing the contract later takes effect at once for authorisations already given.
    async with demo.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE api_client SET contract_groups = '' WHERE role = 'partner'"))
    body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=PURPOSE)
    assert body["data"]["subject"]["name"]
    assert "FORBIDDEN_FIELD" in error_codes(body)
    assert all(r["score"] is None for r in body["data"]["subject"]["tax"]["ratings"])


@pytest.mark.parametrize(
    ("headers", "reason"),
    [({}, "PURPOSE_MISSING"), ({"X-Purpose": "marketing"}, "PURPOSE_MISMATCH")],
)
async def test_the_purpose_must_match(demo: GatewayHarness, headers: dict[str, str], reason: str) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    await demo.authorize(SHOWCASE, partner, groups=BOTH, purpose="loan application")
    body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=headers)
    assert body["data"]["subject"] is None
    assert [e["extensions"]["reason"] for e in _errors(body)] == [reason]
    # The same purpose spelt differently (case, spaces) matches.
    ok = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers={"X-Purpose": "  Loan   APPLICATION "})
    assert ok["data"]["subject"]["name"] and not _errors(ok)


async def test_validity_dates_and_revocation(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    today = demo.clock.today()
    grant_id = await demo.authorize(
        SHOWCASE,
        partner,
        groups=BOTH,
        valid_from=today + dt.timedelta(days=10),
        valid_until=today + dt.timedelta(days=40),
    )

    async def reason() -> str | None:
        body = await demo.graphql(BATCH, {"c": [SHOWCASE]}, key=partner, headers=PURPOSE)
        return _errors(body)[0]["extensions"]["reason"] if _errors(body) else None

    assert await reason() == "NOT_YET_VALID"
    demo.clock.travel_to(today + dt.timedelta(days=10))
    assert await reason() is None
    demo.clock.travel_to(today + dt.timedelta(days=40))
    assert await reason() is None  # the last day counts
    demo.clock.travel_to(today + dt.timedelta(days=41))
    assert await reason() == "EXPIRED"
    demo.clock.travel_to(today + dt.timedelta(days=20))
    admin = await demo.create_key("admin")
    revoked = await demo.graphql(
        "mutation($i: ID!) { revokeAuthorization(id: $i) { isCurrent revokedAt } }", {"i": str(grant_id)}, key=admin
    )
    assert revoked["data"]["revokeAuthorization"]["isCurrent"] is False
    assert await reason() == "REVOKED"
    again = await demo.graphql(
        "mutation($i: ID!) { revokeAuthorization(id: $i) { id } }", {"i": str(grant_id)}, key=admin
    )
    assert error_codes(again) == ["CONFLICT"]


GRANT = """mutation($p: ID!, $g: [String!]!, $u: Date!) {
  grantAuthorization(input: {partnerId: $p, fieldGroups: $g, purpose: "Loan application", validUntil: $u}) {
    id partnerName subjectCode fieldGroups purpose validFrom validUntil grantedBy isCurrent } }"""


async def test_the_subject_grants_lists_and_revokes(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH, name="Bank of Fuzhou")
    me = await demo.create_key("subject", subject=SHOWCASE)
    other = await demo.create_key("subject", subject=OTHER)
    listed = await demo.graphql("{ partners { id name contractGroups } }", key=me)
    [found] = [p for p in listed["data"]["partners"] if p["name"] == "Bank of Fuzhou"]
    assert found["contractGroups"] == BOTH
    until = (demo.clock.today() + dt.timedelta(days=90)).isoformat()
    body = await demo.graphql(GRANT, {"p": found["id"], "g": ["tax.rating"], "u": until}, key=me)
    grant = body["data"]["grantAuthorization"]
    assert grant["purpose"] == "loan application" and grant["grantedBy"] == "subject" and grant["isCurrent"]
    assert grant["subjectCode"] == SHOWCASE and grant["fieldGroups"] == ["tax.rating"]

    seen = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=PURPOSE)
    assert seen["data"]["subject"]["name"]
    # Each side lists what concerns it; another subject sees none of it and cannot revoke it.
    mine = await demo.graphql("{ authorizations { edges { node { id purpose } } } }", key=me)
    assert [e["node"]["id"] for e in mine["data"]["authorizations"]["edges"]] == [grant["id"]]
    theirs = await demo.graphql("{ authorizations(current: true) { edges { node { id subjectName } } } }", key=partner)
    assert [e["node"]["id"] for e in theirs["data"]["authorizations"]["edges"]] == [grant["id"]]
    assert (await demo.graphql("{ authorizations { edges { node { id } } } }", key=other))["data"]["authorizations"][
        "edges"
    ] == []
    stolen = await demo.graphql(
        "mutation($i: ID!) { revokeAuthorization(id: $i) { id } }", {"i": grant["id"]}, key=other
    )
    assert error_codes(stolen) == ["NOT_FOUND"]

    await demo.graphql("mutation($i: ID!) { revokeAuthorization(id: $i) { id } }", {"i": grant["id"]}, key=me)
    refused = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=PURPOSE)
    assert refused["data"]["subject"] is None and _errors(refused)[0]["extensions"]["reason"] == "REVOKED"


@pytest.mark.parametrize(
    ("groups", "days", "code"),
    [
        (["tax.rating", "no.such_group"], 30, "BAD_USER_INPUT"),
        (["tax.rating"], -1, "BAD_USER_INPUT"),  # already over
        (["tax.rating"], 5_000, "BAD_USER_INPUT"),  # longer than the maximum
        ([f"g{i}.x" for i in range(60)], 30, "LIMIT_EXCEEDED"),
    ],
)
async def test_bad_grants_are_refused_and_store_nothing(
    demo: GatewayHarness, groups: list[str], days: int, code: str
) -> None:
    await demo.create_key("partner", contract=BOTH)
    me = await demo.create_key("subject", subject=SHOWCASE)
    partner_id = (await demo.graphql("{ partners { id } }", key=me))["data"]["partners"][0]["id"]
    until = (demo.clock.today() + dt.timedelta(days=days)).isoformat()
    body = await demo.graphql(GRANT, {"p": partner_id, "g": groups, "u": until}, key=me)
    assert error_codes(body) == [code]
    async with demo.engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM partner_authorization"))).scalar_one() == 0


PAPER = """mutation($c: String!, $p: ID!, $r: String!, $u: Date!) {
  recordPaperAuthorization(input: {subjectCode: $c, partnerId: $p, fieldGroups: ["tax.rating"],
    purpose: "loan application", validUntil: $u, referenceNumber: $r}) { id grantedBy referenceNumber } }"""


async def test_the_admin_records_paper_authorisations(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    admin = await demo.create_key("admin")
    until = (demo.clock.today() + dt.timedelta(days=30)).isoformat()
    variables = {"c": SHOWCASE, "p": str(await demo.client_id(partner)), "r": "闽信授〔2026〕0001号", "u": until}
    body = await demo.graphql(PAPER, variables, key=admin)
    assert body["data"]["recordPaperAuthorization"]["grantedBy"] == "admin"
    assert error_codes(await demo.graphql(PAPER, variables, key=admin)) == ["DUPLICATE_RECORD"]
    assert error_codes(await demo.graphql(PAPER, {**variables, "r": "  "}, key=admin)) == ["BAD_USER_INPUT"]
    assert error_codes(await demo.graphql(PAPER, {**variables, "c": UNKNOWN}, key=admin)) == ["NOT_FOUND"]
    # Not for a subject key: the field is absent from its schema.
    me = await demo.create_key("subject", subject=SHOWCASE)
    assert error_codes(await demo.graphql(PAPER, variables, key=me)) == ["GRAPHQL_VALIDATION_FAILED"]
    seen = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers=PURPOSE)
    assert any(r["score"] is not None for r in seen["data"]["subject"]["tax"]["ratings"])
    assert {e["extensions"]["group"] for e in _errors(seen)} == {"urban_management.inspection"}  # not on paper


async def test_departments_and_subjects_see_partner_fields_only_where_theirs(demo: GatewayHarness) -> None:
    tax = await demo.create_key("department", domain="tax")
    culture = await demo.create_key("department", domain="culture")
    me = await demo.create_key("subject", subject=SHOWCASE)
    query = """query($c: String!) { subject(code: $c) { tax { ratings { grade score } } } }"""
    assert not _errors(await demo.graphql(query, {"c": SHOWCASE}, key=tax))
    assert set(error_codes(await demo.graphql(query, {"c": SHOWCASE}, key=culture))) == {"FORBIDDEN_FIELD"}
    assert not _errors(await demo.graphql(query, {"c": SHOWCASE}, key=me))
    assert set(error_codes(await demo.graphql(query, {"c": OTHER}, key=me))) == {"FORBIDDEN_FIELD"}
    # The public and portals do not have the field at all.
    assert error_codes(await demo.graphql(query, {"c": SHOWCASE})) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_search_and_entities_for_partners(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    await demo.authorize(SHOWCASE, partner, groups=[])
    search = await demo.graphql(
        '{ searchSubjects(name: "福州") { edges { node { code } } } }', key=partner, headers=PURPOSE
    )
    assert [e["node"]["code"] for e in search["data"]["searchSubjects"]["edges"]] == [SHOWCASE]
    entities = await demo.graphql(
        """query($r: [_Any!]!) { _entities(representations: $r) { ... on CreditSubject { code } } }""",
        {"r": [{"__typename": "CreditSubject", "code": SHOWCASE}, {"__typename": "CreditSubject", "code": OTHER}]},
        key=partner,
        headers=PURPOSE,
    )
    assert entities["data"]["_entities"][0] == {"code": SHOWCASE} and entities["data"]["_entities"][1] is None
    assert [e["path"] for e in _errors(entities)] == [["_entities", 1]]


async def test_partner_queries_are_recorded_with_their_purpose(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH, name="Bank of Fuzhou")
    await demo.authorize(SHOWCASE, partner, groups=BOTH)
    await demo.graphql(BATCH, {"c": [SHOWCASE, OTHER]}, key=partner, headers=PURPOSE)
    me = await demo.create_key("subject", subject=SHOWCASE)
    query = "{ me { queryRecords { edges { node { clientName role purpose outcome denialReason } } } } }"
    records = await demo.graphql(query, key=me)
    the_bank = {"clientName": "Bank of Fuzhou", "role": "partner", "purpose": "loan application"}
    assert [e["node"] for e in records["data"]["me"]["queryRecords"]["edges"]] == [
        {**the_bank, "outcome": "VIEWED", "denialReason": None}
    ]
    # The subject that authorised nobody was not handed out, but learns who tried, and why it was refused.
    other = await demo.create_key("subject", subject=OTHER)
    refused = await demo.graphql(query, key=other)
    assert [e["node"] for e in refused["data"]["me"]["queryRecords"]["edges"]] == [
        {**the_bank, "outcome": "DENIED", "denialReason": "NOT_GRANTED"}
    ]


async def test_a_partner_batch_costs_the_same_statements_for_1_and_100(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    async with demo.engine.connect() as conn:
        codes = [
            r.display_code
            for r in (
                await conn.execute(sa.text("SELECT display_code FROM subject WHERE code_type = 'USCC' LIMIT 25"))
            ).all()
        ]
    for code in codes:
        await demo.authorize(code, partner, groups=["tax.rating"])
    query = "query($c: [String!]!) { subjects(codes: $c) { name tax { ratings { grade score } } } }"
    counts = []
    for batch in (codes[:1], codes):
        with count_statements(demo.engine) as counter:
            body = await demo.graphql(query, {"c": batch}, key=partner, headers=PURPOSE)
        assert not _errors(body)
        counts.append(counter.count)
    assert counts[0] == counts[1]


# --- An unknown code reads exactly like a subject that authorised nobody ---------------------------

PERSON = "11010519491231002X"  # a demo natural person
UNKNOWN_PERSON = "110105198001010016"  # a valid resident ID number, never seeded
REFUSAL_QUERIES = {
    "subject": ("query($c: String!) { subject(code: $c) { name } }", lambda code: code),
    "subjects": (BATCH, lambda code: [OTHER, code]),
    "_entities": (
        "query($c: [_Any!]!) { _entities(representations: $c) { ... on CreditSubject { name } } }",
        lambda code: [{"__typename": "CreditSubject", "code": OTHER}, {"__typename": "CreditSubject", "code": code}],
    ),
}


async def _refusal_seen_by(demo: GatewayHarness, field: str, code: str, key: str, headers: dict[str, str]) -> Any:
    """Status and body of a partner's refused attempt, with the masked code written as <code>."""
    query, variables = REFUSAL_QUERIES[field]
    response = await demo.post(query, {"c": variables(code)}, key=key, headers={**headers, "X-Request-ID": "r-1"})
    masked = parse_subject_code(code).masked
    return response.status_code, json.loads(response.text.replace(masked, "<code>"))


@pytest.mark.parametrize("field", sorted(REFUSAL_QUERIES))
@pytest.mark.parametrize(("known", "unknown"), [(PERSON, UNKNOWN_PERSON), (SHOWCASE, UNKNOWN)])
@pytest.mark.parametrize("headers", [PURPOSE, {}], ids=["purpose", "no-purpose"])
async def test_an_unknown_code_reads_like_a_subject_that_authorised_nobody(
    demo: GatewayHarness, field: str, known: str, unknown: str, headers: dict[str, str]
) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    await demo.authorize(OTHER, partner, groups=["tax.rating"])  # a partner with authorisations, not these
    seen_known = await _refusal_seen_by(demo, field, known, partner, headers)
    seen_unknown = await _refusal_seen_by(demo, field, unknown, partner, headers)
    assert seen_unknown == seen_known
    status, body = seen_known
    [error] = [e for e in _errors(body) if "<code>" in e["message"]]
    assert status == 200 and error["extensions"]["code"] == "AUTHORIZATION_REQUIRED"
    assert error["extensions"]["reason"] == ("NOT_GRANTED" if headers else "PURPOSE_MISSING")
    assert error["extensions"]["subjectCode"] == "<code>"
    assert error["path"][0] == field


async def test_a_refused_unknown_code_leaves_no_trace_in_the_query_record(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    body = await demo.graphql(BATCH, {"c": [UNKNOWN_PERSON, UNKNOWN, PERSON]}, key=partner, headers=PURPOSE)
    assert body["data"]["subjects"] == [None, None, None]
    assert [e["extensions"]["reason"] for e in _errors(body)] == ["NOT_GRANTED"] * 3
    async with demo.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT subject_id, outcome FROM query_record"))).all()
        person_id = (
            await conn.execute(sa.text("SELECT id FROM subject WHERE display_code = '110105********002X'"))
        ).scalar_one()
    # The known person's subject learns of the attempt; the unknown codes have nobody to tell.
    assert [tuple(r) for r in rows] == [(person_id, "DENIED")]


# --- The reason of a refusal is judged from the grants for the requested purpose first -------------


@dataclass(frozen=True)
class _Grant:
    purpose: str = "loan"
    starts: int = -10  # days from today
    ends: int = 10
    revoked: bool = False
    field_groups: str = "tax.rating"

    def row(self, today: dt.date) -> SimpleNamespace:
        return SimpleNamespace(
            purpose=self.purpose,
            valid_from=today + dt.timedelta(days=self.starts),
            valid_until=today + dt.timedelta(days=self.ends),
            revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if self.revoked else None,
            field_groups=self.field_groups,
        )


CURRENT_LOAN = _Grant()
FUTURE_LOAN = _Grant(starts=5, ends=30)
EXPIRED_LOAN = _Grant(starts=-30, ends=-1)
REVOKED_LOAN = _Grant(revoked=True)
CURRENT_MORTGAGE = _Grant(purpose="mortgage", field_groups="urban_management.inspection")
EXPIRED_MORTGAGE = _Grant(purpose="mortgage", starts=-30, ends=-1)
REVOKED_MORTGAGE = _Grant(purpose="mortgage", revoked=True)
RATING = frozenset({"tax.rating"})


@pytest.mark.parametrize(
    ("grants", "purpose", "expected"),
    [
        ((), "loan", "NOT_GRANTED"),
        ((CURRENT_LOAN,), "", "PURPOSE_MISSING"),
        ((), "", "PURPOSE_MISSING"),
        ((CURRENT_LOAN,), "loan", RATING),
        ((_Grant(starts=0, ends=0),), "loan", RATING),  # the first and the last day count
        ((CURRENT_LOAN, _Grant(field_groups="urban_management.inspection,culture.x")), "loan", frozenset(BOTH)),
        ((CURRENT_LOAN, REVOKED_LOAN, EXPIRED_LOAN), "loan", RATING),  # one current grant is enough
        ((_Grant(field_groups="culture.x"),), "loan", frozenset()),  # outside the contract: public fields only
        ((CURRENT_MORTGAGE,), "loan", "PURPOSE_MISMATCH"),
        ((FUTURE_LOAN,), "loan", "NOT_YET_VALID"),
        ((EXPIRED_LOAN,), "loan", "EXPIRED"),
        ((REVOKED_LOAN,), "loan", "REVOKED"),
        ((_Grant(starts=5, ends=30, revoked=True),), "loan", "REVOKED"),
        # Grants for this purpose decide before current grants for another one.
        ((CURRENT_MORTGAGE, FUTURE_LOAN), "loan", "NOT_YET_VALID"),
        ((CURRENT_MORTGAGE, EXPIRED_LOAN), "loan", "EXPIRED"),
        ((CURRENT_MORTGAGE, REVOKED_LOAN), "loan", "REVOKED"),
        ((CURRENT_LOAN, _Grant(purpose="mortgage", starts=5, ends=30)), "mortgage", "NOT_YET_VALID"),
        # Among this purpose's grants, the most actionable reason: wait, then renew, then ask again.
        ((EXPIRED_LOAN, FUTURE_LOAN), "loan", "NOT_YET_VALID"),
        ((REVOKED_LOAN, FUTURE_LOAN), "loan", "NOT_YET_VALID"),
        ((REVOKED_LOAN, EXPIRED_LOAN), "loan", "EXPIRED"),
        # Nothing current for any purpose and nothing ever for this one: not granted.
        ((EXPIRED_MORTGAGE,), "loan", "NOT_GRANTED"),
        ((REVOKED_MORTGAGE, EXPIRED_MORTGAGE), "loan", "NOT_GRANTED"),
        ((EXPIRED_MORTGAGE, CURRENT_MORTGAGE), "loan", "PURPOSE_MISMATCH"),
    ],
)
def test_decide(grants: tuple[_Grant, ...], purpose: str, expected: frozenset[str] | str) -> None:
    today = dt.date(2026, 6, 1)
    contract = frozenset(BOTH)
    rows = [grant.row(today) for grant in grants]
    assert decide(rows, contract=contract, purpose=purpose, today=today) == expected
    assert decide(list(reversed(rows)), contract=contract, purpose=purpose, today=today) == expected


async def test_the_reason_follows_the_grants_for_the_requested_purpose(demo: GatewayHarness) -> None:
    partner = await demo.create_key("partner", contract=BOTH)
    today = demo.clock.today()
    loan = await demo.authorize(SHOWCASE, partner, groups=BOTH, purpose="loan application")
    await demo.authorize(SHOWCASE, partner, groups=BOTH, purpose="mortgage", valid_from=today + dt.timedelta(days=10))

    async def reason(purpose: str) -> str | None:
        body = await demo.graphql(PROFILE, {"c": SHOWCASE}, key=partner, headers={"X-Purpose": purpose})
        return _errors(body)[0]["extensions"]["reason"] if _errors(body) else None

    assert await reason("loan application") is None
    assert await reason("mortgage") == "NOT_YET_VALID"
    assert await reason("marketing") == "PURPOSE_MISMATCH"
    admin = await demo.create_key("admin")
    revoked = await demo.graphql(
        "mutation($i: ID!) { revokeAuthorization(id: $i) { id } }", {"i": str(loan)}, key=admin
    )
    assert not _errors(revoked)
    assert await reason("loan application") == "REVOKED"
    assert await reason("mortgage") == "NOT_YET_VALID"
    assert await reason("marketing") == "NOT_GRANTED"  # nothing current at all now
