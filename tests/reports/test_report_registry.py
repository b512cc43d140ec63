"""The credit report registry over HTTP, on SQLite and PostgreSQL: an agency registers a report about a
subject that authorised it (once per request id), a department verifies it by number through its year,
after it and once revoked; the subject and the agency list theirs, each only its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.db.engine import count_statements
from gateway.features.reports.store import valid_until
from gateway.features.reports.tables import credit_report
from gateway.host.demo import seed
from gateway.kernel.clock import china_today
from gateway.kernel.limits import MAX_REPORT_GRADE
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"
OTHER = "91110000600037341L"
PURPOSE = "credit report"
HEADERS = {"X-Purpose": PURPOSE}
REPORT_FIELDS = "number agencyName subjectCode subjectName grade riskNotes issuedOn validUntil status revokedAt"
REGISTER = f"""mutation($i: RegisterCreditReportInput!) {{ registerCreditReport(input: $i) {{ {REPORT_FIELDS} }} }}"""
VERIFY = f"""query($n: String!) {{ verifyCreditReport(number: $n) {{ number status report {{ {REPORT_FIELDS} }} }} }}"""
REVOKE = """mutation($n: String!, $r: String!) { revokeCreditReport(number: $n, reason: $r) { status } }"""
LIST = """query($c: String, $f: Int, $a: String) { creditReports(subjectCode: $c, first: $f, after: $a) {
  edges { node { number subjectCode status } } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def demo(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    return gw


async def _agency(gw: GatewayHarness, *subjects: str, name: str = "福建信用评估有限公司") -> str:
    key = await gw.create_key("agency", name=name)
    for code in subjects:
        await gw.authorize(code, key, groups=[], purpose=PURPOSE)
    return key


def _report(number: str = "XYPJ-2026-0001", subject: str = SHOWCASE, **overrides: Any) -> dict[str, Any]:
    return {"requestId": f"req-{number}", "number": number, "subjectCode": subject, "grade": "AA",
            "riskNotes": "短期偿债压力较大。", "issuedOn": china_today().isoformat(), **overrides}  # fmt: skip


async def _register(gw: GatewayHarness, key: str, **overrides: Any) -> dict[str, Any]:
    return await gw.graphql(REGISTER, {"i": _report(**overrides)}, key=key, headers=HEADERS)


def _codes(body: dict[str, Any]) -> list[str]:
    return error_codes(body)


async def test_register_then_a_department_verifies_through_the_year(demo: GatewayHarness) -> None:
    agency = await _agency(demo, SHOWCASE)
    body = await _register(demo, agency)
    assert "errors" not in body, body
    report = body["data"]["registerCreditReport"]
    today = demo.clock.today()
    assert report == {
        "number": "XYPJ-2026-0001", "agencyName": "福建信用评估有限公司", "subjectCode": SHOWCASE,
        "subjectName": report["subjectName"], "grade": "AA", "riskNotes": "短期偿债压力较大。",
        "issuedOn": today.isoformat(), "validUntil": valid_until(today).isoformat(), "status": "VALID",
        "revokedAt": None,
    }  # fmt: skip
    assert report["subjectName"]

    department = await demo.create_key("department", domain="tax")
    checked = await demo.graphql(VERIFY, {"n": " xypj-2026-0001 "}, key=department)  # as typed from paper
    assert "errors" not in checked, checked
    assert checked["data"]["verifyCreditReport"]["status"] == "VALID"
    assert checked["data"]["verifyCreditReport"]["report"] == report

    demo.clock.travel_to(valid_until(today))  # its last day
    assert (await demo.graphql(VERIFY, {"n": "XYPJ-2026-0001"}, key=department))["data"]["verifyCreditReport"][
        "status"
    ] == "VALID"
    demo.clock.travel_to(valid_until(today) + dt.timedelta(days=1))
    expired = await demo.graphql(VERIFY, {"n": "XYPJ-2026-0001"}, key=department)
    assert expired["data"]["verifyCreditReport"]["status"] == "EXPIRED"
    assert expired["data"]["verifyCreditReport"]["report"]["status"] == "EXPIRED"


async def test_an_unknown_number_is_not_found(demo: GatewayHarness) -> None:
    department = await demo.create_key("department", domain="tax")
    body = await demo.graphql(VERIFY, {"n": "FORGED-0001"}, key=department)
    assert body == {"data": {"verifyCreditReport": {"number": "FORGED-0001", "status": "NOT_FOUND", "report": None}}}


async def test_only_for_a_subject_that_authorised_the_agency(demo: GatewayHarness) -> None:
    agency = await _agency(demo, SHOWCASE)
    body = await _register(demo, agency, number="XYPJ-2026-0002", subject=OTHER)
    assert _codes(body) == ["AUTHORIZATION_REQUIRED"]
    assert body["errors"][0]["extensions"]["reason"] == "NOT_GRANTED"
    no_purpose = await demo.graphql(REGISTER, {"i": _report()}, key=agency)
    assert no_purpose["errors"][0]["extensions"]["reason"] == "PURPOSE_MISSING"
    async with demo.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(credit_report))).scalar_one() == 0
    # The refusal is in the other subject's query record.
    other = await demo.create_key("subject", subject=OTHER)
    records = await demo.graphql("{ me { queryRecords { edges { node { role outcome denialReason } } } } }", key=other)
    assert {"role": "agency", "outcome": "DENIED", "denialReason": "NOT_GRANTED"} in [
        e["node"] for e in records["data"]["me"]["queryRecords"]["edges"]
    ]


async def test_only_an_agency_registers(demo: GatewayHarness) -> None:
    for key in (await demo.create_key("partner"), await demo.create_key("department", domain="tax"), None):
        assert set(_codes(await _register(demo, key))) == {"GRAPHQL_VALIDATION_FAILED"}
    admin = await demo.create_key("admin")  # the admin has the whole graph, but issues no reports
    assert _codes(await _register(demo, admin)) == ["FORBIDDEN"]


async def test_registration_is_idempotent_on_the_request_id(demo: GatewayHarness) -> None:
    agency = await _agency(demo, SHOWCASE, OTHER)
    first = await _register(demo, agency)
    again = await _register(demo, agency)
    assert "errors" not in again and again == first
    changed = await _register(demo, agency, grade="A")
    assert _codes(changed) == ["CONFLICT"] and "grade" in changed["errors"][0]["message"]
    # The same number under another request id, or by another agency: the number is taken.
    taken = await _register(demo, agency, requestId="another")
    assert _codes(taken) == ["DUPLICATE_RECORD"]
    rival = await _agency(demo, SHOWCASE, name="另一家评估公司")
    assert _codes(await _register(demo, rival)) == ["DUPLICATE_RECORD"]
    # Request ids are each agency's own: the rival may use the same id for its own report.
    assert "errors" not in await _register(demo, rival, number="QT-2026-7", requestId="req-XYPJ-2026-0001")
    async with demo.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(credit_report))).scalar_one() == 2


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"issuedOn": (china_today() + dt.timedelta(days=1)).isoformat()}, "issuedOn"),
        ({"issuedOn": (china_today() - dt.timedelta(days=400)).isoformat()}, "issuedOn"),  # expired already
        ({"grade": "A" * (MAX_REPORT_GRADE + 1)}, "grade"),
        ({"grade": "  "}, "grade"),
        ({"number": ""}, "number"),
        ({"requestId": ""}, "requestId"),
        ({"riskNotes": "x" * 5_000}, "riskNotes"),
    ],
)
async def test_bad_input(demo: GatewayHarness, overrides: dict[str, Any], argument: str) -> None:
    agency = await _agency(demo, SHOWCASE)
    body = await _register(demo, agency, **overrides)
    assert _codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["argument"] == argument


