"""What a department bound to a division reads beyond records, on SQLite and PostgreSQL: partner-grantable
fields, the lifecycle lists (disputes, repair applications, complaints, commitments) and the single items
they act on. A Fuzhou key (350100) against subjects and records of 鼓楼 (350102, inside) and 海淀
(110108, outside); an unbound key of the same domain sees everything, for the same number of statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.engine import count_statements
from gateway.db.tables import credit_record
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import tax_violation

MakeDepartment = Callable[[str, str | None], Awaitable[str]]  # the `department` fixture (conftest.py)

BEIJING = "91110108551385082Q"  # an enterprise registered in 海淀 (110108)
GULOU = "92350102MA2Y7P3K0" + uscc.calc_check_digit("92350102MA2Y7P3K0")  # a 鼓楼 (350102) business
GULOU_PERSON = "350102199001011238"  # a person of 鼓楼
BEIJING_PERSON = "11010519491231002X"  # 朝阳 (110105)
FUZHOU_TAX = "11350100MB0301234" + uscc.calc_check_digit("11350100MB0301234")  # the Fuzhou bureau (350100)
HAIDIAN_TAX = "11110108MB0000000" + uscc.calc_check_digit("11110108MB0000000")  # a Haidian bureau (110108)
NAMES = {BEIJING: "北京海淀中关村数据服务有限公司", GULOU: "鼓楼小吃店"}

SUBMIT_RATINGS = """mutation($r: [TaxCreditRatingInput!]!) { submitTaxCreditRatings(ratings: $r) { created } }"""
SUBMIT_VIOLATIONS = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
RATINGS = """query($c: [String!]!) { subjects(codes: $c) { code tax { ratings { year score } } } }"""
DISPUTES = "{ disputes(first: 50) { edges { node { id subjectCode } } } }"
REPAIRS = "{ repairApplications(first: 50) { edges { node { id subjectCode } } } }"
COMPLAINTS = "{ complaints(first: 50) { edges { node { id subjectCode } } } }"
COMMITMENTS = "{ commitments(first: 50) { edges { node { id subjectCode disclosure } } } }"


def rating(code: str, authority: str, year: int) -> dict[str, Any]:
    return {"subjectCode": code, "subjectName": NAMES[code], "year": year, "grade": "A", "score": "95",
            "decisionDate": f"{year + 1}-04-10", "decidingAuthority": "税务局", "decidingAuthorityCode": authority,
            "sourceUnit": "税务局", "sourceUnitCode": FUZHOU_TAX}  # fmt: skip


def violation(code: str, authority: str) -> dict[str, Any]:
    return tax_violation(
        subjectCode=code,
        subjectName=NAMES[code],
        documentNumber=f"税罚〔2025〕{code[-4:]}号",
        decidingAuthorityCode=authority,
    )


async def _ok(gw: GatewayHarness, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    body = await gw.graphql(query, variables, **kw)
    assert "errors" not in body, body
    return body["data"]


async def _counted(gw: GatewayHarness, query: str, key: str) -> tuple[int, dict[str, Any]]:
    await gw.graphql(query, key=key)  # the key look-up's own statement is not the request's
    with count_statements(gw.engine) as counter:
        body = await gw.graphql(query, key=key)
    assert "errors" not in body, body
    return counter.count, body["data"]


async def _compare(gw: GatewayHarness, query: str, field: str, bound: str, unbound: str) -> tuple[list, list]:
    """The codes a list shows to the bound and the unbound key; the statements they cost are the same."""
    bound_count, bound_data = await _counted(gw, query, bound)
    unbound_count, unbound_data = await _counted(gw, query, unbound)
    assert bound_count == unbound_count
    return tuple(sorted(e["node"]["subjectCode"] for e in data[field]["edges"]) for data in (bound_data, unbound_data))  # type: ignore[return-value]


async def test_partner_fields_follow_the_division_of_records(gw: GatewayHarness, department: MakeDepartment) -> None:
    admin = await gw.create_key("admin")
    ratings = [
        rating(GULOU, FUZHOU_TAX, 2023),  # 350100: inside
        rating(GULOU, FUZHOU_TAX, 2022),  # made to name no authority below: the subject's area, 350102, inside
        rating(BEIJING, HAIDIAN_TAX, 2023),  # 110108: outside
        rating(BEIJING, FUZHOU_TAX, 2022),  # made to name no authority below: the subject's area, 110108, outside
        rating(BEIJING, FUZHOU_TAX, 2021),  # a Beijing enterprise rated by the Fuzhou bureau: Fuzhou's record
    ]
    await _ok(gw, SUBMIT_RATINGS, {"r": ratings}, key=admin)
    async with gw.engine.begin() as conn:  # as records imported before authorities' codes were kept
        await conn.execute(
            credit_record.update()
            .where(credit_record.c.decision_date == dt.date(2023, 4, 10))
            .values(deciding_authority_code=None, division_code=None)
        )
    fuzhou, platform = await department("tax", "350100"), await department("tax", None)
    codes = {"c": [GULOU, BEIJING]}
    with count_statements(gw.engine) as bound_counter:
        bound = await gw.graphql(RATINGS, codes, key=fuzhou)
    with count_statements(gw.engine) as unbound_counter:
        unbound = await gw.graphql(RATINGS, codes, key=platform)
    scores = [{r["year"]: r["score"] for r in s["tax"]["ratings"]} for s in bound["data"]["subjects"]]
    # The ratings are published (grade A): the Fuzhou key sees them all, and the score only of its own.
    assert scores == [{2023: "95.00", 2022: "95.00"}, {2023: None, 2022: None, 2021: "95.00"}]
    refused = [e for e in bound["errors"]]
    assert {e["extensions"]["code"] for e in refused} == {"FORBIDDEN_FIELD"} and len(refused) == 2
    assert {tuple(e["path"]) for e in refused} == {
        ("subjects", 1, "tax", "ratings", 0, "score"),
        ("subjects", 1, "tax", "ratings", 1, "score"),
    }
    assert "errors" not in unbound, unbound
    assert [r["score"] for s in unbound["data"]["subjects"] for r in s["tax"]["ratings"]] == ["95.00"] * 5
    # The subjects' areas come from the rows the request loaded: no statement more than the unbound key's.
    assert bound_counter.count == unbound_counter.count
    # Another domain's key bound to the whole country still gets no tax field.
    culture = await department("culture", "110000")
    body = await gw.graphql(RATINGS, {"c": [BEIJING]}, key=culture)
    assert set(error_codes(body)) == {"FORBIDDEN_FIELD"}


async def _violations(gw: GatewayHarness, admin: str) -> dict[str, str]:
    """A major tax violation of each subject (鼓楼's decided in Fuzhou, Beijing's in Haidian): record ids."""
    data = await _ok(
        gw, SUBMIT_VIOLATIONS, {"v": [violation(GULOU, FUZHOU_TAX), violation(BEIJING, HAIDIAN_TAX)]}, key=admin
    )
    ids = [r["recordId"] for r in data["submitMajorTaxViolations"]["records"]]
    return {GULOU: ids[0], BEIJING: ids[1]}


async def test_disputes_and_repairs_list_and_act_inside_the_division(
    gw: GatewayHarness, department: MakeDepartment
) -> None:
    admin = await gw.create_key("admin")
    records = await _violations(gw, admin)
    disputes = {}
    repairs = {}
    for code, record_id in records.items():
        filed = await _ok(
            gw, 'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "金额有误"}) { id } }', {"r": record_id},
            key=admin,
        )  # fmt: skip
        disputes[code] = filed["fileDispute"]["id"]
        await _ok(gw, "mutation($i: ID!) { forwardDispute(id: $i) { id } }", {"i": disputes[code]}, key=admin)
        subject = await gw.create_key("subject", subject=code)
        applied = await _ok(
            gw, 'mutation($r: ID!) { applyForRepair(input: {recordId: $r, commitment: "依法纳税"}) { id } }',
            {"r": record_id}, key=subject,
        )  # fmt: skip
        repairs[code] = applied["applyForRepair"]["id"]
    fuzhou, platform = await department("tax", "350100"), await department("tax", None)
    assert await _compare(gw, DISPUTES, "disputes", fuzhou, platform) == ([GULOU], sorted([GULOU, BEIJING]))
    assert await _compare(gw, REPAIRS, "repairApplications", fuzhou, platform) == ([GULOU], sorted([GULOU, BEIJING]))
    # Acting on one outside the division is FORBIDDEN, as on another domain's; inside, it goes through.
    decide = 'mutation($i: ID!) { decideRepair(id: $i, approve: false, reason: "未履行") { state } }'
    body = await gw.graphql(decide, {"i": repairs[BEIJING]}, key=fuzhou)
    assert error_codes(body) == ["FORBIDDEN"] and body["errors"][0]["extensions"]["division"] == "110108"
    assert (await _ok(gw, decide, {"i": repairs[GULOU]}, key=fuzhou))["decideRepair"]["state"] == "REJECTED"
    verify = 'mutation($i: ID!) { verifyDispute(id: $i, outcome: UPHELD, finding: "无误") { state } }'
    assert error_codes(await gw.graphql(verify, {"i": disputes[BEIJING]}, key=fuzhou)) == ["FORBIDDEN"]
    assert (await _ok(gw, verify, {"i": disputes[GULOU]}, key=fuzhou))["verifyDispute"]["state"] == "VERIFIED"
    assert (await _ok(gw, verify, {"i": disputes[BEIJING]}, key=platform))["verifyDispute"]["state"] == "VERIFIED"


async def test_complaints_by_the_subjects_registration_area(gw: GatewayHarness, department: MakeDepartment) -> None:
    file = "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { trackingToken } }"
    for code in (GULOU, GULOU_PERSON, BEIJING, BEIJING_PERSON):
        await _ok(gw, file, {"i": {"subjectCode": code, "domain": "tax", "matter": "虚开发票。"}})
    fuzhou, platform = await department("tax", "350100"), await department("tax", None)
    bound, unbound = await _compare(gw, COMPLAINTS, "complaints", fuzhou, platform)
    masked = GULOU_PERSON[:6] + "*" * 8 + GULOU_PERSON[14:]  # a person's complaint is placed by its masked code
    assert bound == sorted([GULOU, masked]) and len(unbound) == 4
    admin = await gw.create_key("admin")
    ids = {
        e["node"]["subjectCode"]: e["node"]["id"] for e in (await _ok(gw, COMPLAINTS, key=admin))["complaints"]["edges"]
    }
    investigate = "mutation($i: ID!) { investigateComplaint(id: $i) { state } }"
    outside = ids[BEIJING_PERSON[:6] + "*" * 8 + BEIJING_PERSON[14:]]
    # One outside the division does not exist for this key, as another domain's does not.
    assert error_codes(await gw.graphql(investigate, {"i": outside}, key=fuzhou)) == ["NOT_FOUND"]
    assert error_codes(await gw.graphql(investigate, {"i": ids[BEIJING]}, key=fuzhou)) == ["NOT_FOUND"]
    for inside in (ids[GULOU], ids[masked]):
        assert (await _ok(gw, investigate, {"i": inside}, key=fuzhou))["investigateComplaint"][
            "state"
        ] == "INVESTIGATING"
    assert (await _ok(gw, investigate, {"i": outside}, key=platform))["investigateComplaint"][
        "state"
    ] == "INVESTIGATING"
    # A district key does not see the city's other districts' subjects either.
    gulou_key = await department("tax", "350102")
    only_gulou, _ = await _compare(gw, COMPLAINTS, "complaints", gulou_key, platform)
    assert only_gulou == sorted([GULOU, masked])


MAKE = """mutation($i: MakeCommitmentInput!) { makeCommitment(input: $i) { id } }"""


def commitment(code: str, disclosure: str) -> dict[str, Any]:
    until = (china_today() + dt.timedelta(days=365)).isoformat()
    given = {"subjectCode": code, "domain": "tax", "commitmentType": "IN_PLACE_OF_CERTIFICATE", "content": "材料真实。",
             "liability": "撤销审批。", "validUntil": until, "disclosure": disclosure}  # fmt: skip
    return {"i": given}


async def test_commitments_by_the_subjects_registration_area(gw: GatewayHarness, department: MakeDepartment) -> None:
    admin = await gw.create_key("admin")
    await _ok(
        gw, SUBMIT_RATINGS, {"r": [rating(GULOU, FUZHOU_TAX, 2023), rating(BEIJING, HAIDIAN_TAX, 2023)]}, key=admin
    )
    made = {}
    for code in (GULOU, BEIJING):
        made[code] = (await _ok(gw, MAKE, commitment(code, "RESTRICTED"), key=admin))["makeCommitment"]["id"]
    await _ok(gw, MAKE, commitment(BEIJING, "PUBLIC"), key=admin)
    fuzhou, platform = await department("tax", "350100"), await department("tax", None)
    bound, unbound = await _compare(gw, COMMITMENTS, "commitments", fuzhou, platform)
    # Outside its division the Fuzhou key reads what the public reads: the Beijing enterprise's public one.
    assert bound == sorted([GULOU, BEIJING]) and unbound == sorted([GULOU, BEIJING, BEIJING])
    public = await _ok(gw, COMMITMENTS)
    assert [e["node"]["subjectCode"] for e in public["commitments"]["edges"]] == [BEIJING]
    fulfil = "mutation($i: ID!) { fulfilCommitment(id: $i, fulfilment: FULL) { state } }"
    assert error_codes(await gw.graphql(fulfil, {"i": made[BEIJING]}, key=fuzhou)) == ["NOT_FOUND"]
    assert (await _ok(gw, fulfil, {"i": made[BEIJING]}, key=platform))["fulfilCommitment"]["state"] == "FULFILLED"
    # Recording one for a subject outside is refused like a submission about it.
    body = await gw.graphql(MAKE, commitment(BEIJING, "RESTRICTED"), key=fuzhou)
    assert error_codes(body) == ["FORBIDDEN"] and body["errors"][0]["extensions"]["division"] == "110108"
    await _ok(gw, MAKE, commitment(GULOU, "RESTRICTED"), key=fuzhou)
    # A breach record lies where records do: a Haidian unit's outside, refused before anything is written.
    breach = "mutation($i: ID!, $u: String) { breachCommitment(id: $i, unitCode: $u) { state } }"
    body = await gw.graphql(breach, {"i": made[GULOU], "u": HAIDIAN_TAX}, key=fuzhou)
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await _ok(gw, breach, {"i": made[GULOU], "u": None}, key=fuzhou))["breachCommitment"]["state"] == "BREACHED"
    async with gw.engine.connect() as conn:
        query = sa.select(credit_record.c.division_code).where(credit_record.c.record_type == "commitment_breach")
        assert (await conn.execute(query)).scalars().all() == ["350102"]
