"""collectionMetrics over HTTP on SQLite and PostgreSQL: timeliness judged to the instant across a weekend,
the Mid-autumn and National Day holidays of 2026 and the adjusted working Saturday (Oct 10); disputes,
corrections and revocations made through the lifecycle's own mutations; commitments made and broken;
departments narrowed to their domain and division; bad arguments refused with their codes; and the same
number of statements for one source unit as for fifty."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from stdnum.cn import uscc

from gateway.auth.keys import create_client
from gateway.auth.principal import Role
from gateway.db.engine import count_statements
from gateway.db.tables import credit_record
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import TAX_BUREAU_CODE, VIOLATOR_CODE, tax_violation

CHINA = dt.timezone(dt.timedelta(hours=8))
SUBMIT = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { created records { recordId } } }"""
METRICS = """query($y: Int!, $d: String, $div: String, $u: String, $late: Int) {
  collectionMetrics(year: $y, domain: $d, division: $div, sourceUnit: $u, lateFirst: $late) {
    year division sourceUnitCode timelyWorkingDays asOf
    departments { domain sourceUnitCount commitments { made broken }
      figures { records timely late timelyShare disputed disputeRate corrected correctionRate revoked revocationRate
                disputesForwarded disputesAnsweredLate repairsApproved repairsRejected
                byKind { recordType category records } }
      sourceUnits { sourceUnitCode sourceUnit figures { records timely late disputed }
        lateRecords { recordId documentNumber decisionDate deadline submittedAt publishedAt workingDays } } } } }"""
# What a department asks: the whole of METRICS is over a department's query cost (lists are costed at 20 items
# each when unsized, and it nests three), which the admin's limit allows.
BRIEF = """query($y: Int!, $d: String, $div: String) { collectionMetrics(year: $y, domain: $d, division: $div) {
  division departments { domain figures { records late } sourceUnits { sourceUnitCode figures { records } } } } }"""
OTHER_UNIT = "11110000MB0301234" + uscc.calc_check_digit("11110000MB0301234")

# decision date, submission (China time), on time? — with 2026's calendar: Sep 25-27 Mid-autumn, Oct 1-7
# National Day, Saturday Oct 10 a working day. Plain Monday-to-Friday counting would get every one wrong.
CASES: list[tuple[str, dt.date, dt.datetime, bool]] = [
    # Mon Sep 28: Sep 29, 30, Oct 8, 9, 10 (Sat, worked), 12, 13 -> the 7th working day is Tue Oct 13.
    ("A", dt.date(2026, 9, 28), dt.datetime(2026, 10, 13, 23, 59, 59, tzinfo=CHINA), True),
    ("B", dt.date(2026, 9, 28), dt.datetime(2026, 10, 14, 0, 0, 0, tzinfo=CHINA), False),  # the next instant
    # Wed Sep 30: Oct 8, 9, 10, 12, 13, 14, 15.
    ("C", dt.date(2026, 9, 30), dt.datetime(2026, 10, 15, 10, 0, tzinfo=CHINA), True),
    ("D", dt.date(2026, 9, 30), dt.datetime(2026, 10, 16, 9, 0, tzinfo=CHINA), False),
    # Fri Oct 9 across the worked Saturday and a weekend: Oct 10, 12, 13, 14, 15, 16, 19.
    ("E", dt.date(2026, 10, 9), dt.datetime(2026, 10, 19, 17, 0, tzinfo=CHINA), True),
    ("F", dt.date(2026, 10, 9), dt.datetime(2026, 10, 20, 9, 0, tzinfo=CHINA), False),
]


def _number(name: str) -> str:
    return f"榕税稽罚〔2026〕{name}号"


async def _submit(gw: GatewayHarness, key: str, items: list[dict[str, Any]]) -> list[int]:
    body = await gw.graphql(SUBMIT, {"v": items}, key=key)
    assert not body.get("errors"), body
    return [int(r["recordId"]) for r in body["data"]["submitMajorTaxViolations"]["records"]]


async def _set(gw: GatewayHarness, record_id: int, **values: Any) -> None:
    async with gw.engine.begin() as conn:
        await conn.execute(credit_record.update().where(credit_record.c.id == record_id).values(**values))