async def test_revoke(demo: GatewayHarness) -> None:
    agency = await _agency(demo, SHOWCASE)
    assert "errors" not in await _register(demo, agency)
    rival = await _agency(demo, name="另一家评估公司")
    not_its_own = await demo.graphql(REVOKE, {"n": "XYPJ-2026-0001", "r": "x"}, key=rival)
    assert _codes(not_its_own) == ["NOT_FOUND"]
    revoked = await demo.graphql(REVOKE, {"n": "XYPJ-2026-0001", "r": "财务数据有误"}, key=agency)
    assert revoked == {"data": {"revokeCreditReport": {"status": "REVOKED"}}}
    assert _codes(await demo.graphql(REVOKE, {"n": "XYPJ-2026-0001", "r": "again"}, key=agency)) == ["CONFLICT"]
    admin = await demo.create_key("admin")
    checked = await demo.graphql(VERIFY, {"n": "XYPJ-2026-0001"}, key=admin)
    assert checked["data"]["verifyCreditReport"]["status"] == "REVOKED"
    assert checked["data"]["verifyCreditReport"]["report"]["revokedAt"]
    # The credit centre may revoke any agency's report (a forged registration, a disqualified agency).
    assert "errors" not in await _register(demo, agency, number="XYPJ-2026-0002")
    by_admin = await demo.graphql(REVOKE, {"n": "XYPJ-2026-0002", "r": "机构资质已撤销"}, key=admin)
    assert by_admin == {"data": {"revokeCreditReport": {"status": "REVOKED"}}}
    async with demo.engine.connect() as conn:
        row = (await conn.execute(sa.select(credit_report).where(credit_report.c.number == "XYPJ-2026-0002"))).one()
    assert row.revoked_by.startswith("admin:") and row.revocation_reason == "机构资质已撤销"


