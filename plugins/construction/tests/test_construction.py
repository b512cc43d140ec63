"""The construction plugin over HTTP: the four submissions (validation, idempotency, permissions),
the profile with an enterprise's practitioners, the cross-domain records field, demo data, import
columns, and statements per level."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.api import SubmissionPolicy
from gateway.db.engine import count_statements
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from plugins.construction import rules
from plugins.construction.importing import IMPORTERS
from plugins.construction.submissions import REGISTRATIONS

PROVINCE = "福建省住房和城乡建设厅"
PROVINCE_CODE = "11350000MB0E00356"
PROVINCE_CODE += uscc.calc_check_digit(PROVINCE_CODE)
BUREAU = "福州市城乡建设局"
BUREAU_CODE = "11350100MB0E04518"
BUREAU_CODE += uscc.calc_check_digit(BUREAU_CODE)
SHOP_CODE = "92350100MA0000001"  # an individual business
SHOP_CODE += uscc.calc_check_digit(SHOP_CODE)
ENTERPRISE = "91110000600037341L"
ENTERPRISE_NAME = "北京京华建设集团有限公司"
PERSON = "11010519491231002X"
OTHER_PERSON = "110102199101010078"
TODAY = china_today()

SUBMIT_QUALIFICATIONS = """mutation($q: [ConstructionQualificationInput!]!) {
  submitConstructionQualifications(qualifications: $q) { created unchanged records { index status recordId } } }"""
SUBMIT_CONDUCT = """mutation($r: [ConstructionConductRecordInput!]!) {
  submitConstructionConductRecords(records: $r) { created unchanged records { index status recordId } } }"""
SUBMIT_BLACKLIST = """mutation($e: [ConstructionBlacklistEntryInput!]!) {
  submitConstructionBlacklistEntries(entries: $e) { created unchanged records { index status recordId } } }"""
SUBMIT_PRACTITIONERS = """mutation($p: [RegisteredPractitionerInput!]!) {
  submitRegisteredPractitioners(practitioners: $p) { created unchanged records { index status recordId } } }"""
MUTATIONS = {
    "qualification": (SUBMIT_QUALIFICATIONS, "q", "submitConstructionQualifications"),
    "conduct": (SUBMIT_CONDUCT, "r", "submitConstructionConductRecords"),
    "blacklist": (SUBMIT_BLACKLIST, "e", "submitConstructionBlacklistEntries"),
    "practitioner": (SUBMIT_PRACTITIONERS, "p", "submitRegisteredPractitioners"),
}


async def read_profile(gw: GatewayHarness, variables: dict[str, Any]) -> dict[str, Any]:
    """The profile as the admin reads it: practitioners are natural persons, hidden from the public and portals."""
    key = getattr(gw, "admin_key", None)
    if key is None:
        key = gw.admin_key = await gw.create_key("admin")  # type: ignore[attr-defined]
    return await gw.graphql(PROFILE, variables, key=key)


PROFILE = """query($c: String!) { subject(code: $c) { name kind construction {
  qualifications { certificateNumber qualificationCategory specialty grade validFrom validUntil inForce
                   polarity category documentNumber }
  goodConduct { documentNumber conduct behaviourCategory polarity severity publicityMonths publicityEndsOn category }
  badConduct { documentNumber behaviourCategory severity fineAmount penaltyMonths publicityMonths publicityEndsOn
               facts decisionContent polarity category }
  blacklist { documentNumber criterion listedOn removalDue inForce severity polarity facts }
  isBlacklisted
  registrations { certificateNumber registrationType specialty validUntil practitionerName practitionerCode
                  employerName employerCode category polarity }
  registeredPractitioners { practitionerName practitionerCode registrationType certificateNumber validUntil }
} } }"""


def _decision(code: str, name: str, decided: date | str, **kw: Any) -> dict:
    return {
        "subjectCode": code,
        "subjectName": name,
        "decisionDate": str(decided),
        "decidingAuthority": PROVINCE,
        "decidingAuthorityCode": PROVINCE_CODE,
        "sourceUnit": PROVINCE,
        "sourceUnitCode": PROVINCE_CODE,
        **kw,
    }


def qualification(number: str = "D235012345", **kw: Any) -> dict:
    return {
        **_decision(ENTERPRISE, ENTERPRISE_NAME, "2024-03-15"),
        "certificateNumber": number,
        "qualificationCategory": "GENERAL_CONTRACTING",
        "specialty": "建筑工程",
        "grade": "FIRST",
        "validFrom": "2024-03-15",
        "validUntil": "2029-03-14",
        **kw,
    }


def bad_conduct(number: str = "榕建罚〔2025〕12号", **kw: Any) -> dict:
    return {
        **_decision(
            ENTERPRISE, ENTERPRISE_NAME, "2025-01-31", decidingAuthority=BUREAU, decidingAuthorityCode=BUREAU_CODE
        ),
        "partyType": "LEGAL_PERSON",
        "documentNumber": number,
        "conduct": "BAD",
        "behaviourCategory": "SAFETY",
        "facts": "施工现场未按规定设置安全防护设施",
        "decisionContent": "责令停业整顿，罚款5万元",
        "severity": "GENERAL",
        "publicityMonths": 13,
        "penaltyMonths": 6,
        "fineAmount": "50000",
        **kw,
    }


def good_conduct(number: str = "闽建表〔2025〕3号", **kw: Any) -> dict:
    return {
        **_decision(ENTERPRISE, ENTERPRISE_NAME, "2025-06-30"),
        "partyType": "LEGAL_PERSON",
        "documentNumber": number,
        "conduct": "GOOD",
        "behaviourCategory": "PROJECT_AWARD",
        "facts": "承建的鼓楼区安置房项目获评“闽江杯”优质工程",
        "decisionContent": "予以通报表扬",
        **kw,
    }


def listing(number: str = "闽建黑〔2025〕2号", listed: date = TODAY - timedelta(days=30), **kw: Any) -> dict:
    return {
        **_decision(ENTERPRISE, ENTERPRISE_NAME, listed),
        "partyType": "LEGAL_PERSON",
        "documentNumber": number,
        "criterion": "QUALIFICATION_LENDING",
        "facts": "允许其他单位以本企业名义承揽工程",
        "removalDue": str(rules.add_months(listed, 36)),
        **kw,
    }


def practitioner(number: str = "闽1352024000001", code: str = PERSON, name: str = "张建华", **kw: Any) -> dict:
    registered = TODAY - timedelta(days=100)
    return {
        **_decision(code, name, registered),
        "certificateNumber": number,
        "registrationType": "FIRST_CLASS_CONSTRUCTOR",
        "specialty": "建筑工程",
        "employerCode": ENTERPRISE,
        "employerName": ENTERPRISE_NAME,
        "validUntil": str(registered + timedelta(days=3 * 365)),
        **kw,
    }


@pytest.fixture
async def key(gw: GatewayHarness) -> str:
    return await gw.create_key("department", domain="construction")


async def _submit(gw: GatewayHarness, kind: str, items: list[dict], key: str | None) -> dict:
    query, variable, _ = MUTATIONS[kind]
    return await gw.graphql(query, {variable: items}, key=key)


def _result(body: dict, kind: str) -> dict:
    assert "errors" not in body, body
    return body["data"][MUTATIONS[kind][2]]


async def _count(gw: GatewayHarness, table: str = "credit_record") -> int:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_every_kind_is_submitted_read_back_and_idempotent(gw: GatewayHarness, key: str) -> None:
    batches = {
        "qualification": [qualification()],
        "conduct": [bad_conduct(), good_conduct()],
        "blacklist": [listing()],
        "practitioner": [practitioner()],
    }
    first = {kind: _result(await _submit(gw, kind, items, key), kind) for kind, items in batches.items()}
    assert {kind: r["created"] for kind, r in first.items()} == {k: len(v) for k, v in batches.items()}
    for kind, items in batches.items():
        again = _result(await _submit(gw, kind, items, key), kind)
        assert (again["created"], again["unchanged"]) == (0, len(items))
        assert [r["recordId"] for r in again["records"]] == [r["recordId"] for r in first[kind]["records"]]
    assert await _count(gw) == 5

    enterprise = (await read_profile(gw, {"c": ENTERPRISE}))["data"]["subject"]
    construction = enterprise["construction"]
    assert construction["qualifications"] == [
        {
            "certificateNumber": "D235012345",
            "documentNumber": "D235012345",
            "qualificationCategory": "GENERAL_CONTRACTING",
            "specialty": "建筑工程",
            "grade": "FIRST",
            "validFrom": "2024-03-15",
            "validUntil": "2029-03-14",
            "inForce": date(2024, 3, 15) <= TODAY <= date(2029, 3, 14),
            "polarity": "NEUTRAL",
            "category": "QUALIFICATION",
        }
    ]
    assert construction["badConduct"] == [
        {
            "documentNumber": "榕建罚〔2025〕12号",
            "behaviourCategory": "SAFETY",
            "severity": "GENERAL",
            "fineAmount": "50000.00",
            "penaltyMonths": 6,
            "publicityMonths": 13,
            "publicityEndsOn": "2026-02-28",  # 2025-01-31 + 13 months, on the last day of February
            "facts": "施工现场未按规定设置安全防护设施",
            "decisionContent": "责令停业整顿，罚款5万元",
            "polarity": "NEGATIVE",
            "category": "BAD_CONDUCT",
        }
    ]
    assert construction["goodConduct"] == [
        {
            "documentNumber": "闽建表〔2025〕3号",
            "conduct": "GOOD",
            "behaviourCategory": "PROJECT_AWARD",
            "polarity": "POSITIVE",
            "severity": None,
            "publicityMonths": 36,
            "publicityEndsOn": "2028-06-30",
            "category": "GOOD_CONDUCT",
        }
    ]
    [entry] = construction["blacklist"]
    assert entry["criterion"] == "QUALIFICATION_LENDING" and entry["listedOn"] == str(TODAY - timedelta(days=30))
    assert (entry["inForce"], entry["severity"], entry["polarity"]) == (True, "SERIOUS", "NEGATIVE")
    assert construction["isBlacklisted"] is True
    assert construction["registrations"] == []  # an enterprise registers no one as itself
    assert construction["registeredPractitioners"] == [
        {
            "practitionerName": "张建华",
            "practitionerCode": "110105********002X",
            "registrationType": "FIRST_CLASS_CONSTRUCTOR",
            "certificateNumber": "闽1352024000001",
            "validUntil": practitioner()["validUntil"],
        }
    ]

    person = (await read_profile(gw, {"c": PERSON}))["data"]["subject"]
    assert person["kind"] == "NATURAL_PERSON"
    [registration] = person["construction"]["registrations"]
    assert registration["employerName"] == ENTERPRISE_NAME and registration["employerCode"] == ENTERPRISE
    assert registration["practitionerCode"] == "110105********002X"
    assert (registration["category"], registration["polarity"]) == ("PRACTITIONER_REGISTRATION", "NEUTRAL")
    assert person["construction"]["registeredPractitioners"] == []


async def test_a_subject_without_construction_records_has_an_empty_profile(gw: GatewayHarness, key: str) -> None:
    _result(await _submit(gw, "practitioner", [practitioner()], key), "practitioner")
    employer = (await read_profile(gw, {"c": ENTERPRISE}))["data"]["subject"]  # registered as the employer
    assert employer["name"] == ENTERPRISE_NAME and employer["kind"] == "LEGAL_PERSON"
    profile = employer["construction"]
    assert profile["qualifications"] == profile["blacklist"] == profile["registrations"] == []
    assert profile["isBlacklisted"] is False and len(profile["registeredPractitioners"]) == 1
    assert (await read_profile(gw, {"c": "91110108551385082Q"}))["data"]["subject"] is None


async def test_changed_records_and_taken_numbers_are_refused_and_nothing_written(gw: GatewayHarness, key: str) -> None:
    _result(await _submit(gw, "conduct", [bad_conduct()], key), "conduct")
    changed = await _submit(gw, "conduct", [good_conduct(), bad_conduct(fineAmount="60000")], key)
    assert error_codes(changed) == ["DUPLICATE_RECORD"]
    assert [f["index"] for f in changed["errors"][0]["extensions"]["failures"]] == [1]
    # The same source unit may not reuse a number for another kind of record either.
    taken = await _submit(gw, "qualification", [qualification(number="榕建罚〔2025〕12号")], key)
    assert error_codes(taken) == ["DUPLICATE_RECORD"]
    contradicting = await _submit(gw, "blacklist", [listing(), listing(criterion="MAJOR_ACCIDENT")], key)
    assert error_codes(contradicting) == ["DUPLICATE_RECORD"]
    assert await _count(gw) == 1


CASES: list[tuple[str, dict, str]] = [
    # dates
    ("qualification", qualification(validUntil="2024-03-15"), "validUntil"),
    ("qualification", qualification(validFrom="2024-03-01"), "validFrom"),
    ("qualification", qualification(decisionDate=str(TODAY + timedelta(days=1))), "decisionDate"),
    ("qualification", qualification(decisionDate="1997-12-31", validFrom="1997-12-31"), "decisionDate"),
    ("blacklist", listing(removalDue=str(TODAY - timedelta(days=30))), "removalDue"),
    ("practitioner", practitioner(validUntil=str(TODAY - timedelta(days=100))), "validUntil"),
    # publicity and penalties
    ("conduct", bad_conduct(publicityMonths=5, penaltyMonths=None), "publicityMonths"),
    ("conduct", bad_conduct(publicityMonths=37, penaltyMonths=None), "publicityMonths"),
    ("conduct", bad_conduct(publicityMonths=None), "publicityMonths"),
    ("conduct", bad_conduct(publicityMonths=6, penaltyMonths=12), "publicityMonths"),
    ("conduct", bad_conduct(penaltyMonths=0), "penaltyMonths"),
    ("conduct", good_conduct(publicityMonths=12), "publicityMonths"),
    ("conduct", good_conduct(penaltyMonths=3), "penaltyMonths"),
    ("conduct", good_conduct(fineAmount="100"), "fineAmount"),
    # amounts
    ("conduct", bad_conduct(fineAmount="-1"), "fineAmount"),
    ("conduct", bad_conduct(fineAmount="0.001"), "fineAmount"),
    # enums that do not fit each other
    ("qualification", qualification(qualificationCategory="SUPERVISION", grade="SPECIAL"), "grade"),
    ("qualification", qualification(qualificationCategory="CONSTRUCTION_LABOUR", grade="FIRST"), "grade"),
    ("conduct", bad_conduct(behaviourCategory="COMMENDATION"), "behaviourCategory"),
    ("conduct", good_conduct(behaviourCategory="SAFETY"), "behaviourCategory"),
    ("conduct", bad_conduct(severity=None), "severity"),
    ("conduct", bad_conduct(severity="MINOR"), "severity"),
    ("conduct", good_conduct(severity="GENERAL"), "severity"),
    # subject codes and party types
    ("conduct", bad_conduct(partyType="NATURAL_PERSON"), "subjectCode"),
    ("conduct", bad_conduct(subjectCode=PERSON, partyType="LEGAL_PERSON"), "subjectCode"),
    ("blacklist", listing(subjectCode=SHOP_CODE, partyType="LEGAL_PERSON"), "subjectCode"),
    ("blacklist", listing(subjectCode="91110000600037341N"), "subjectCode"),
    ("qualification", qualification(subjectCode=PERSON), "subjectCode"),
    ("qualification", qualification(subjectCode=SHOP_CODE), "subjectCode"),
    ("practitioner", practitioner(code=ENTERPRISE), "subjectCode"),
    ("practitioner", practitioner(employerCode=OTHER_PERSON), "employerCode"),
    ("practitioner", practitioner(employerCode=SHOP_CODE), "employerCode"),
    ("practitioner", practitioner(employerCode="91110000600037341N"), "employerCode"),
    ("practitioner", practitioner(employerName=" "), "employerName"),
    # envelope
    ("conduct", bad_conduct(sourceUnitCode=PERSON), "sourceUnitCode"),
    ("blacklist", listing(decidingAuthorityCode="bogus"), "decidingAuthorityCode"),
    ("blacklist", listing(documentNumber=" "), "documentNumber"),
    ("qualification", qualification(specialty=""), "specialty"),
    ("conduct", bad_conduct(facts="x" * 2001), "facts"),
]


@pytest.mark.parametrize(("kind", "item", "field"), CASES, ids=[f"{k}-{f}-{i}" for i, (k, _, f) in enumerate(CASES)])
async def test_invalid_items_name_the_item_and_field(
    gw: GatewayHarness, key: str, kind: str, item: dict, field: str
) -> None:
    valid = {
        "qualification": qualification(number="D235099999"),
        "conduct": good_conduct(number="闽建表〔2025〕99号"),
        "blacklist": listing(number="闽建黑〔2025〕99号"),
        "practitioner": practitioner(number="闽1352024099999", code=OTHER_PERSON, name="李明"),
    }[kind]
    body = await _submit(gw, kind, [valid, item], key)
    assert error_codes(body) == ["INVALID_SUBMISSION"], body
    failures = body["errors"][0]["extensions"]["failures"]
    assert {(f["index"], f["field"]) for f in failures} >= {(1, field)}, failures
    assert all(f["index"] == 1 for f in failures)
    assert await _count(gw) == 0 and await _count(gw, "subject") == 0


async def test_an_unknown_enum_value_is_refused_by_the_schema(gw: GatewayHarness, key: str) -> None:
    body = await _submit(gw, "blacklist", [listing(criterion="LATE_TAXES")], key)
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert await _count(gw) == 0


@pytest.mark.parametrize(
    ("role", "domain", "code"),
    [
        (None, None, "GRAPHQL_VALIDATION_FAILED"),
        ("department", "tax", "FORBIDDEN"),
        ("portal", None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_only_construction_department_or_admin_submit(
    gw: GatewayHarness, role: str | None, domain: str | None, code: str
) -> None:
    other = await gw.create_key(role, domain=domain) if role else None
    for kind, item in (("qualification", qualification()), ("practitioner", practitioner())):
        assert set(error_codes(await _submit(gw, kind, [item], other))) == {code}
    assert await _count(gw) == 0
    admin = await gw.create_key("admin")
    assert _result(await _submit(gw, "qualification", [qualification()], admin), "qualification")["created"] == 1


async def test_batch_bounds(gw: GatewayHarness, key: str) -> None:
    assert error_codes(await _submit(gw, "conduct", [], key)) == ["INVALID_SUBMISSION"]
    over = [good_conduct(number=f"闽建表〔2025〕{n}号") for n in range(501)]
    assert error_codes(await _submit(gw, "conduct", over, key)) == ["LIMIT_EXCEEDED"]


async def test_an_enterprise_lists_the_practitioners_registered_with_it(gw: GatewayHarness, key: str) -> None:
    """The employer is created with the submitted name when unknown, kept as it is when known; expired
    and other employers' registrations are not listed."""
    other_employer = "91110108551385082Q"
    _result(
        await _submit(gw, "qualification", [qualification(subjectName="北京京华建设集团有限公司（资质）")], key),
        "qualification",
    )
    items = [
        practitioner(),
        practitioner(
            "闽2352024000002",
            code=OTHER_PERSON,
            name="李明",
            registrationType="SUPERVISION_ENGINEER",
            specialty=None,
        ),
        practitioner(  # registered 2020, expired 2023: not listed
            "闽1352020000003",
            code=OTHER_PERSON,
            name="李明",
            decisionDate="2020-05-01",
            validUntil="2023-04-30",
        ),
        practitioner(
            "闽1352024000004", code=OTHER_PERSON, name="李明", employerCode=other_employer, employerName="数据"
        ),
    ]
    assert _result(await _submit(gw, "practitioner", items, key), "practitioner")["created"] == 4
    profile = (await read_profile(gw, {"c": ENTERPRISE}))["data"]["subject"]
    assert profile["name"] == "北京京华建设集团有限公司（资质）"  # the employer's submitted name did not overwrite it
    listed = profile["construction"]["registeredPractitioners"]
    assert [(p["practitionerName"], p["registrationType"]) for p in listed] == [
        ("张建华", "FIRST_CLASS_CONSTRUCTOR"),
        ("李明", "SUPERVISION_ENGINEER"),
    ]
    created = (await read_profile(gw, {"c": other_employer}))["data"]["subject"]
    assert (created["name"], created["kind"]) == ("数据", "LEGAL_PERSON")
    assert [p["certificateNumber"] for p in created["construction"]["registeredPractitioners"]] == ["闽1352024000004"]
    person = (await read_profile(gw, {"c": OTHER_PERSON}))["data"]["subject"]["construction"]
    assert len(person["registrations"]) == 3
    assert await _count(gw, "subject") == 4  # two enterprises, two persons


