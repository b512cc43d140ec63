"""The urban management plugin over HTTP: the four record kinds (double-publicity penalties and
licences, 门前三包 red/black list entries, inspection results), their validation, idempotency and
permissions, the profile and the cross-domain records field, imports, demo data, and statement counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.api import Importer, SubmissionPolicy
from gateway.db.engine import count_statements
from gateway.host.demo import demo_subjects, seed
from gateway.testing import GatewayHarness, error_codes


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


SOURCE = "福州市城市管理委员会"
SOURCE_CODE = _with_check("11350100MB1703851")
OTHER_SOURCE_CODE = _with_check("11350100MB1709999")
AUTHORITY = "福州市鼓楼区城市管理局"
AUTHORITY_CODE = _with_check("11350102MB1705127")
COMPANY, COMPANY_NAME = "91310115MA1K3BTP2B", "上海浦东新区明珠文化传媒有限公司"
PERSON, PERSON_NAME = "11010519491231002X", "张建华"
SHOP, SHOP_NAME = _with_check("92350102MA2Y7P3K0"), "福州鼓楼榕城小吃店"

RESULT = "created unchanged records { index status recordId }"
SUBMIT_PENALTIES = f"""mutation($p: [AdministrativePenaltyInput!]!) {{
  submitUrbanManagementPenalties(penalties: $p) {{ {RESULT} }} }}"""
SUBMIT_LICENSES = f"""mutation($l: [AdministrativeLicenseInput!]!) {{
  submitUrbanManagementLicenses(licenses: $l) {{ {RESULT} }} }}"""
SUBMIT_ENTRIES = f"""mutation($e: [CreditListEntryInput!]!) {{
  submitUrbanManagementListEntries(entries: $e) {{ {RESULT} }} }}"""
SUBMIT_INSPECTIONS = f"""mutation($i: [UrbanInspectionInput!]!) {{
  submitUrbanInspections(inspections: $i) {{ {RESULT} }} }}"""
PROFILE = """query($c: String!) { subject(code: $c) { code kind urbanManagement {
  penalties { domain category polarity severity documentNumber partyType legalRepresentative violationType
              penaltyCategories fineAmount confiscatedAmount decisionDate validityDate publicityEndDate subArea
              content sourceUnitCode }
  licenses { documentNumber documentTitle licenseCategory certificateNumber validFrom validTo licenseStatus subArea }
  inspections { documentNumber polarity severity category inspectionType subArea inspectionItem result findings
                inspectionDate decisionDate rectificationDeadline inspectorUnit partyType }
  redList { listName reason measures decisionDate removalDate isCurrent polarity }
  blackList { listName reason measures isCurrent severity }
  onBlackList } } }"""


def penalty(number: str = "鼓城管罚决〔2026〕501号", **kw: Any) -> dict:
    return {
        "partyName": COMPANY_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": COMPANY,
        "legalRepresentative": "王建国",
        "documentNumber": number,
        "violationType": "擅自设置户外广告设施",
        "facts": "未经批准，在五一中路沿街建筑外立面擅自设置户外广告牌，面积约12平方米。",
        "legalBasis": "《城市市容和环境卫生管理条例》第十一条、第三十六条",
        "penaltyCategories": ["FINE"],
        "content": "责令改正，处罚款人民币2,000元。",
        "fineAmount": "0.2",
        "decisionDate": "2026-03-18",
        "validityDate": "2027-03-18",
        "publicityEndDate": "2027-03-18",
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "OUTDOOR_ADVERTISING",
        **kw,
    }


def street_penalty(**kw: Any) -> dict:
    """A street vendor, a natural person, warned and relieved of the cart."""
    return penalty(
        number="鼓城管罚决〔2026〕502号",
        partyName=PERSON_NAME,
        partyType="NATURAL_PERSON",
        partyCode=PERSON,
        legalRepresentative=None,
        violationType="占道经营",
        facts="在八一七北路人行道上摆摊设点、占道经营，经劝阻拒不改正。",
        penaltyCategories=["WARNING", "CONFISCATION"],
        content="警告，没收经营工具。",
        fineAmount=None,
        confiscatedAmount="0.015",
        decisionDate="2026-05-06",
        validityDate=None,
        publicityEndDate="2026-08-06",
        subArea="占道经营/流动摊贩",  # the label is accepted and stored as the code
        **kw,
    )


def license_(number: str = "鼓城管许〔2026〕301号", **kw: Any) -> dict:
    return {
        "partyName": SHOP_NAME,
        "partyType": "INDIVIDUAL_BUSINESS",
        "partyCode": SHOP,
        "legalRepresentative": "林海燕",
        "documentTitle": "户外广告设施设置许可决定书",
        "documentNumber": number,
        "licenseCategory": "ORDINARY",
        "certificateName": "户外广告设置许可证",
        "certificateNumber": "FZCG202600301",
        "content": "同意在杨桥东路设置户外广告牌1块。",
        "decisionDate": "2026-04-02",
        "validFrom": "2026-04-02",
        "validTo": "2029-04-01",
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "OUTDOOR_ADVERTISING",
        **kw,
    }


def entry(number: str = "榕城管信〔2026〕41号", list_type: str = "RED", **kw: Any) -> dict:
    return {
        "partyName": SHOP_NAME,
        "partyType": "INDIVIDUAL_BUSINESS",
        "partyCode": SHOP,
        "listType": list_type,
        "listName": f"福州市2026年第3季度门前三包{'红榜' if list_type == 'RED' else '黑榜'}",
        "reason": "门前三包责任落实到位" if list_type == "RED" else "门前三包责任区内多次乱堆乱放，拒不整改",
        "documentNumber": number,
        "decisionDate": "2026-07-10",
        "decidingAuthority": SOURCE,
        "decidingAuthorityCode": SOURCE_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "FRONTAGE_RESPONSIBILITY",
        **kw,
    }


def inspection(number: str = "鼓城管检〔2026〕201号", result: str = "PASSED", **kw: Any) -> dict:
    return {
        "partyName": COMPANY_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": COMPANY,
        "documentNumber": number,
        "inspectionType": "RANDOM",
        "subArea": "FRONTAGE_RESPONSIBILITY",
        "inspectionItem": "门前三包责任落实情况",
        "inspectionDate": "2026-06-15",
        "result": result,
        "findings": "责任区内整洁有序。" if result == "PASSED" else "责任区内堆放纸箱杂物。",
        "rectificationDeadline": None if result == "PASSED" else "2026-06-30",
        "inspectorUnit": "福州市鼓楼区城市管理局第一中队",
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        **kw,
    }


@pytest.fixture
async def urban_key(gw: GatewayHarness) -> str:
    return await gw.create_key("department", domain="urban_management")


async def _record_count(gw: GatewayHarness) -> int:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.text("SELECT count(*) FROM credit_record"))).scalar_one()


async def _profile(gw: GatewayHarness, code: str) -> dict:
    # As the admin: natural persons, some of whom are penalised here, are hidden from the public.
    body = await gw.graphql(PROFILE, {"c": code}, key=await gw.create_key("admin"))
    assert "errors" not in body, body
    return body["data"]["subject"]["urbanManagement"]


async def test_penalties_are_submitted_read_and_idempotent(gw: GatewayHarness, urban_key: str) -> None:
    batch = [penalty(), street_penalty()]
    first = await gw.graphql(SUBMIT_PENALTIES, {"p": batch}, key=urban_key)
    assert first["data"]["submitUrbanManagementPenalties"]["created"] == 2
    again = (await gw.graphql(SUBMIT_PENALTIES, {"p": batch}, key=urban_key))["data"]["submitUrbanManagementPenalties"]
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert [r["recordId"] for r in again["records"]] == [
        r["recordId"] for r in first["data"]["submitUrbanManagementPenalties"]["records"]
    ]
    [company] = (await _profile(gw, COMPANY))["penalties"]
    assert company == {
        "domain": "urban_management",
        "category": "ADMINISTRATIVE_PENALTY",
        "polarity": "NEGATIVE",
        "severity": "GENERAL",
        "documentNumber": "鼓城管罚决〔2026〕501号",
        "partyType": "LEGAL_PERSON",
        "legalRepresentative": "王建国",
        "violationType": "擅自设置户外广告设施",
        "penaltyCategories": ["FINE"],
        "fineAmount": "0.200000",  # 万元: 2,000 yuan
        "confiscatedAmount": None,
        "decisionDate": "2026-03-18",
        "validityDate": "2027-03-18",
        "publicityEndDate": "2027-03-18",
        "subArea": "OUTDOOR_ADVERTISING",
        "content": "责令改正，处罚款人民币2,000元。",
        "sourceUnitCode": SOURCE_CODE,
    }
    public = await gw.graphql("query($c: String!) { subject(code: $c) { code } }", {"c": PERSON})
    assert public["data"]["subject"] is None  # not for the public
    person = await gw.graphql(PROFILE, {"c": PERSON}, key=await gw.create_key("admin"))
    subject = person["data"]["subject"]
    assert subject["code"] == "110105********002X" and subject["kind"] == "NATURAL_PERSON"
    [vendor] = subject["urbanManagement"]["penalties"]
    assert vendor["subArea"] == "STREET_MERCHANTS" and vendor["severity"] == "GENERAL"  # a confiscation is not minor
    assert vendor["penaltyCategories"] == ["CONFISCATION", "WARNING"] and vendor["confiscatedAmount"] == "0.015000"
    assert await _record_count(gw) == 2


async def test_a_changed_resubmission_is_a_duplicate_and_nothing_is_written(gw: GatewayHarness, urban_key: str) -> None:
    await gw.graphql(SUBMIT_PENALTIES, {"p": [penalty()]}, key=urban_key)
    changed = await gw.graphql(
        SUBMIT_PENALTIES, {"p": [penalty(number="鼓城管罚决〔2026〕9号"), penalty(fineAmount="0.3")]}, key=urban_key
    )
    assert error_codes(changed) == ["DUPLICATE_RECORD"]
    assert [f["index"] for f in changed["errors"][0]["extensions"]["failures"]] == [1]
    # The same number from another source unit is another decision.
    other = await gw.graphql(SUBMIT_PENALTIES, {"p": [penalty(sourceUnitCode=OTHER_SOURCE_CODE)]}, key=urban_key)
    assert other["data"]["submitUrbanManagementPenalties"]["created"] == 1
    # A document number held by a penalty cannot be reused for an inspection of the same unit.
    clash = await gw.graphql(SUBMIT_INSPECTIONS, {"i": [inspection(number="鼓城管罚决〔2026〕501号")]}, key=urban_key)
    assert error_codes(clash) == ["DUPLICATE_RECORD"]
    contradicting = await gw.graphql(
        SUBMIT_INSPECTIONS, {"i": [inspection(), inspection(findings="另一份检查记录")]}, key=urban_key
    )
    assert error_codes(contradicting) == ["DUPLICATE_RECORD"]
    assert await _record_count(gw) == 2


async def test_licences_are_submitted_read_and_idempotent(gw: GatewayHarness, urban_key: str) -> None:
    batch = [
        license_(),
        license_(
            number="鼓城管许〔2024〕12号",
            partyName=COMPANY_NAME,
            partyType="LEGAL_PERSON",
            partyCode=COMPANY,
            documentTitle="从事城市生活垃圾经营性清扫、收集、运输服务许可决定书",
            decisionDate="2024-02-29",  # a leap day: validFrom is checked against a year before it
            validFrom="2023-03-01",
            validTo="2099-12-31",
            subArea="SANITATION",
        ),
    ]
    assert (await gw.graphql(SUBMIT_LICENSES, {"l": batch}, key=urban_key))["data"]["submitUrbanManagementLicenses"][
        "created"
    ] == 2
    again = await gw.graphql(SUBMIT_LICENSES, {"l": batch}, key=urban_key)
    assert again["data"]["submitUrbanManagementLicenses"]["unchanged"] == 2
    assert (await _profile(gw, SHOP))["licenses"] == [
        {
            "documentNumber": "鼓城管许〔2026〕301号",
            "documentTitle": "户外广告设施设置许可决定书",
            "licenseCategory": "ORDINARY",
            "certificateNumber": "FZCG202600301",
            "validFrom": "2026-04-02",
            "validTo": "2029-04-01",
            "licenseStatus": "VALID",
            "subArea": "OUTDOOR_ADVERTISING",
        }
    ]
    [long_term] = (await _profile(gw, COMPANY))["licenses"]
    assert long_term["validTo"] == "2099-12-31" and long_term["subArea"] == "SANITATION"
    too_early = license_(number="鼓城管许〔2024〕13号", decisionDate="2024-02-29", validFrom="2023-02-27")
    body = await gw.graphql(SUBMIT_LICENSES, {"l": [too_early]}, key=urban_key)
    assert error_codes(body) == ["INVALID_SUBMISSION"]
    assert body["errors"][0]["extensions"]["failures"][0]["field"] == "validFrom"


async def test_red_and_black_list_entries(gw: GatewayHarness, urban_key: str) -> None:
    items = [
        entry(removalDate="2027-07-10"),
        entry(number="榕城管信〔2025〕7号", decisionDate="2025-04-08", removalDate="2025-10-08"),
        entry(number="榕城管信〔2026〕42号", list_type="BLACK", measures=["INCREASED_INSPECTION", "STRICTER_PERMITS"]),
    ]
    body = await gw.graphql(SUBMIT_ENTRIES, {"e": items}, key=urban_key)
    assert body["data"]["submitUrbanManagementListEntries"]["created"] == 3
    profile = await _profile(gw, SHOP)
    assert [(e["decisionDate"], e["isCurrent"]) for e in profile["redList"]] == [
        ("2026-07-10", True),
        ("2025-04-08", False),
    ]
    assert profile["redList"][0]["measures"] == ["PUBLIC_COMMENDATION", "REDUCED_INSPECTION"]  # the defaults
    assert profile["redList"][0]["polarity"] == "POSITIVE"
    assert profile["blackList"] == [
        {
            "listName": "福州市2026年第3季度门前三包黑榜",
            "reason": "门前三包责任区内多次乱堆乱放，拒不整改",
            "measures": ["INCREASED_INSPECTION", "STRICTER_PERMITS"],
            "isCurrent": True,
            "severity": "SERIOUS",
        }
    ]
    assert profile["onBlackList"] is True
    removed = entry(
        number="榕城管信〔2025〕3号",
        list_type="BLACK",
        partyName=COMPANY_NAME,
        partyType="LEGAL_PERSON",
        partyCode=COMPANY,
        decisionDate="2025-01-10",
        removalDate="2025-07-10",
    )
    assert "errors" not in await gw.graphql(SUBMIT_ENTRIES, {"e": [removed]}, key=urban_key)
    company = await _profile(gw, COMPANY)
    assert [e["isCurrent"] for e in company["blackList"]] == [False]
    assert company["onBlackList"] is False and company["redList"] == []


async def test_inspections_are_submitted_read_and_idempotent(gw: GatewayHarness, urban_key: str) -> None:
    batch = [
        inspection(),
        inspection(number="鼓城管检〔2026〕202号", result="RECTIFICATION_REQUIRED", inspectionDate="2026-07-01",
                   rectificationDeadline="2026-07-16", inspectionType="ROUTINE"),
        inspection(number="鼓城管检〔2026〕203号", result="FAILED", inspectionDate="2026-07-20",
                   rectificationDeadline=None, inspectionType="FOLLOW_UP", subArea="生活垃圾分类",
                   findings="未设置分类收集容器，混合投放。"),
    ]  # fmt: skip
    first = await gw.graphql(SUBMIT_INSPECTIONS, {"i": batch}, key=urban_key)
    assert first["data"]["submitUrbanInspections"]["created"] == 3
    again = await gw.graphql(SUBMIT_INSPECTIONS, {"i": batch}, key=urban_key)
    assert again["data"]["submitUrbanInspections"]["unchanged"] == 3
    inspections = (await _profile(gw, COMPANY))["inspections"]
    assert [(i["result"], i["polarity"], i["severity"]) for i in inspections] == [
        ("FAILED", "NEGATIVE", "MINOR"),
        ("RECTIFICATION_REQUIRED", "NEUTRAL", None),
        ("PASSED", "POSITIVE", None),
    ]
    assert inspections[0]["subArea"] == "HOUSEHOLD_WASTE_SORTING"
    assert inspections[1] == {
        "documentNumber": "鼓城管检〔2026〕202号",
        "polarity": "NEUTRAL",
        "severity": None,
        "category": "INSPECTION",
        "inspectionType": "ROUTINE",
        "subArea": "FRONTAGE_RESPONSIBILITY",
        "inspectionItem": "门前三包责任落实情况",
        "result": "RECTIFICATION_REQUIRED",
        "findings": "责任区内堆放纸箱杂物。",
        "inspectionDate": "2026-07-01",
        "decisionDate": "2026-07-01",
        "rectificationDeadline": "2026-07-16",
        "inspectorUnit": "福州市鼓楼区城市管理局第一中队",
        "partyType": "LEGAL_PERSON",
    }
    changed = await gw.graphql(SUBMIT_INSPECTIONS, {"i": [inspection(result="FAILED")]}, key=urban_key)
    assert error_codes(changed) == ["DUPLICATE_RECORD"]


MUTATIONS = {"p": SUBMIT_PENALTIES, "l": SUBMIT_LICENSES, "e": SUBMIT_ENTRIES, "i": SUBMIT_INSPECTIONS}
RECTIFY, DEADLINE = "RECTIFICATION_REQUIRED", "rectificationDeadline"
NO_DATES = {"validityDate": None, "publicityEndDate": None}


@pytest.mark.parametrize(
    ("variable", "item", "field"),
    [
        # party type against the code's own form
        ("p", penalty(partyType="NATURAL_PERSON"), "partyType"),
        ("p", penalty(partyCode=PERSON, partyName=PERSON_NAME), "partyType"),
        ("p", penalty(partyType="INDIVIDUAL_BUSINESS"), "partyType"),
        ("l", license_(partyType="LEGAL_PERSON"), "partyType"),
        ("e", entry(partyType="NATURAL_PERSON"), "partyType"),
        ("i", inspection(partyCode=SHOP), "partyType"),
        ("p", penalty(partyCode="91110000600037341N"), "partyCode"),
        # amounts
        ("p", penalty(fineAmount=None), "fineAmount"),
        ("p", penalty(fineAmount="0"), "fineAmount"),
        ("p", penalty(fineAmount="-0.2"), "fineAmount"),
        ("p", penalty(confiscatedAmount="-1"), "confiscatedAmount"),
        ("p", penalty(fineAmount="0.0000001"), "fineAmount"),
        ("p", penalty(penaltyCategories=[]), "penaltyCategories"),
        # dates
        ("p", penalty(validityDate="2026-03-17"), "validityDate"),
        ("p", penalty(publicityEndDate="2026-01-01"), "publicityEndDate"),
        ("p", penalty(decisionDate="2099-01-01", **NO_DATES), "decisionDate"),
        ("l", license_(validTo="2026-04-01"), "validTo"),
        ("l", license_(decisionDate="2099-01-01"), "decisionDate"),
        ("e", entry(removalDate="2026-07-10"), "removalDate"),
        ("i", inspection(inspectionDate="2099-01-01"), "inspectionDate"),
        # sub-areas and other enumerations
        ("p", penalty(subArea="FIREWORKS"), "subArea"),
        ("l", license_(subArea="烟花爆竹"), "subArea"),
        ("e", entry(subArea="TAX"), "subArea"),
        ("e", entry(measures=["GREEN_CHANNEL"]), "measures"),
        ("i", inspection(subArea="FIREWORKS"), "subArea"),
        ("i", inspection(subArea=" "), "subArea"),
        # rectification deadlines
        ("i", inspection(result=RECTIFY, rectificationDeadline=None), DEADLINE),
        ("i", inspection(result=RECTIFY, rectificationDeadline="2026-06-15"), DEADLINE),
        ("i", inspection(result="FAILED", rectificationDeadline="2026-06-01"), DEADLINE),
        ("i", inspection(rectificationDeadline="2026-07-01"), DEADLINE),
        # text and codes
        ("i", inspection(findings=""), "findings"),
        ("i", inspection(inspectorUnit="x" * 201), "inspectorUnit"),
        ("i", inspection(sourceUnitCode=PERSON), "sourceUnitCode"),
        ("i", inspection(decidingAuthorityCode="bogus"), "decidingAuthorityCode"),
        ("i", inspection(documentNumber=" "), "documentNumber"),
        ("l", license_(sourceUnitCode="91110000600037341N"), "sourceUnitCode"),
    ],
)
async def test_invalid_items_name_the_item_and_field(
    gw: GatewayHarness, urban_key: str, variable: str, item: dict, field: str
) -> None:
    valid = {
        "p": penalty(number="鼓城管罚决〔2026〕1号"),
        "l": license_(number="鼓城管许〔2026〕1号"),
        "e": entry(number="榕城管信〔2026〕1号"),
        "i": inspection(number="鼓城管检〔2026〕1号"),
    }
    body = await gw.graphql(MUTATIONS[variable], {variable: [valid[variable], item]}, key=urban_key)
    assert error_codes(body) == ["INVALID_SUBMISSION"], body
    failures = body["errors"][0]["extensions"]["failures"]
    assert (1, field) in {(f["index"], f["field"]) for f in failures}, failures
    assert all(f["index"] == 1 for f in failures)
    assert await _record_count(gw) == 0


async def test_batch_bounds(gw: GatewayHarness, urban_key: str) -> None:
    assert error_codes(await gw.graphql(SUBMIT_INSPECTIONS, {"i": []}, key=urban_key)) == ["INVALID_SUBMISSION"]
    over = [inspection(number=f"鼓城管检〔2026〕{n}号") for n in range(501)]
    assert error_codes(await gw.graphql(SUBMIT_INSPECTIONS, {"i": over}, key=urban_key)) == ["LIMIT_EXCEEDED"]


@pytest.mark.parametrize(
    ("role", "domain", "code"),
    [
        (None, None, "GRAPHQL_VALIDATION_FAILED"),
        ("department", "tax", "FORBIDDEN"),
        ("portal", None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_only_urban_management_departments_or_admin_submit(
    gw: GatewayHarness, role: str | None, domain: str | None, code: str
) -> None:
    key = await gw.create_key(role, domain=domain) if role else None
    calls = [
        (SUBMIT_PENALTIES, {"p": [penalty()]}),
        (SUBMIT_LICENSES, {"l": [license_()]}),
        (SUBMIT_ENTRIES, {"e": [entry()]}),
        (SUBMIT_INSPECTIONS, {"i": [inspection()]}),
    ]
    for mutation, variables in calls:
        assert set(error_codes(await gw.graphql(mutation, variables, key=key))) == {code}
    assert await _record_count(gw) == 0
    admin = await gw.create_key("admin")
    for mutation, variables in calls:
        assert "errors" not in await gw.graphql(mutation, variables, key=admin)
    assert await _record_count(gw) == 4


async def test_records_have_concrete_types_and_penalties_filter_by_sub_area(gw: GatewayHarness, urban_key: str) -> None:
    await gw.graphql(SUBMIT_PENALTIES, {"p": [penalty()]}, key=urban_key)
    await gw.graphql(
        SUBMIT_PENALTIES,
        {"p": [penalty(number="鼓城管罚决〔2026〕503号", subArea="PARKING", decisionDate="2026-01-05")]},
        key=urban_key,
    )
    await gw.graphql(SUBMIT_LICENSES, {"l": [license_(partyType="LEGAL_PERSON", partyCode=COMPANY)]}, key=urban_key)
    await gw.graphql(SUBMIT_INSPECTIONS, {"i": [inspection()]}, key=urban_key)
    await gw.graphql(SUBMIT_ENTRIES, {"e": [entry(partyType="LEGAL_PERSON", partyCode=COMPANY)]}, key=urban_key)
    query = """query($p: Polarity) { subject(code: "91310115MA1K3BTP2B") {
      records(domain: "urban_management", polarity: $p) { __typename domain decisionDate
        ... on UrbanInspection { result } ... on AdministrativePenalty { subArea } } } }"""
    records = (await gw.graphql(query, {"p": None}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in records] == [
        "CreditListEntry",
        "UrbanInspection",
        "AdministrativeLicense",
        "AdministrativePenalty",
        "AdministrativePenalty",
    ]
    assert {r["domain"] for r in records} == {"urban_management"}
    positive = (await gw.graphql(query, {"p": "POSITIVE"}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in positive] == ["CreditListEntry", "UrbanInspection"]
    by_area = """query($a: String) { subject(code: "91310115MA1K3BTP2B") { urbanManagement {
      penalties(subArea: $a) { documentNumber } } } }"""
    for area, expected in ((None, 2), ("PARKING", 1), ("停车管理", 1), ("SANITATION", 0)):
        got = (await gw.graphql(by_area, {"a": area}))["data"]["subject"]["urbanManagement"]["penalties"]
        assert len(got) == expected, area
    assert error_codes(await gw.graphql(by_area, {"a": "FIREWORKS"})) == ["BAD_USER_INPUT"]


async def test_sub_areas_are_listed_with_labels(gw: GatewayHarness) -> None:
    areas = (await gw.graphql("{ urbanSubAreas { code label } }"))["data"]["urbanSubAreas"]
    assert {"code": "FRONTAGE_RESPONSIBILITY", "label": "门前三包"} in areas
    assert {"OUTDOOR_ADVERTISING", "STREET_MERCHANTS", "CONSTRUCTION_WASTE", "SANITATION", "PARKING"} <= {
        a["code"] for a in areas
    }


async def test_many_subjects_in_one_batch_get_their_own_inspections(gw: GatewayHarness, urban_key: str) -> None:
    results = ("PASSED", "RECTIFICATION_REQUIRED", "FAILED")
    organisations = [s for s in demo_subjects(150) if not s.code.is_natural_person][:100]
    items, expected = [], {}
    for n, s in enumerate(organisations):
        party = "INDIVIDUAL_BUSINESS" if s.code.value.startswith("92") else "LEGAL_PERSON"
        items.append(
            inspection(
                number=f"鼓城管检〔2026〕{1000 + n}号",
                result=results[n % 3],
                partyCode=s.code.value,
                partyName=s.name,
                partyType=party,
            )
        )
        expected[s.code.value] = results[n % 3]
    body = await gw.graphql(SUBMIT_INSPECTIONS, {"i": items}, key=urban_key)
    assert body["data"]["submitUrbanInspections"]["created"] == 100
    gw.clock.travel_to(date(2026, 7, 1))  # inside the failed inspections' publicity window (2026-06-15)
    page = await gw.graphql(
        "query($c: [String!]!) { subjects(codes: $c) { code urbanManagement { inspections { result } } } }",
        {"c": list(expected)},
    )
    got = {s["code"]: s["urbanManagement"]["inspections"][0]["result"] for s in page["data"]["subjects"]}
    assert got == expected


def _read_row(importer: Importer, row: dict[str, str]) -> Any:
    """What the import command does with one file row: find each column by a heading, parse, make the input."""
    fields: dict[str, Any] = {}
    for column in importer.columns:
        heading = next((h for h in column.headings if h in row), None)
        if heading is None:
            assert not column.required, column.field
            continue
        fields[column.field] = column.parse(row[heading])
    return importer.make_input(**fields)


async def test_importers_read_department_headings(gw: GatewayHarness) -> None:
    importers = gw.graph.composition.importers["urban_management"]
    assert set(importers) == {"penalties", "licenses", "list-entries", "inspections"}
    common = {"数据来源单位": SOURCE, "数据来源单位统一社会信用代码": SOURCE_CODE}
    inspections = [
        {
            **common,
            "行政相对人名称": PERSON_NAME,
            "行政相对人类别": "自然人",
            "统一社会信用代码": "",
            "证件号码": PERSON,
            "检查文书号": "鼓城管检〔2026〕77号",
            "检查类型": "投诉举报核查",
            "领域": "门前三包",
            "检查事项": "门前三包责任落实情况",
            "检查日期": "2026年6月3日",
            "检查结果": "责令整改",
            "检查情况": "店外堆放杂物。",
            "整改期限": "2026/6/10",
            "检查单位": "福州市鼓楼区城市管理局第二中队",
            "检查机关": AUTHORITY,
            "检查机关统一社会信用代码": AUTHORITY_CODE,
            "备注": "",
        },
        {
            **common,
            "行政相对人名称": COMPANY_NAME,
            "行政相对人类别": "法人及非法人组织",
            "统一社会信用代码": COMPANY,
            "检查文书号": "鼓城管检〔2026〕78号",
            "检查类型": "双随机抽查",
            "领域": "户外广告",
            "检查事项": "户外广告设施安全状况",
            "检查日期": "20260604",
            "检查结果": "合格",
            "检查情况": "广告设施结构牢固。",
            "整改期限": "2026-06-01",  # a passed inspection has nothing to rectify: this row is refused
            "检查单位": "福州市鼓楼区城市管理局第二中队",
            "检查机关": AUTHORITY,
        },
    ]
    penalties = [
        {
            **common,
            "行政相对人名称": SHOP_NAME,
            "行政相对人类别": "个体工商户",
            "统一社会信用代码": SHOP,
            "法定代表人": "林海燕",
            "行政处罚决定书文号": "鼓城管罚决〔2026〕88号",
            "违法行为类型": "不履行门前三包责任",
            "违法事实": "门前三包责任区内乱堆乱放杂物。",
            "处罚依据": "《城市市容和环境卫生管理条例》第三十四条",
            "处罚类别": "警告；罚款",
            "处罚内容": "警告，并处罚款500元。",
            "罚款金额（万元）": "0.05",
            "处罚决定日期": "2026-05-20",
            "处罚机关": AUTHORITY,
            "领域": "FRONTAGE_RESPONSIBILITY",
        }
    ]
    policy = SubmissionPolicy(secret_key=gw.settings.secret_key)
    for name, rows in (("inspections", inspections), ("penalties", penalties)):
        importer = importers[name]
        written, rejected = await importer.kind.submit_valid(
            gw.engine, [_read_row(importer, row) for row in rows], policy
        )
        assert [w.index for w in written] == [0]
        assert [(e.index, e.field) for e in rejected] == (
            [(1, "rectificationDeadline")] if name == "inspections" else []
        )
    [person] = (await _profile(gw, PERSON))["inspections"]
    assert (person["inspectionType"], person["subArea"], person["result"], person["rectificationDeadline"]) == (
        "COMPLAINT",
        "FRONTAGE_RESPONSIBILITY",
        "RECTIFICATION_REQUIRED",
        "2026-06-10",
    )
    [shop] = (await _profile(gw, SHOP))["penalties"]
    assert shop["penaltyCategories"] == ["FINE", "WARNING"] and shop["fineAmount"] == "0.050000"


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    return gw


async def test_demo_covers_every_kind_and_reseeding_changes_nothing(seeded: GatewayHarness) -> None:
    from gateway.api import DemoContext
    from plugins.urban_management import demo
    from plugins.urban_management.submissions import INSPECTIONS, LICENSES, LIST_ENTRIES, PENALTIES

    showcase = await _profile(seeded, "91350100M000100Y43")
    assert showcase["penalties"][0]["fineAmount"] == "0.200000"
    assert showcase["licenses"] and showcase["inspections"] and showcase["redList"]
    async with seeded.engine.connect() as conn:
        kinds = dict(
            (
                await conn.execute(
                    sa.text(
                        "SELECT p.party_type, count(*) FROM admin_penalty p JOIN credit_record r ON r.id = p.record_id "
                        "WHERE r.domain = 'urban_management' GROUP BY p.party_type"
                    )
                )
            ).all()
        )
    assert set(kinds) == {"LEGAL_PERSON", "NATURAL_PERSON", "INDIVIDUAL_BUSINESS"}, kinds
    subjects = demo_subjects(150)
    context = DemoContext(
        engine=seeded.engine, subjects=subjects, today=date(2026, 11, 1), secret_key=seeded.settings.secret_key
    )
    policy = SubmissionPolicy(
        secret_key=context.secret_key, today=context.today, kinds={s.code.value: s.kind for s in subjects}
    )
    penalties, licenses, inspections, entries = demo.build_demo(context)
    assert len(penalties) > 10 and len(licenses) > 5 and len(inspections) > 5 and entries
    for kind, inputs in (
        (PENALTIES, penalties),
        (LICENSES, licenses),
        (INSPECTIONS, inspections),
        (LIST_ENTRIES, entries),
    ):
        results = await kind.submit(seeded.engine, inputs, policy)
        assert {r.status.value for r in results} == {"UNCHANGED"}, kind.name


PROFILES = """query($c: [String!]!) { subjects(codes: $c) { name
  urbanManagement { penalties { documentNumber fineAmount subArea } licenses { documentNumber validTo }
                    inspections { result inspectionDate } redList { listName isCurrent } blackList { listName }
                    onBlackList }
  records(domain: "urban_management") { __typename id decisionDate } } }"""


async def _count(gw: GatewayHarness, codes: list[str]) -> tuple[int, dict]:
    with count_statements(gw.engine) as counter:
        body = await gw.graphql(PROFILES, {"c": codes})
    assert "errors" not in body, body
    return counter.count, body


async def test_profile_statements_do_not_grow_with_subjects(seeded: GatewayHarness) -> None:
    codes = [s.code.value for s in demo_subjects(150)][:100]
    one, _ = await _count(seeded, codes[:1])
    hundred, body = await _count(seeded, codes)
    # subject look-up + one urban management statement (the profile and records share the loader)
    # + one for the core's own records (broken commitments)
    assert one == hundred == 3
    # Published ones only: older records have left their publicity windows.
    assert sum(1 for s in body["data"]["subjects"] if s and s["records"]) > 10