async def test_lists_and_verification_show_each_only_its_own(demo: GatewayHarness) -> None:
    agency = await _agency(demo, SHOWCASE, OTHER)
    rival = await _agency(demo, SHOWCASE, name="另一家评估公司")
    assert "errors" not in await _register(demo, agency, number="A-1")
    assert "errors" not in await _register(demo, agency, number="A-2", subject=OTHER)
    assert "errors" not in await _register(demo, rival, number="B-1")

    def numbers(body: dict[str, Any]) -> list[str]:
        assert "errors" not in body, body
        return [e["node"]["number"] for e in body["data"]["creditReports"]["edges"]]

    showcase = await demo.create_key("subject", subject=SHOWCASE)
    assert numbers(await demo.graphql(LIST, {}, key=showcase)) == ["B-1", "A-1"]
    assert numbers(await demo.graphql(LIST, {}, key=agency)) == ["A-2", "A-1"]
    assert numbers(await demo.graphql(LIST, {"c": OTHER}, key=agency)) == ["A-2"]
    admin = await demo.create_key("admin")
    first = await demo.graphql(LIST, {"f": 2}, key=admin)
    assert numbers(first) == ["B-1", "A-2"] and first["data"]["creditReports"]["pageInfo"]["hasNextPage"]
    cursor = first["data"]["creditReports"]["pageInfo"]["endCursor"]
    assert numbers(await demo.graphql(LIST, {"f": 2, "a": cursor}, key=admin)) == ["A-1"]

    # A subject or an agency verifying a number not its own learns nothing: NOT_FOUND, as for a forged one.
    for key, number in ((showcase, "A-2"), (rival, "A-1")):
        body = await demo.graphql(VERIFY, {"n": number}, key=key)
        assert body["data"]["verifyCreditReport"] == {"number": number, "status": "NOT_FOUND", "report": None}
    assert (await demo.graphql(VERIFY, {"n": "A-1"}, key=showcase))["data"]["verifyCreditReport"]["status"] == "VALID"
    for key in (None, await demo.create_key("partner"), await demo.create_key("portal")):
        assert _codes(await demo.graphql(VERIFY, {"n": "A-1"}, key=key)) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_verification_is_in_the_query_record_in_a_few_statements(demo: GatewayHarness) -> None:
    agency = await _agency(demo, SHOWCASE)
    assert "errors" not in await _register(demo, agency)
    department = await demo.create_key("department", domain="tax", name="福州市税务局")
    with count_statements(demo.engine) as counter:
        body = await demo.graphql(VERIFY, {"n": "XYPJ-2026-0001"}, key=department, headers={"X-Purpose": "tender"})
    assert "errors" not in body
    # The key and its restriction, then the report with its agency and subject in one statement; the query
    # record's append (its lock, last hash and insert) comes after.
    before_the_record = counter.statements[: next(i for i, s in enumerate(counter.statements) if "credit_report" in s)]
    assert len(before_the_record) == 2 and sum("credit_report" in s for s in counter.statements) == 1
    assert sum(s.startswith("INSERT INTO query_record") for s in counter.statements) == 1
    me = await demo.create_key("subject", subject=SHOWCASE)
    records = await demo.graphql("{ me { queryRecords { edges { node { clientName role outcome } } } } }", key=me)
    nodes = [e["node"] for e in records["data"]["me"]["queryRecords"]["edges"]]
    assert {"clientName": "福州市税务局", "role": "department", "outcome": "VIEWED"} in nodes
    assert {"clientName": "福建信用评估有限公司", "role": "agency", "outcome": "VIEWED"} in nodes  # registering


async def test_a_number_that_upper_casing_would_lengthen_is_stored_as_typed(demo: GatewayHarness) -> None:
    # str.upper turns "ß" into "SS": 64 of them would have overflowed the 64-character column (a 500 on
    # PostgreSQL). Only ASCII letters change case, and the length is checked on what is stored.
    agency = await _agency(demo, SHOWCASE)
    body = await _register(demo, agency, number="ß" * 64, requestId="req-eszett")
    assert "errors" not in body, body
    assert body["data"]["registerCreditReport"]["number"] == "ß" * 64
    verified = await demo.graphql(VERIFY, {"n": "ß" * 64}, key=await demo.create_key("admin"))
    assert verified["data"]["verifyCreditReport"]["status"] == "VALID"