async def _world(gw: GatewayHarness) -> dict[str, Any]:
    """The six records of CASES from the Fuzhou bureau (division 350102), one on-time record of another unit
    (division 110105), submitted at their known instants."""
    admin = await gw.create_key("admin")
    tax = await gw.create_key("department", domain="tax")
    items = [tax_violation(documentNumber=_number(n), decisionDate=d.isoformat()) for n, d, _, _ in CASES]
    items.append(
        tax_violation(
            documentNumber=_number("X"),
            decisionDate="2026-10-09",
            sourceUnit="国家税务总局北京市税务局",
            sourceUnitCode=OTHER_UNIT,
        )
    )
    ids = await _submit(gw, tax, items)
    for record_id, (_, _, submitted, _) in zip(ids, CASES, strict=False):
        await _set(gw, record_id, created_at=submitted.astimezone(dt.UTC), division_code="350102")
    await _set(gw, ids[-1], created_at=dt.datetime(2026, 10, 12, 9, tzinfo=CHINA), division_code="110105")
    return {"admin": admin, "tax": tax, "ids": dict(zip([c[0] for c in CASES] + ["X"], ids, strict=True))}


async def _metrics(gw: GatewayHarness, key: str, query: str = METRICS, **variables: Any) -> dict[str, Any]:
    body = await gw.graphql(query, {"y": 2026, **variables}, key=key)
    assert not body.get("errors"), body
    return body["data"]["collectionMetrics"]


def _department(report: dict[str, Any], domain: str = "tax") -> dict[str, Any]:
    [department] = [d for d in report["departments"] if d["domain"] == domain]
    return department


def _unit(department: dict[str, Any], code: str) -> dict[str, Any]:
    [unit] = [u for u in department["sourceUnits"] if u["sourceUnitCode"] == code]
    return unit


async def test_timeliness_counts_working_days_of_the_official_calendar(gw: GatewayHarness) -> None:
    world = await _world(gw)
    report = await _metrics(gw, world["admin"])
    assert report["timelyWorkingDays"] == 7 and report["year"] == 2026
    assert {d["domain"] for d in report["departments"]} == set(gw.graph.composition.plugin_names)
    tax = _department(report)
    assert tax["sourceUnitCount"] == 2
    assert tax["figures"]["records"] == 7 and tax["figures"]["timely"] == 4 and tax["figures"]["late"] == 3
    assert tax["figures"]["timelyShare"] == round(4 / 7, 4)
    assert tax["figures"]["byKind"] == [
        {"recordType": "MajorTaxViolation", "category": "MAJOR_TAX_VIOLATION", "records": 7}
    ]
    bureau = _unit(tax, TAX_BUREAU_CODE)
    assert bureau["figures"] == {"records": 6, "timely": 3, "late": 3, "disputed": 0}
    late = bureau["lateRecords"]
    assert [r["documentNumber"] for r in late] == [_number("B"), _number("D"), _number("F")]  # earliest decision first
    assert [r["deadline"] for r in late] == ["2026-10-13", "2026-10-15", "2026-10-19"]
    assert [r["workingDays"] for r in late] == [8, 8, 8]
    assert late[0]["submittedAt"] == "2026-10-14T00:00:00+08:00"
    assert late[0]["publishedAt"] == late[0]["submittedAt"]  # public on arrival: published when submitted
    assert _unit(tax, OTHER_UNIT)["figures"] == {"records": 1, "timely": 1, "late": 0, "disputed": 0}
    assert _department(report, "culture")["figures"]["records"] == 0
    assert _department(report, "culture")["figures"]["timelyShare"] is None  # no records: no share, not 0%

    # The late list is bounded, its count is not.
    capped = _unit(_department(await _metrics(gw, world["admin"], late=1)), TAX_BUREAU_CODE)
    assert len(capped["lateRecords"]) == 1 and capped["figures"]["late"] == 3
    # A division: the bureau's records are in Fuzhou (3501), the other unit's in Beijing.
    fuzhou = _department(await _metrics(gw, world["admin"], d="tax", div="350100"))
    assert [u["sourceUnitCode"] for u in fuzhou["sourceUnits"]] == [TAX_BUREAU_CODE]
    assert fuzhou["commitments"] is None  # commitments are in no division
    assert (await _metrics(gw, world["admin"], y=2025))["departments"][0]["figures"]["records"] == 0