async def test_many_practitioners_with_many_employers_each_read_back_their_own(gw: GatewayHarness, key: str) -> None:
    subjects = demo_subjects(600)
    people = [s for s in subjects if s.code.is_natural_person][:40]
    employers = [s for s in subjects if s.code.value[:2] == "91"][:40]
    items = [
        practitioner(
            f"闽1352024{n:06d}", code=p.code.value, name=p.name, employerCode=e.code.value, employerName=e.name
        )
        for n, (p, e) in enumerate(zip(people, employers, strict=True))
    ]
    assert _result(await _submit(gw, "practitioner", items, key), "practitioner")["created"] == 40
    body = await gw.graphql(
        "query($c: [String!]!) { subjects(codes: $c) { name construction { registeredPractitioners { practitionerName"
        " } } } }",
        {"c": [e.code.value for e in employers]},
        key=await gw.create_key("portal"),
    )
    got = [
        [p["practitionerName"] for p in s["construction"]["registeredPractitioners"]] for s in body["data"]["subjects"]
    ]
    assert got == [[p.name] for p in people]
    assert [s["name"] for s in body["data"]["subjects"]] == [e.name for e in employers]


async def test_records_span_the_envelope_with_concrete_types(gw: GatewayHarness, key: str) -> None:
    await _submit(gw, "qualification", [qualification()], key)
    await _submit(gw, "conduct", [bad_conduct(), good_conduct()], key)
    await _submit(gw, "blacklist", [listing()], key)
    # As of mid-2025, when the bad conduct (2025-01-31, 13 months of publicity) is still published.
    gw.clock.travel_to(date(2025, 6, 30))
    query = """query($p: Polarity, $d: String) {
      subject(code: "91110000600037341L") { records(polarity: $p, domain: $d) {
        __typename domain decisionDate
        ... on ConstructionQualification { grade }
        ... on ConstructionConductRecord { conduct publicityEndsOn }
        ... on ConstructionBlacklistEntry { criterion } } } }"""
    everything = (await gw.graphql(query, {"d": "construction"}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in everything] == [
        "ConstructionBlacklistEntry",
        "ConstructionConductRecord",
        "ConstructionConductRecord",
        "ConstructionQualification",
    ]
    assert {r["domain"] for r in everything} == {"construction"}
    negative = (await gw.graphql(query, {"p": "NEGATIVE", "d": "construction"}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in negative] == ["ConstructionBlacklistEntry", "ConstructionConductRecord"]
    positive = (await gw.graphql(query, {"p": "POSITIVE"}))["data"]["subject"]["records"]
    assert [r["conduct"] for r in positive] == ["GOOD"]


async def test_repeated_listing_numbers_in_other_units_are_distinct_records(gw: GatewayHarness, key: str) -> None:
    """Idempotency is per (source unit, document number): another unit's number 2 is another record."""
    items = [listing(), listing(sourceUnit=BUREAU, sourceUnitCode=BUREAU_CODE)]
    assert _result(await _submit(gw, "blacklist", items, key), "blacklist")["created"] == 2


def _rows(importer: Any, text: str) -> list[Any]:
    """Parse CSV text with an importer's columns, as the import command does (first heading present)."""
    reader = csv.DictReader(io.StringIO(text))
    inputs = []
    for row in reader:
        values = {}
        for column in importer.columns:
            heading = next((h for h in column.headings if h in row), None)
            assert heading is not None or not column.required, column.field
            if heading is not None:
                values[column.field] = column.parse(row[heading])
        inputs.append(importer.make_input(**values))
    return inputs


def _csv(*rows: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


DECIDED_BY = {
    "bureau": [BUREAU, BUREAU_CODE, PROVINCE, PROVINCE_CODE],
    "province": [PROVINCE, PROVINCE_CODE, PROVINCE, PROVINCE_CODE],
}
UNITS = ["实施机关", "实施机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]
ORG = [ENTERPRISE_NAME, ENTERPRISE]
CONDUCT_CSV = _csv(
    [
        *["企业名称", "统一社会信用代码", "主体类别", "不良行为记录编号", "行为性质", "行为类别", "事实"],
        *["处罚决定内容", "严重程度", "公示期限（月）", "处罚期限（月）", "罚款金额（元）", "决定日期", *UNITS],
    ],
    [
        *[*ORG, "法人及非法人组织", "榕建罚〔2025〕31号", "不良行为", "工程质量不良行为", "混凝土强度不足"],
        *["罚款", "一般", "12", "6", "120,000.00", "2025年3月5日", *DECIDED_BY["bureau"]],
    ],
    [
        *[*ORG, "法人", "闽建表〔2025〕32号", "良好行为", "工程获奖", "获评优质工程"],
        *["通报表扬", "", "", "", "", "2025/4/1", *DECIDED_BY["province"]],
    ],
    [
        *[*ORG, "法人", "榕建罚〔2025〕33号", "不良行为", "工程安全", "未设防护"],
        *["罚款", "严重", "3", "", "", "2025-05-01", *DECIDED_BY["bureau"]],
    ],
)
BLACKLIST_CSV = _csv(
    ["企业名称", "统一社会信用代码", "主体类别", "列入决定文书号", "列入事由", "事实", "列入日期", "移出日期", *UNITS],
    [
        *[*ORG, "企业", "闽建黑〔2025〕5号", "出借资质", "允许他人以本企业名义承揽工程"],
        *[str(TODAY - timedelta(days=10)), str(TODAY + timedelta(days=700)), *DECIDED_BY["province"]],
    ],
)


async def test_importers_read_the_columns_departments_export(gw: GatewayHarness) -> None:
    importers = {i.name: i for i in IMPORTERS}
    assert set(gw.graph.composition.importers["construction"]) == set(importers)
    policy = SubmissionPolicy(secret_key=gw.settings.secret_key)
    conduct = importers["conduct"]
    written, rejected = await conduct.kind.submit_valid(gw.engine, _rows(conduct, CONDUCT_CSV), policy)
    assert [w.index for w in written] == [0, 1]
    assert [(e.index, e.field) for e in rejected] == [(2, "publicityMonths")]  # 3 months is too short
    listing_importer = importers["blacklist"]
    written, rejected = await listing_importer.kind.submit_valid(
        gw.engine, _rows(listing_importer, BLACKLIST_CSV), policy
    )
    assert len(written) == 1 and rejected == []
    profile = (await read_profile(gw, {"c": ENTERPRISE}))["data"]["subject"]["construction"]
    assert profile["badConduct"][0]["fineAmount"] == "120000.00"
    assert profile["badConduct"][0]["behaviourCategory"] == "QUALITY"
    assert profile["goodConduct"][0]["publicityEndsOn"] == "2028-04-01"
    assert profile["isBlacklisted"] is True
    # Importing again adds nothing.
    written, _ = await conduct.kind.submit_valid(gw.engine, _rows(conduct, CONDUCT_CSV), policy)
    assert {w.status.value for w in written} == {"UNCHANGED"}


def test_cell_parsers_name_the_bad_value() -> None:
    conduct = next(i for i in IMPORTERS if i.name == "conduct")
    by_field = {c.field: c for c in conduct.columns}
    with pytest.raises(ValueError, match="unknown value"):
        by_field["behaviour_category"].parse("偷工减料")
    assert by_field["party_type"].parse("自然人").value == "NATURAL_PERSON"
    assert by_field["fine_amount"].parse(" ") is None


async def test_demo_has_every_kind_and_reseeding_changes_nothing(gw: GatewayHarness) -> None:
    from gateway.api import DemoContext
    from plugins.construction.demo import build_demo

    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=300, today=TODAY)
    counts = {t: await _count(gw, t) for t in ("credit_record", "construction_registration", "subject")}
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=300, today=TODAY)
    assert {t: await _count(gw, t) for t in counts} == counts
    context = DemoContext(engine=gw.engine, subjects=demo_subjects(300), today=TODAY, secret_key=gw.settings.secret_key)
    inputs = build_demo(context)
    assert len(inputs.practitioners) >= 20 and inputs.blacklist and inputs.conduct
    policy = SubmissionPolicy(secret_key=gw.settings.secret_key, today=TODAY)
    again = await REGISTRATIONS.submit(gw.engine, inputs.practitioners, policy)
    assert {item.status.value for item in again} == {"UNCHANGED"}
    showcase = (await read_profile(gw, {"c": "91350100M000100Y43"}))["data"]["subject"]["construction"]
    assert showcase["qualifications"] and showcase["goodConduct"] and showcase["badConduct"]
    assert showcase["registeredPractitioners"][0]["practitionerCode"] == "110102********0078"


PROFILES = """query($c: [String!]!) { subjects(codes: $c) { name
  construction { qualifications { grade validUntil } goodConduct { documentNumber } badConduct { publicityEndsOn }
                 blacklist { criterion } isBlacklisted registrations { employerName }
                 registeredPractitioners { practitionerName registrationType } }
  records(domain: "construction") { __typename id ... on ConstructionConductRecord { conduct } } } }"""


async def test_profile_statements_do_not_grow_with_subjects(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=400, today=TODAY)
    codes = [s.code.value for s in demo_subjects(400)][:100]
    # Practitioners are not for the public: read as a portal, whose request also costs the key
    # look-up, the persisted-operation check and the query record (last hash, one insert).
    portal = await gw.create_key("portal")

    async def count(batch: list[str]) -> tuple[int, dict]:
        with count_statements(gw.engine) as counter:
            body = await gw.graphql(PROFILES, {"c": batch}, key=portal)
        assert "errors" not in body, body
        return counter.count, body

    one, _ = await count(codes[:1])
    hundred, body = await count(codes)
    # subject look-up + construction records + practitioners by employer + the core's own records
    # (broken commitments), plus the five a keyed request always costs (key, persisted-operation
    # restriction, query record: last hash, insert …)
    assert one == hundred == 4 + 5
    subjects = [s for s in body["data"]["subjects"] if s is not None]  # natural persons: not for portals
    assert sum(1 for s in subjects if s["construction"]["qualifications"]) > 10
    assert any(s["construction"]["registeredPractitioners"] for s in subjects[1:])
    persons = await gw.graphql(PROFILES, {"c": codes}, key=await gw.create_key("admin"))
    assert any(s["construction"]["registrations"] for s in persons["data"]["subjects"] if s)


async def test_the_public_does_not_see_registered_practitioners(gw: GatewayHarness) -> None:
    for field in ("registrations", "registeredPractitioners"):
        body = await gw.graphql(
            f'{{ subject(code: "{ENTERPRISE}") {{ construction {{ {field} {{ certificateNumber }} }} }} }}'
        )
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"], field
