"""Merchants the merchant-page tests seed through the departments' own mutations: one with negative records
(a tax black-list listing, an urban management penalty and black-list entry) and one with only good ones (a
licence, a red-list entry, a public commitment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum.cn import uscc

from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness
from testsupport.factories import VIOLATOR_CODE, tax_violation


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


SOURCE = "福州市城市管理委员会"
SOURCE_CODE = _with_check("11350100MB1703851")
AUTHORITY = "福州市鼓楼区城市管理局"
AUTHORITY_CODE = _with_check("11350102MB1705127")
BAD_CODE, BAD_NAME = VIOLATOR_CODE, "上海浦东新区明珠文化传媒有限公司"
GOOD_CODE, GOOD_NAME = _with_check("92350102MA2Y7P3K0"), "福州鼓楼榕城小吃店"
PERSON_CODE = "11010519491231002X"

RESULT = "created records { status }"
PENALTIES = (
    f"mutation($p: [AdministrativePenaltyInput!]!) {{ submitUrbanManagementPenalties(penalties: $p) {{ {RESULT} }} }}"
)
LICENSES = (
    f"mutation($l: [AdministrativeLicenseInput!]!) {{ submitUrbanManagementLicenses(licenses: $l) {{ {RESULT} }} }}"
)
ENTRIES = f"mutation($e: [CreditListEntryInput!]!) {{ submitUrbanManagementListEntries(entries: $e) {{ {RESULT} }} }}"
VIOLATIONS = f"mutation($v: [MajorTaxViolationInput!]!) {{ submitMajorTaxViolations(violations: $v) {{ {RESULT} }} }}"
COMMIT = "mutation($i: MakeCommitmentInput!) { makeCommitment(input: $i) { id } }"
ISSUE = """mutation($c: String!, $r: Boolean! = false) {
  issueMerchantPage(subjectCode: $c, rotate: $r) { subjectCode subjectName token url qrPngUrl qrSvgUrl qrPdfUrl
    issuedBy revokedAt views { day views } } }"""
REVOKE = "mutation($c: String!) { revokeMerchantPage(subjectCode: $c) { token revokedAt } }"
LIVE = "query($c: String!) { merchantPage(subjectCode: $c) { token views(days: 7) { day views } } }"


def _recent(days: int) -> str:
    return (china_today() - dt.timedelta(days=days)).isoformat()


def penalty(**kw: Any) -> dict[str, Any]:
    return {
        "partyName": BAD_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": BAD_CODE,
        "legalRepresentative": "王建国",
        "documentNumber": "鼓城管罚决〔2026〕501号",
        "violationType": "擅自设置户外广告设施",
        "facts": "未经批准，在五一中路沿街建筑外立面擅自设置户外广告牌，面积约12平方米。",
        "legalBasis": "《城市市容和环境卫生管理条例》第十一条、第三十六条",
        "penaltyCategories": ["FINE"],
        "content": "责令改正，处罚款人民币2,000元。",
        "fineAmount": "0.2",
        "decisionDate": _recent(60),
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "OUTDOOR_ADVERTISING",
        **kw,
    }


def license_(**kw: Any) -> dict[str, Any]:
    return {
        "partyName": GOOD_NAME,
        "partyType": "INDIVIDUAL_BUSINESS",
        "partyCode": GOOD_CODE,
        "legalRepresentative": "林海燕",
        "documentTitle": "户外广告设施设置许可决定书",
        "documentNumber": "鼓城管许〔2026〕301号",
        "licenseCategory": "ORDINARY",
        "certificateName": "户外广告设置许可证",
        "certificateNumber": "FZCG202600301",
        "content": "同意在杨桥东路设置户外广告牌1块。",
        "decisionDate": _recent(90),
        "validFrom": _recent(90),
        "validTo": "2029-04-01",
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "OUTDOOR_ADVERTISING",
        **kw,
    }


def entry(list_type: str, **kw: Any) -> dict[str, Any]:
    red = list_type == "RED"
    return {
        "partyName": GOOD_NAME if red else BAD_NAME,
        "partyType": "INDIVIDUAL_BUSINESS" if red else "LEGAL_PERSON",
        "partyCode": GOOD_CODE if red else BAD_CODE,
        "listType": list_type,
        "listName": f"福州市2026年第3季度门前三包{'红榜' if red else '黑榜'}",
        "reason": "门前三包责任落实到位" if red else "门前三包责任区内多次乱堆乱放，拒不整改",
        "documentNumber": "榕城管信〔2026〕41号" if red else "榕城管信〔2026〕42号",
        "decisionDate": _recent(30),
        "decidingAuthority": SOURCE,
        "decidingAuthorityCode": SOURCE_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "FRONTAGE_RESPONSIBILITY",
        **kw,
    }


def _created(body: dict[str, Any], field: str, count: int) -> None:
    assert "errors" not in body, body
    assert body["data"][field]["created"] == count, body


async def seed_bad(gw: GatewayHarness, *, name: str = BAD_NAME) -> None:
    tax = await gw.create_key("department", domain="tax")
    urban = await gw.create_key("department", domain="urban_management")
    violation = tax_violation(subjectName=name, decisionDate=_recent(40))
    _created(await gw.graphql(VIOLATIONS, {"v": [violation]}, key=tax), "submitMajorTaxViolations", 1)
    _created(
        await gw.graphql(PENALTIES, {"p": [penalty(partyName=name)]}, key=urban), "submitUrbanManagementPenalties", 1
    )
    black = entry("BLACK", partyName=name)
    _created(await gw.graphql(ENTRIES, {"e": [black]}, key=urban), "submitUrbanManagementListEntries", 1)


async def seed_good(gw: GatewayHarness) -> None:
    urban = await gw.create_key("department", domain="urban_management")
    _created(await gw.graphql(LICENSES, {"l": [license_()]}, key=urban), "submitUrbanManagementLicenses", 1)
    _created(await gw.graphql(ENTRIES, {"e": [entry("RED")]}, key=urban), "submitUrbanManagementListEntries", 1)
    commitment = {
        "subjectCode": GOOD_CODE,
        "domain": "urban_management",
        "commitmentType": "INDUSTRY_SELF_REGULATION",
        "content": "严格落实门前三包责任，不占道经营，不乱堆乱放。",
        "liability": "违反承诺的，自愿接受列入门前三包黑榜。",
        "validUntil": (china_today() + dt.timedelta(days=365)).isoformat(),
        "disclosure": "PUBLIC",
    }
    body = await gw.graphql(COMMIT, {"i": commitment}, key=urban)
    assert "errors" not in body, body


async def issue(gw: GatewayHarness, code: str, key: str, *, rotate: bool = False) -> dict[str, Any]:
    body = await gw.graphql(ISSUE, {"c": code, "r": rotate}, key=key)
    assert "errors" not in body, body
    return body["data"]["issueMerchantPage"]
