"""What the extract tests seed and send: an organisation with records in two domains (a tax black-list
listing, an urban management penalty, a black-list entry and a licence), a person with a penalty, and the
operations; a gateway with a signing key on PostgreSQL (where the gateway never generates one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from stdnum.cn import uscc

from gateway.features.extracts.signing import pem_of
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness
from testsupport.factories import VIOLATOR_CODE, tax_violation


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


SOURCE = "福州市城市管理委员会"
SOURCE_CODE = _with_check("11350100MB1703851")
AUTHORITY = "福州市鼓楼区城市管理局"
AUTHORITY_CODE = _with_check("11350102MB1705127")
ORG_CODE, ORG_NAME = VIOLATOR_CODE, "上海浦东新区明珠文化传媒有限公司"
PERSON_CODE, PERSON_NAME = "11010519491231002X", "张三丰"

RESULT = "created records { status }"
PENALTIES = (
    f"mutation($p: [AdministrativePenaltyInput!]!) {{ submitUrbanManagementPenalties(penalties: $p) {{ {RESULT} }} }}"
)
LICENSES = (
    f"mutation($l: [AdministrativeLicenseInput!]!) {{ submitUrbanManagementLicenses(licenses: $l) {{ {RESULT} }} }}"
)
ENTRIES = f"mutation($e: [CreditListEntryInput!]!) {{ submitUrbanManagementListEntries(entries: $e) {{ {RESULT} }} }}"
VIOLATIONS = f"mutation($v: [MajorTaxViolationInput!]!) {{ submitMajorTaxViolations(violations: $v) {{ {RESULT} }} }}"
ISSUE = """mutation($i: IssueCreditExtractInput!) {
  issueCreditExtract(input: $i) { number issuedOn validUntil downloadUrl verifyUrl sha256 } }"""
VERIFY = """query($n: String!, $h: String) { verifyCreditDocument(number: $n, sha256: $h) {
  status message number subjectName subjectCode issuedOn validUntil keyId checkedOn } }"""


def recent(days: int) -> str:
    return (china_today() - dt.timedelta(days=days)).isoformat()


def penalty(**kw: Any) -> dict[str, Any]:
    return {
        "partyName": ORG_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": ORG_CODE,
        "legalRepresentative": "王建国",
        "documentNumber": "鼓城管罚决〔2026〕501号",
        "violationType": "擅自设置户外广告设施",
        "facts": "未经批准，在五一中路沿街建筑外立面擅自设置户外广告牌，面积约12平方米。",
        "legalBasis": "《城市市容和环境卫生管理条例》第十一条、第三十六条",
        "penaltyCategories": ["FINE"],
        "content": "责令改正，处罚款人民币2,000元。",
        "fineAmount": "0.2",
        "decisionDate": recent(60),
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "OUTDOOR_ADVERTISING",
        **kw,
    }


def license_() -> dict[str, Any]:
    return {
        "partyName": ORG_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": ORG_CODE,
        "legalRepresentative": "王建国",
        "documentTitle": "户外广告设施设置许可决定书",
        "documentNumber": "鼓城管许〔2026〕301号",
        "licenseCategory": "ORDINARY",
        "certificateName": "户外广告设置许可证",
        "certificateNumber": "FZCG202600301",
        "content": "同意在杨桥东路设置户外广告牌1块。",
        "decisionDate": recent(90),
        "validFrom": recent(90),
        "validTo": "2029-04-01",
        "decidingAuthority": AUTHORITY,
        "decidingAuthorityCode": AUTHORITY_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "OUTDOOR_ADVERTISING",
    }


def black_entry() -> dict[str, Any]:
    return {
        "partyName": ORG_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": ORG_CODE,
        "listType": "BLACK",
        "listName": "福州市2026年第3季度门前三包黑榜",
        "reason": "门前三包责任区内多次乱堆乱放，拒不整改",
        "documentNumber": "榕城管信〔2026〕42号",
        "decisionDate": recent(30),
        "decidingAuthority": SOURCE,
        "decidingAuthorityCode": SOURCE_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "FRONTAGE_RESPONSIBILITY",
    }


def _created(body: dict[str, Any], field: str) -> None:
    assert "errors" not in body, body
    assert body["data"][field]["created"] >= 1, body


async def seed(gw: GatewayHarness) -> None:
    tax = await gw.create_key("department", domain="tax")
    urban = await gw.create_key("department", domain="urban_management")
    violation = tax_violation(subjectName=ORG_NAME, decisionDate=recent(40))
    _created(await gw.graphql(VIOLATIONS, {"v": [violation]}, key=tax), "submitMajorTaxViolations")
    _created(await gw.graphql(PENALTIES, {"p": [penalty()]}, key=urban), "submitUrbanManagementPenalties")
    _created(await gw.graphql(LICENSES, {"l": [license_()]}, key=urban), "submitUrbanManagementLicenses")
    _created(await gw.graphql(ENTRIES, {"e": [black_entry()]}, key=urban), "submitUrbanManagementListEntries")
    person = penalty(
        partyName=PERSON_NAME,
        partyType="NATURAL_PERSON",
        partyCode=PERSON_CODE,
        legalRepresentative=None,
        documentNumber="鼓城管罚决〔2026〕777号",
    )
    _created(await gw.graphql(PENALTIES, {"p": [person]}, key=urban), "submitUrbanManagementPenalties")


def write_key(directory: Path, name: str) -> Path:
    path = directory / f"{name}.pem"
    path.write_bytes(pem_of(Ed25519PrivateKey.generate()))
    return path


@asynccontextmanager
async def extract_gateway(
    database_url: str | None, key: Path | None, *, keep: bool = False, sqlite_file: Path | None = None
) -> AsyncIterator[GatewayHarness]:
    """The gateway with every plugin; ``key`` the signing key's file (None: the demo's generated key, SQLite
    only); ``keep``: do not empty a PostgreSQL database first (a restart)."""
    url = database_url or (f"sqlite+aiosqlite:///{sqlite_file}" if sqlite_file is not None else None)
    settings: dict[str, Any] = {"signing_key": key} if key is not None else {}
    async with GatewayHarness.start(database_url=url, **settings) as harness:
        if database_url is not None and not keep:
            await harness.truncate()
        harness.clock.travel_to(china_today())
        yield harness


async def issue(gw: GatewayHarness, key: str, code: str = ORG_CODE, **kw: Any) -> dict[str, Any]:
    request_id, purpose = kw.pop("request_id", "req-1"), kw.pop("purpose", "贷款审批")
    variables = {"i": {"subjectCode": code, "requestId": request_id, "purpose": purpose}}
    body = await gw.graphql(ISSUE, variables, key=key, **kw)
    assert "errors" not in body, body
    return body["data"]["issueCreditExtract"]