async def test_a_record_arriving_past_its_window_was_never_published(gw: GatewayHarness) -> None:
    world = await _world(gw)
    # Its window (SERIOUS: 3 years) ended before it arrived: late, and with no publication time.
    await _set(gw, world["ids"]["F"], published_until=dt.date(2026, 10, 19))
    bureau = _unit(_department(await _metrics(gw, world["admin"], d="tax")), TAX_BUREAU_CODE)
    [never] = [r for r in bureau["lateRecords"] if r["documentNumber"] == _number("F")]
    assert never["publishedAt"] is None and never["submittedAt"] == "2026-10-20T09:00:00+08:00"


async def test_disputes_corrections_and_revocations_through_the_lifecycle(gw: GatewayHarness) -> None:
    world = await _world(gw)
    ids, admin, tax = world["ids"], world["admin"], world["tax"]
    subject = await gw.create_key("subject", subject=VIOLATOR_CODE)

    async def call(query: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
        body = await gw.graphql(query, variables, key=key)
        assert not body.get("errors"), body
        return body["data"]

    async def dispute(record: str) -> str:
        filed = await call(
            'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "有误"}) { id } }',
            {"r": ids[record]},
            subject,
        )
        did = filed["fileDispute"]["id"]
        await call("mutation($i: ID!) { forwardDispute(id: $i) { id } }", {"i": did}, admin)
        return str(did)

    verify = """mutation($i: ID!, $o: DisputeOutcome!, $c: RecordCorrection) {
      verifyDispute(id: $i, outcome: $o, finding: "核实", correction: $c) { id } }"""
    gw.clock.travel_to(dt.date(2026, 11, 2))  # forwarded on Mon Nov 2: verification due 15 working days later, Nov 23
    corrected, revoked, upheld_late, _open = (
        await dispute("A"),
        await dispute("C"),
        await dispute("D"),
        await dispute("F"),
    )
    await call(verify, {"i": corrected, "o": "CORRECTED", "c": {"documentNumber": _number("A2")}}, tax)
    await call(verify, {"i": revoked, "o": "REVOKED"}, tax)
    gw.clock.travel_to(dt.date(2026, 11, 30))
    await call(verify, {"i": upheld_late, "o": "UPHELD"}, tax)  # a week after its deadline

    figures = _department(await _metrics(gw, admin, d="tax"))["figures"]
    assert figures["disputed"] == 4 and figures["disputeRate"] == round(4 / 7, 4)
    assert figures["corrected"] == 1 and figures["correctionRate"] == round(1 / 7, 4)
    assert figures["revoked"] == 1 and figures["revocationRate"] == round(1 / 7, 4)
    # D verified late, F never verified and past its deadline; A and C answered the day they came.
    assert figures["disputesForwarded"] == 4 and figures["disputesAnsweredLate"] == 2
    assert figures["records"] == 7 and figures["timely"] == 4  # a correction keeps the submission time

    # As of Nov 20 (before the deadline) the open one is not late yet; D's answer is, whenever it is read.
    gw.clock.travel_to(dt.date(2026, 11, 20))
    assert _department(await _metrics(gw, admin, d="tax"))["figures"]["disputesAnsweredLate"] == 1


async def test_commitments_made_and_broken(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    tax = await gw.create_key("department", domain="tax")
    await _submit(gw, tax, [tax_violation()])  # the subject becomes known, by a record of 2025
    make = """mutation($i: MakeCommitmentInput!) { makeCommitment(input: $i) { id } }"""
    made = []
    for _ in range(2):
        body = await gw.graphql(
            make,
            {
                "i": {
                    "domain": "tax",
                    "subjectCode": VIOLATOR_CODE,
                    "commitmentType": "IN_PLACE_OF_CERTIFICATE",
                    "content": "Our tax filings are complete and true.",
                    "liability": "Listed as dishonest.",
                    "validUntil": "2026-12-31",
                    "disclosure": "PUBLIC",
                }
            },
            key=tax,
        )
        assert not body.get("errors"), body
        made.append(body["data"]["makeCommitment"]["id"])
    breach = "mutation($id: ID!, $u: String) { breachCommitment(id: $id, unitCode: $u) { state } }"
    body = await gw.graphql(breach, {"id": made[0], "u": TAX_BUREAU_CODE}, key=tax)
    assert body["data"]["breachCommitment"]["state"] == "BREACHED", body
    department = _department(await _metrics(gw, admin, d="tax"))
    assert department["commitments"] == {"made": 2, "broken": 1}
    assert department["figures"]["records"] == 1  # the breach is a negative record of the domain
    assert _department(await _metrics(gw, admin, y=2025, d="tax"))["commitments"] == {"made": 0, "broken": 0}


async def test_a_department_sees_its_own_domain_and_division(gw: GatewayHarness) -> None:
    world = await _world(gw)
    report = await _metrics(gw, world["tax"], BRIEF)
    assert [d["domain"] for d in report["departments"]] == ["tax"]
    assert report["departments"][0]["figures"] == {"records": 7, "late": 3}
    assert error_codes(await gw.graphql(BRIEF, {"y": 2026, "d": "culture"}, key=world["tax"])) == ["FORBIDDEN"]
    _, fuzhou = await create_client(
        gw.engine, name="福州税务", role=Role.DEPARTMENT, domain="tax", division_code="350100"
    )
    narrowed = await _metrics(gw, fuzhou, BRIEF)
    assert narrowed["division"] == "350100"
    assert [u["sourceUnitCode"] for u in _department(narrowed)["sourceUnits"]] == [TAX_BUREAU_CODE]
    assert _department(await _metrics(gw, fuzhou, BRIEF, div="350102"))["figures"]["records"] == 6  # below its own
    assert error_codes(await gw.graphql(BRIEF, {"y": 2026, "div": "110000"}, key=fuzhou)) == ["FORBIDDEN"]
    # Not for the public, portals or subjects: the field is not in their schemas.
    portal = await gw.create_key("portal")
    assert error_codes(await gw.graphql(BRIEF, {"y": 2026}, key=portal)) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"y": 1999}, "BAD_USER_INPUT"),
        ({"y": 2027}, "BAD_USER_INPUT"),  # the clock says 2026
        ({"y": -5}, "BAD_USER_INPUT"),
        ({"d": "nope"}, "BAD_USER_INPUT"),
        ({"div": "12345"}, "INVALID_DIVISION"),
        ({"div": "350100' OR 1=1"}, "INVALID_DIVISION"),
        ({"u": "not a code"}, "BAD_USER_INPUT"),
        ({"late": 101}, "LIMIT_EXCEEDED"),
        ({"late": -1}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_arguments_are_refused(gw: GatewayHarness, variables: dict[str, Any], code: str) -> None:
    gw.clock.travel_to(dt.date(2026, 11, 30))
    admin = await gw.create_key("admin")
    body = await gw.graphql(METRICS, {"y": 2026, **variables}, key=admin)
    assert error_codes(body) == [code], body


async def test_submitted_at_is_for_departments_and_the_admin(gw: GatewayHarness) -> None:
    world = await _world(gw)
    query = "query($c: String!) { subject(code: $c) { records { documentNumber submittedAt } } }"
    seen = await gw.graphql(query, {"c": VIOLATOR_CODE}, key=world["tax"])
    times = {r["documentNumber"]: r["submittedAt"] for r in seen["data"]["subject"]["records"]}
    assert times[_number("A")] == "2026-10-13T23:59:59+08:00"
    public = await gw.graphql(query, {"c": VIOLATOR_CODE})
    assert error_codes(public) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_statements_do_not_grow_with_source_units(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    tax = await gw.create_key("department", domain="tax")
    units = ["11350100MB" + f"{n:07d}" for n in range(50)]
    units = [u + uscc.calc_check_digit(u) for u in units]
    items = [
        tax_violation(documentNumber=_number(f"U{n}"), decisionDate="2026-09-28", sourceUnitCode=unit)
        for n, unit in enumerate(units)
    ]

    async def count() -> tuple[int, dict[str, Any]]:
        with count_statements(gw.engine) as counter:
            report = await _metrics(gw, admin, d="tax")
        return counter.count, report

    await _submit(gw, tax, items[:1])
    one, single = await count()
    await _submit(gw, tax, items[1:])
    fifty, every = await count()
    assert len(_department(single)["sourceUnits"]) == 1 and len(_department(every)["sourceUnits"]) == 50
    assert _department(every)["figures"]["late"] == 50  # submitted today, two months after the decision
    assert len(_unit(_department(every), units[49])["lateRecords"]) == 1
    # The metrics' five (records, late records, disputes, repairs, commitments) and the request's own.
    assert one == fifty == 7
