"""Jurisdictions over HTTP, on SQLite and PostgreSQL: a department key bound to a division writes only
records of its division and below, and sees in full only those; elsewhere it sees what the public sees.
The admin, unbound keys and keys bound to no narrower division than the records see everything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.engine import count_statements
from gateway.db.tables import credit_record
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes

MakeDepartment = Callable[[str, str | None], Awaitable[str]]  # the `department` fixture (conftest.py)


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


BEIJING_ENTERPRISE = "91110108551385082Q"  # registered in 海淀 (110108)
BEIJING_PERSON = "11010519491231002X"  # 朝阳 (110105)
GULOU_SHOP = _with_check("92350102MA2Y7P3K0")  # 鼓楼 (350102), an individual business
FUZHOU_TAX = _with_check("11350100MB0301234")  # 国家税务总局福州市税务局 (350100)
HAIDIAN_TAX = _with_check("11110108MB0000000")  # a Haidian bureau (110108)
GULOU_URBAN = _with_check("11350102MB1705127")  # 福州市鼓楼区城市管理局 (350102)
FUZHOU_URBAN = _with_check("11350100MB1703851")

SUBMIT_RATINGS = """mutation($r: [TaxCreditRatingInput!]!) {
  submitTaxCreditRatings(ratings: $r) { created unchanged records { index status recordId } } }"""
SUBMIT_PENALTIES = """mutation($p: [AdministrativePenaltyInput!]!) {
  submitUrbanManagementPenalties(penalties: $p) { created records { recordId } } }"""
PENALTIES = """query($c: String!) { subject(code: $c) { urbanManagement { penalties { documentNumber status } } } }"""


def rating(code: str, authority_code: str, year: int = 2024, name: str = "北京海淀中关村数据服务有限公司") -> dict:
    return {
        "subjectCode": code,
        "subjectName": name,
        "year": year,
        "grade": "B",
        "score": "82.5",
        "decisionDate": f"{year + 1}-04-10",
        "decidingAuthority": "税务局",
        "decidingAuthorityCode": authority_code,
        "sourceUnit": "税务局",
        "sourceUnitCode": authority_code,
    }


def penalty(number: str, party: str, name: str, *, authority_code: str | None = None) -> dict:
    person = len(party) == 18 and party[:17].isdigit()
    return {
        "partyName": name,
        "partyType": "NATURAL_PERSON" if person else "INDIVIDUAL_BUSINESS",
        "partyCode": party,
        "legalRepresentative": None,
        "documentNumber": number,
        "violationType": "占道经营",
        "facts": "在人行道上摆摊设点、占道经营。",
        "legalBasis": "《城市市容和环境卫生管理条例》第十四条",
        "penaltyCategories": ["WARNING"],
        "content": "警告。",
        "decisionDate": china_today().replace(day=1).isoformat(),
        "decidingAuthority": "城市管理局",
        "decidingAuthorityCode": authority_code,
        "sourceUnit": "福州市城市管理委员会",
        "sourceUnitCode": FUZHOU_URBAN,
        "subArea": "OUTDOOR_ADVERTISING",
    }


async def _records(gw: GatewayHarness) -> list[Any]:
    async with gw.engine.connect() as conn:
        query = sa.select(credit_record.c.id, credit_record.c.division_code).order_by(credit_record.c.id)
        return list((await conn.execute(query)).all())


async def test_a_fuzhou_tax_key_writing_for_a_beijing_enterprise_is_forbidden(
    gw: GatewayHarness, department: MakeDepartment
) -> None:
    fuzhou = await department("tax", "350100")
    body = await gw.graphql(
        SUBMIT_RATINGS,
        {"r": [rating(BEIJING_ENTERPRISE, FUZHOU_TAX, 2023), rating(BEIJING_ENTERPRISE, HAIDIAN_TAX, 2024)]},
        key=fuzhou,
    )
    assert error_codes(body) == ["FORBIDDEN"]
    error = body["errors"][0]["extensions"]
    # Only the Haidian bureau's rating lies outside: the Fuzhou bureau's is Fuzhou's whoever it rates.
    assert error["failures"] == [
        {"index": 1, "field": "decidingAuthorityCode", "message": error["failures"][0]["message"]}
    ]
    assert "110108" in error["failures"][0]["message"] and error["division"] == "350100"
    assert await _records(gw) == []  # all or nothing: the inside item was not written either


async def test_a_fuzhou_city_key_writes_for_its_districts(gw: GatewayHarness, department: MakeDepartment) -> None:
    fuzhou = await department("tax", "350100")
    body = await gw.graphql(SUBMIT_RATINGS, {"r": [rating(GULOU_SHOP, FUZHOU_TAX, name="鼓楼小吃店")]}, key=fuzhou)
    assert "errors" not in body, body
    assert body["data"]["submitTaxCreditRatings"]["created"] == 1
    assert [r.division_code for r in await _records(gw)] == ["350100"]  # the deciding authority's area
    # A Gulou urban key writes a penalty about a Gulou shop, with no authority code: the subject's area.
    gulou = await department("urban_management", "350102")
    body = await gw.graphql(
        SUBMIT_PENALTIES, {"p": [penalty("鼓城管罚〔2026〕1号", GULOU_SHOP, "鼓楼小吃店")]}, key=gulou
    )
    assert "errors" not in body, body
    assert [r.division_code for r in await _records(gw)] == ["350100", "350102"]
    # ... but not one decided by the Fuzhou city bureau: that record is the city's, above Gulou.
    body = await gw.graphql(
        SUBMIT_PENALTIES,
        {"p": [penalty("榕城管罚〔2026〕2号", GULOU_SHOP, "鼓楼小吃店", authority_code=FUZHOU_URBAN)]},
        key=gulou,
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_the_admin_and_unbound_keys_write_everywhere(gw: GatewayHarness, department: MakeDepartment) -> None:
    admin = await gw.create_key("admin")
    platform = await department("tax", None)
    for key, year in ((admin, 2022), (platform, 2023)):
        body = await gw.graphql(SUBMIT_RATINGS, {"r": [rating(BEIJING_ENTERPRISE, HAIDIAN_TAX, year)]}, key=key)
        assert "errors" not in body, body
    assert [r.division_code for r in await _records(gw)] == ["110108", "110108"]


async def _revoked_penalties(gw: GatewayHarness) -> None:
    """A Beijing person's penalty and a Gulou shop's, both revoked: shown to the public by neither."""
    admin = await gw.create_key("admin")
    for number, party, name in (
        ("京罚〔2026〕1号", BEIJING_PERSON, "张建华"),
        ("鼓罚〔2026〕1号", GULOU_SHOP, "鼓楼小吃店"),
    ):
        body = await gw.graphql(SUBMIT_PENALTIES, {"p": [penalty(number, party, name)]}, key=admin)
        assert "errors" not in body, body
    async with gw.engine.begin() as conn:
        await conn.execute(credit_record.update().values(status="REVOKED"))


async def test_a_fuzhou_key_sees_a_beijing_persons_penalty_as_the_public_does(
    gw: GatewayHarness, department: MakeDepartment
) -> None:
    await _revoked_penalties(gw)
    fuzhou = await department("urban_management", "350100")
    beijing = await gw.graphql(PENALTIES, {"c": BEIJING_PERSON}, key=fuzhou)
    assert beijing["data"]["subject"]["urbanManagement"]["penalties"] == []  # the public sees none either
    gulou = await gw.graphql(PENALTIES, {"c": GULOU_SHOP}, key=fuzhou)
    assert gulou["data"]["subject"]["urbanManagement"]["penalties"] == [
        {"documentNumber": "鼓罚〔2026〕1号", "status": "REVOKED"}
    ]
    public = await gw.graphql(PENALTIES, {"c": GULOU_SHOP})
    assert public["data"]["subject"]["urbanManagement"]["penalties"] == []
    # The cross-domain records field passes the same filter.
    body = await gw.graphql(
        "query($c: String!) { subject(code: $c) { records { id } } }", {"c": BEIJING_PERSON}, key=fuzhou
    )
    assert body["data"]["subject"]["records"] == []


async def test_the_admin_and_the_top_division_see_everything(gw: GatewayHarness, department: MakeDepartment) -> None:
    await _revoked_penalties(gw)
    keys = [await gw.create_key("admin"), await department("urban_management", None)]
    keys.append(await department("urban_management", "110000"))  # Beijing sees its own
    for key in keys:
        body = await gw.graphql(PENALTIES, {"c": BEIJING_PERSON}, key=key)
        assert len(body["data"]["subject"]["urbanManagement"]["penalties"]) == 1, body
    # Another domain's department bound to Beijing sees nothing more of urban management's than the public.
    tax = await department("tax", "110000")
    body = await gw.graphql(PENALTIES, {"c": BEIJING_PERSON}, key=tax)
    assert body["data"]["subject"]["urbanManagement"]["penalties"] == []


async def test_a_bound_key_costs_no_statement_more_when_records_name_their_authority(
    gw: GatewayHarness, department: MakeDepartment
) -> None:
    admin = await gw.create_key("admin")
    body = await gw.graphql(SUBMIT_RATINGS, {"r": [rating(BEIJING_ENTERPRISE, HAIDIAN_TAX)]}, key=admin)
    assert "errors" not in body, body
    fuzhou = await department("tax", "350100")
    query = f'{{ subject(code: "{BEIJING_ENTERPRISE}") {{ tax {{ ratings {{ year }} }} records {{ id }} }} }}'
    counts = []
    for key in (admin, fuzhou):
        await gw.graphql(query, key=key)  # the key look-up's own statement is not the request's
        with count_statements(gw.engine) as counter:
            await gw.graphql(query, key=key)
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_a_bound_key_places_records_without_an_authority_code_by_their_subject(
    gw: GatewayHarness, department: MakeDepartment
) -> None:
    await _revoked_penalties(gw)
    fuzhou = await department("urban_management", "350100")
    admin = await gw.create_key("admin")
    codes = f'["{BEIJING_PERSON}", "{GULOU_SHOP}"]'
    query = f"{{ subjects(codes: {codes}) {{ urbanManagement {{ penalties {{ documentNumber }} }} }} }}"
    with count_statements(gw.engine) as admin_counter:
        await gw.graphql(query, key=admin)
    with count_statements(gw.engine) as bound_counter:
        body = await gw.graphql(query, key=fuzhou)
    shown = [[p["documentNumber"] for p in s["urbanManagement"]["penalties"]] for s in body["data"]["subjects"]]
    assert shown == [[], ["鼓罚〔2026〕1号"]]
    # The subjects' areas come from the subject rows the request loaded: no statement more than the admin's.
    assert bound_counter.count == admin_counter.count
