"""The culture plugin over HTTP: double-publicity penalties and licences, red and black lists with the
green channel, validation through its mutations, permissions, the paged 红黑榜, statement counts, imports
and demo data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.api import DemoContext, SubmissionPolicy
from gateway.db.engine import count_statements
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from plugins.culture import demo as culture_demo
from plugins.culture import rules

DEPARTMENT_CODE = "11350000MB1872263"
DEPARTMENT_CODE += uscc.calc_check_digit(DEPARTMENT_CODE)
SHOP_CODE = "92350102MA2Y0K3L1"  # an individual business (个体工商户)
SHOP_CODE += uscc.calc_check_digit(SHOP_CODE)
COMPANY = "91310115MA1K3BTP2B"
PERSON = "11010519491231002X"
TODAY = china_today()
DEMO_TODAY = date(2026, 11, 1)

SUBMIT_PENALTIES = """mutation($p: [AdministrativePenaltyInput!]!) {
  submitCulturePenalties(penalties: $p) { created unchanged records { index status recordId } } }"""
SUBMIT_LICENSES = """mutation($l: [AdministrativeLicenseInput!]!) {
  submitCultureLicenses(licenses: $l) { created unchanged records { index status recordId } } }"""
SUBMIT_ENTRIES = """mutation($e: [CreditListEntryInput!]!) {
  submitCultureListEntries(entries: $e) { created unchanged records { index status recordId } } }"""
PROFILE = """query($c: String!) { subject(code: $c) { name culture {
  penalties { domain category polarity severity documentNumber partyType violationType penaltyCategories
              fineAmount confiscatedAmount subArea decisionDate }
  licenses { domain polarity documentNumber certificateName licenseCategory licenseStatus validFrom validTo subArea }
  redList { documentNumber listType listName reason measures removalDate isCurrent polarity }
  blackList { documentNumber measures isCurrent severity polarity category }
  greenChannel { eligible since incentives { code label description } } } } }"""
RED_BLACK_LIST = """query($t: CreditListType!, $first: Int, $after: String) {
  cultureRedBlackList(listType: $t, first: $first, after: $after) {
    edges { cursor subjectName subjectCode node { documentNumber decisionDate listType isCurrent } }
    pageInfo { hasNextPage endCursor } } }"""


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _decision(number: str, decided: str) -> dict[str, Any]:
    return {
        "documentNumber": number,
        "decisionDate": decided,
        "decidingAuthority": "福建省文化和旅游厅",
        "decidingAuthorityCode": DEPARTMENT_CODE,
        "sourceUnit": "福建省文化和旅游厅",
        "sourceUnitCode": DEPARTMENT_CODE,
    }


def penalty(number: str = "闽文执罚〔2026〕1号", code: str = COMPANY, **kw: Any) -> dict[str, Any]:
    return {
        "partyName": "上海浦东新区明珠文化传媒有限公司",
        "partyType": "LEGAL_PERSON",
        "partyCode": code,
        "legalRepresentative": "陈明",
        "violationType": "未经批准举办营业性演出",
        "facts": "经查，当事人未经批准擅自举办营业性演出。",
        "legalBasis": "《营业性演出管理条例》第四十三条",
        "penaltyCategories": ["CONFISCATION", "FINE"],
        "content": "没收违法所得1.2万元；罚款10万元。",
        "fineAmount": "10",
        "confiscatedAmount": "1.2",
        "subArea": "PERFORMANCE",
        **_decision(number, days_ago(40)),
        **kw,
    }


def licence(number: str = "闽文旅审〔2026〕1号", code: str = COMPANY, **kw: Any) -> dict[str, Any]:
    return {
        "partyName": "上海浦东新区明珠文化传媒有限公司",
        "partyType": "LEGAL_PERSON",
        "partyCode": code,
        "documentTitle": "营业性演出许可决定书",
        "licenseCategory": "ORDINARY",
        "certificateName": "营业性演出许可证",
        "certificateNumber": "闽演20260001",
        "content": "准予核发《营业性演出许可证》。",
        "validFrom": days_ago(60),
        "validTo": "2099-12-31",
        "subArea": "营业性演出",  # a sub-area may be given by its label
        **_decision(number, days_ago(60)),
        **kw,
    }


def entry(
    number: str = "闽文旅信〔2026〕1号", code: str = COMPANY, list_type: str = "RED", listed: int = 90, **kw: Any
) -> dict[str, Any]:
    return {
        "partyName": "上海浦东新区明珠文化传媒有限公司",
        "partyType": "LEGAL_PERSON",
        "partyCode": code,
        "listType": list_type,
        "listName": "福建省文化和旅游市场守信激励红榜" if list_type == "RED" else "福建省文化和旅游市场失信主体黑榜",
        "reason": "连续三年无违法违规记录，被评为诚信经营示范单位。",
        "subArea": "PERFORMANCE",
        **_decision(number, days_ago(listed)),
        **kw,
    }


@pytest.fixture
async def culture_key(gw: GatewayHarness) -> str:
    return await gw.create_key("department", domain="culture")


async def _record_count(gw: GatewayHarness) -> int:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.text("SELECT count(*) FROM credit_record"))).scalar_one()


async def _profile(gw: GatewayHarness, code: str = COMPANY) -> dict[str, Any]:
    body = await gw.graphql(PROFILE, {"c": code})
    assert "errors" not in body, body
    return body["data"]["subject"]["culture"]


async def test_each_kind_is_submitted_and_read_back(gw: GatewayHarness, culture_key: str) -> None:
    for query, variables in (
        (SUBMIT_PENALTIES, {"p": [penalty()]}),
        (SUBMIT_LICENSES, {"l": [licence()]}),
        (SUBMIT_ENTRIES, {"e": [entry(), entry("闽文旅信〔2026〕2号", list_type="BLACK", reason="虚假宣传")]}),
    ):
        body = await gw.graphql(query, variables, key=culture_key)
        assert "errors" not in body, body
    culture = await _profile(gw)
    assert culture["penalties"] == [
        {
            "domain": "culture",
            "category": "ADMINISTRATIVE_PENALTY",
            "polarity": "NEGATIVE",
            "severity": "GENERAL",
            "documentNumber": "闽文执罚〔2026〕1号",
            "partyType": "LEGAL_PERSON",
            "violationType": "未经批准举办营业性演出",
            "penaltyCategories": ["CONFISCATION", "FINE"],
            "fineAmount": "10.000000",  # 万元, as stored: NUMERIC(18, 6)
            "confiscatedAmount": "1.200000",
            "subArea": "PERFORMANCE",
            "decisionDate": days_ago(40),
        }
    ]
    assert culture["licenses"] == [
        {
            "domain": "culture",
            "polarity": "NEUTRAL",
            "documentNumber": "闽文旅审〔2026〕1号",
            "certificateName": "营业性演出许可证",
            "licenseCategory": "ORDINARY",
            "licenseStatus": "VALID",
            "validFrom": days_ago(60),
            "validTo": "2099-12-31",
            "subArea": "PERFORMANCE",
        }
    ]
    [red] = culture["redList"]
    assert red["measures"] == list(rules.GREEN_CHANNEL)  # the red list's default measures
    assert (red["listType"], red["isCurrent"], red["polarity"], red["removalDate"]) == ("RED", True, "POSITIVE", None)
    [black] = culture["blackList"]
    assert black["measures"] == ["INCREASED_INSPECTION", "RESTRICTED_FROM_SUBSIDIES", "PUBLIC_EXPOSURE"]
    assert (black["severity"], black["polarity"], black["category"]) == ("SERIOUS", "NEGATIVE", "BLACK_LIST")


async def test_records_field_has_concrete_culture_types(gw: GatewayHarness, culture_key: str) -> None:
    await gw.graphql(SUBMIT_PENALTIES, {"p": [penalty()]}, key=culture_key)
    await gw.graphql(SUBMIT_LICENSES, {"l": [licence()]}, key=culture_key)
    await gw.graphql(SUBMIT_ENTRIES, {"e": [entry()]}, key=culture_key)
    query = """query($d: String, $p: Polarity) { subject(code: "91310115MA1K3BTP2B") {
        records(domain: $d, polarity: $p) {
        __typename domain decisionDate ... on AdministrativePenalty { fineAmount }
        ... on AdministrativeLicense { certificateName } ... on CreditListEntry { listType } } } }"""
    records = (await gw.graphql(query, {"d": "culture"}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in records] == ["AdministrativePenalty", "AdministrativeLicense", "CreditListEntry"]
    assert {r["domain"] for r in records} == {"culture"}
    assert records[0]["fineAmount"] == "10.000000" and records[2]["listType"] == "RED"
    negative = (await gw.graphql(query, {"d": "culture", "p": "NEGATIVE"}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in negative] == ["AdministrativePenalty"]


async def test_green_channel_comes_from_current_red_list_entries(gw: GatewayHarness, culture_key: str) -> None:
    # Removed from the red list: the entry is kept, but grants nothing.
    removed = entry("闽文旅信〔2024〕5号", listed=800, removalDate=days_ago(70))
    assert "errors" not in await gw.graphql(SUBMIT_ENTRIES, {"e": [removed]}, key=culture_key)
    culture = await _profile(gw)
    assert culture["redList"][0]["isCurrent"] is False
    assert culture["greenChannel"] == {"eligible": False, "since": None, "incentives": []}
    # A current entry naming one incentive grants that one; a second grants the rest.
    one = entry("闽文旅信〔2026〕6号", listed=50, measures=["MISSING_DOCUMENT_TOLERANCE"])
    assert "errors" not in await gw.graphql(SUBMIT_ENTRIES, {"e": [one]}, key=culture_key)
    channel = (await _profile(gw))["greenChannel"]
    assert channel["eligible"] is True and channel["since"] == days_ago(50)
    assert channel["incentives"] == [
        {
            "code": "MISSING_DOCUMENT_TOLERANCE",
            "label": "容缺受理",
            "description": rules.MEASURES["MISSING_DOCUMENT_TOLERANCE"].description,
        }
    ]
    # A future removal date: still on the list today.
    everything = entry("闽文旅信〔2026〕7号", listed=20, removalDate=(TODAY + timedelta(days=700)).isoformat())
    assert "errors" not in await gw.graphql(SUBMIT_ENTRIES, {"e": [everything]}, key=culture_key)
    channel = (await _profile(gw))["greenChannel"]
    assert [i["code"] for i in channel["incentives"]] == list(rules.GREEN_CHANNEL)
    assert [i["label"] for i in channel["incentives"]] == ["优先办理", "容缺受理", "简化程序"]
    assert channel["since"] == days_ago(50)
    # A current black-list entry suspends it.
    black = entry("闽文旅信〔2026〕8号", list_type="BLACK", listed=5, reason="以不合理低价组织旅游活动")
    assert "errors" not in await gw.graphql(SUBMIT_ENTRIES, {"e": [black]}, key=culture_key)
    assert (await _profile(gw))["greenChannel"] == {"eligible": False, "since": None, "incentives": []}


async def test_revoked_entries_leave_the_list_and_the_green_channel(gw: GatewayHarness, culture_key: str) -> None:
    body = await gw.graphql(SUBMIT_ENTRIES, {"e": [entry()]}, key=culture_key)
    record_id = int(body["data"]["submitCultureListEntries"]["records"][0]["recordId"])
    assert (await _profile(gw))["greenChannel"]["eligible"] is True
    async with gw.engine.begin() as conn:  # what the dispute workflow does to a revoked record
        await conn.execute(sa.text("UPDATE credit_record SET status = 'REVOKED' WHERE id = :i"), {"i": record_id})
    assert (await _profile(gw))["greenChannel"]["eligible"] is False
    listed = await gw.graphql(RED_BLACK_LIST, {"t": "RED"})
    assert listed["data"]["cultureRedBlackList"]["edges"] == []


async def test_resubmission_is_idempotent_and_a_changed_one_is_refused(gw: GatewayHarness, culture_key: str) -> None:
    for query, name, variables, changed in (
        (SUBMIT_PENALTIES, "submitCulturePenalties", {"p": [penalty()]}, {"p": [penalty(fineAmount="12")]}),
        (SUBMIT_LICENSES, "submitCultureLicenses", {"l": [licence()]}, {"l": [licence(licenseStatus="INVALID")]}),
        (SUBMIT_ENTRIES, "submitCultureListEntries", {"e": [entry()]}, {"e": [entry(removalDate=days_ago(1))]}),
    ):
        first = (await gw.graphql(query, variables, key=culture_key))["data"][name]
        again = (await gw.graphql(query, variables, key=culture_key))["data"][name]
        assert (first["created"], again["created"], again["unchanged"]) == (1, 0, 1)
        assert again["records"][0]["recordId"] == first["records"][0]["recordId"]
        refused = await gw.graphql(query, changed, key=culture_key)
        assert error_codes(refused) == ["DUPLICATE_RECORD"], (name, refused)
    assert await _record_count(gw) == 3
    # The key is (source unit, document number) whatever the kind: a licence cannot reuse a penalty's number.
    clash = await gw.graphql(SUBMIT_LICENSES, {"l": [licence(number="闽文执罚〔2026〕1号")]}, key=culture_key)
    assert error_codes(clash) == ["DUPLICATE_RECORD"]
    assert await _record_count(gw) == 3


@pytest.mark.parametrize(
    ("query", "var", "item", "field"),
    [
        (SUBMIT_PENALTIES, "p", penalty(partyType="NATURAL_PERSON"), "partyType"),
        (SUBMIT_PENALTIES, "p", penalty(partyType="INDIVIDUAL_BUSINESS"), "partyType"),
        (SUBMIT_PENALTIES, "p", penalty(code=PERSON), "partyType"),
        (SUBMIT_PENALTIES, "p", penalty(code=SHOP_CODE, partyType="NATURAL_PERSON"), "partyType"),
        (SUBMIT_PENALTIES, "p", penalty(code="91110000600037341N"), "partyCode"),
        (SUBMIT_PENALTIES, "p", penalty(fineAmount="-1"), "fineAmount"),
        (SUBMIT_PENALTIES, "p", penalty(confiscatedAmount="-0.5"), "confiscatedAmount"),
        (SUBMIT_PENALTIES, "p", penalty(fineAmount=None), "fineAmount"),
        (SUBMIT_PENALTIES, "p", penalty(subArea="OUTDOOR_ADVERTISING"), "subArea"),
        (SUBMIT_PENALTIES, "p", penalty(decisionDate=(TODAY + timedelta(days=3)).isoformat()), "decisionDate"),
        (SUBMIT_PENALTIES, "p", penalty(publicityEndDate=days_ago(41)), "publicityEndDate"),
        (SUBMIT_PENALTIES, "p", penalty(penaltyCategories=[]), "penaltyCategories"),
        (SUBMIT_PENALTIES, "p", penalty(sourceUnitCode=PERSON), "sourceUnitCode"),
        (SUBMIT_LICENSES, "l", licence(validTo=days_ago(61)), "validTo"),
        (SUBMIT_LICENSES, "l", licence(subArea="街头流动摊贩"), "subArea"),
        (SUBMIT_LICENSES, "l", licence(code=PERSON), "partyType"),
        (SUBMIT_ENTRIES, "e", entry(measures=["FREE_LUNCH"]), "measures"),
        (SUBMIT_ENTRIES, "e", entry(measures=["PRIORITY_HANDLING", "PUBLIC_EXPOSURE"]), "measures"),
        (SUBMIT_ENTRIES, "e", entry(list_type="BLACK", measures=["SIMPLIFIED_PROCEDURES"]), "measures"),
        (SUBMIT_ENTRIES, "e", entry(removalDate=days_ago(91)), "removalDate"),
        (SUBMIT_ENTRIES, "e", entry(removalDate=days_ago(90)), "removalDate"),
        (SUBMIT_ENTRIES, "e", entry(partyType="NATURAL_PERSON"), "partyType"),
        (SUBMIT_ENTRIES, "e", entry(reason=" "), "reason"),
        (SUBMIT_ENTRIES, "e", entry(subArea="UNKNOWN"), "subArea"),
    ],
)
async def test_invalid_items_name_the_item_and_field(
    gw: GatewayHarness, culture_key: str, query: str, var: str, item: dict, field: str
) -> None:
    valid = {
        "p": penalty("闽文执罚〔2026〕99号"),
        "l": licence("闽文旅审〔2026〕99号"),
        "e": entry("闽文旅信〔2026〕99号"),
    }
    body = await gw.graphql(query, {var: [valid[var], item]}, key=culture_key)
    assert error_codes(body) == ["INVALID_SUBMISSION"], body
    failures = body["errors"][0]["extensions"]["failures"]
    assert (1, field) in {(f["index"], f["field"]) for f in failures}
    assert all(f["index"] == 1 for f in failures)
    assert await _record_count(gw) == 0  # the valid item was not written either


async def test_party_types_that_fit_their_codes_are_accepted(gw: GatewayHarness, culture_key: str) -> None:
    items = [
        penalty("闽文执罚〔2026〕11号", code=PERSON, partyType="NATURAL_PERSON", partyName="张建华"),
        penalty("闽文执罚〔2026〕12号", code=SHOP_CODE, partyType="INDIVIDUAL_BUSINESS", partyName="福州榕城网吧"),
        penalty("闽文执罚〔2026〕13号", code="121200004013590816", partyName="天津市城市管理综合行政执法总队培训中心"),
    ]
    body = await gw.graphql(SUBMIT_PENALTIES, {"p": items}, key=culture_key)
    assert body["data"]["submitCulturePenalties"]["created"] == 3


async def test_a_licence_decided_on_29_february(gw: GatewayHarness, culture_key: str) -> None:
    leap = licence(decisionDate="2024-02-29", validFrom="2024-02-29")
    body = await gw.graphql(SUBMIT_LICENSES, {"l": [leap]}, key=culture_key)
    assert body["data"]["submitCultureLicenses"]["created"] == 1


async def test_invalid_enum_values_are_refused_by_the_schema(gw: GatewayHarness, culture_key: str) -> None:
    for query, variables in (
        (SUBMIT_PENALTIES, {"p": [penalty(penaltyCategories=["FLOGGING"])]}),
        (SUBMIT_LICENSES, {"l": [licence(licenseCategory="BRIBE")]}),
        (SUBMIT_ENTRIES, {"e": [entry(list_type="GREY")]}),
    ):
        codes = error_codes(await gw.graphql(query, variables, key=culture_key))
        assert codes and codes[0] in {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, codes
    assert await _record_count(gw) == 0


async def test_batch_bounds(gw: GatewayHarness, culture_key: str) -> None:
    assert error_codes(await gw.graphql(SUBMIT_ENTRIES, {"e": []}, key=culture_key)) == ["INVALID_SUBMISSION"]
    over = [entry(f"闽文旅信〔2026〕{n}号") for n in range(501)]
    assert error_codes(await gw.graphql(SUBMIT_ENTRIES, {"e": over}, key=culture_key)) == ["LIMIT_EXCEEDED"]


@pytest.mark.parametrize(
    ("role", "domain", "code"),
    [
        (None, None, "GRAPHQL_VALIDATION_FAILED"),
        ("department", "tax", "FORBIDDEN"),
        ("portal", None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_only_culture_department_or_admin_submit(
    gw: GatewayHarness, role: str | None, domain: str | None, code: str
) -> None:
    key = await gw.create_key(role, domain=domain) if role else None
    for query, variables in ((SUBMIT_PENALTIES, {"p": [penalty()]}), (SUBMIT_ENTRIES, {"e": [entry()]})):
        assert set(error_codes(await gw.graphql(query, variables, key=key))) == {code}
    assert await _record_count(gw) == 0
    admin = await gw.create_key("admin")
    assert "errors" not in await gw.graphql(SUBMIT_LICENSES, {"l": [licence()]}, key=admin)


async def test_red_black_list_pages_current_entries_newest_first(gw: GatewayHarness, culture_key: str) -> None:
    people = [s for s in demo_subjects(60) if s.kind.value == "LEGAL_PERSON"][:14]
    items = [
        entry(f"闽文旅信〔2026〕{n}号", code=s.code.value, partyName=s.name, listed=10 + (n * 7) % 40)
        for n, s in enumerate(people[:12])
    ]
    items.append(entry("闽文旅信〔2023〕1号", code=people[12].code.value, listed=900, removalDate=days_ago(100)))
    items.append(entry("闽文旅信〔2026〕90号", code=people[13].code.value, list_type="BLACK", reason="虚假宣传"))
    assert (await gw.graphql(SUBMIT_ENTRIES, {"e": items}, key=culture_key))["data"]["submitCultureListEntries"][
        "created"
    ] == 14
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gw.graphql(RED_BLACK_LIST, {"t": "RED", "first": 5, "after": after}))["data"][
            "cultureRedBlackList"
        ]
        seen += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 12 and len({e["node"]["documentNumber"] for e in seen}) == 12  # not the removed one
    assert all(e["node"]["isCurrent"] and e["node"]["listType"] == "RED" for e in seen)
    dates = [e["node"]["decisionDate"] for e in seen]
    assert dates == sorted(dates, reverse=True)
    names = {s.code.value: s.name for s in people}
    assert all(names[e["subjectCode"]] == e["subjectName"] for e in seen)
    black = (await gw.graphql(RED_BLACK_LIST, {"t": "BLACK"}))["data"]["cultureRedBlackList"]["edges"]
    assert [e["node"]["documentNumber"] for e in black] == ["闽文旅信〔2026〕90号"]
    bad = await gw.graphql(RED_BLACK_LIST, {"t": "RED", "after": "garbage"})
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    assert error_codes(await gw.graphql(RED_BLACK_LIST, {"t": "RED", "first": 101})) == ["LIMIT_EXCEEDED"]


async def test_red_black_list_masks_natural_persons(gw: GatewayHarness, culture_key: str) -> None:
    person = entry(code=PERSON, partyType="NATURAL_PERSON", partyName="张建华", list_type="BLACK", reason="无证导游")
    assert "errors" not in await gw.graphql(SUBMIT_ENTRIES, {"e": [person]}, key=culture_key)
    [edge] = (await gw.graphql(RED_BLACK_LIST, {"t": "BLACK"}))["data"]["cultureRedBlackList"]["edges"]
    assert edge["subjectCode"] == "110105********002X"


async def test_measures_catalogue_labels_every_measure() -> None:
    async with GatewayHarness.start(plugins=["culture"]) as gw:
        body = await gw.graphql("{ cultureMeasures { code label description listType } }")
    measures = {m["code"]: m for m in body["data"]["cultureMeasures"]}
    assert set(measures) == set(rules.MEASURES)
    assert [c for c, m in measures.items() if m["listType"] == "RED"] == list(rules.GREEN_CHANNEL)
    assert measures["SIMPLIFIED_PROCEDURES"]["label"] == "简化程序"


async def test_importers_use_the_shared_columns(gw: GatewayHarness) -> None:
    importers = gw.graph.composition.importers["culture"]
    assert sorted(importers) == ["licenses", "list-entries", "penalties"]
    row = {
        "主体名称": "上海浦东新区明珠文化传媒有限公司",
        "主体类别": "法人及非法人组织",
        "统一社会信用代码": COMPANY,
        "认定文书号": "闽文旅信〔2026〕40号",
        "列入日期": days_ago(30).replace("-", "/"),
        "认定机关": "福建省文化和旅游厅",
        "数据来源单位": "福建省文化和旅游厅",
        "数据来源单位统一社会信用代码": DEPARTMENT_CODE,
        "名单类型": "红榜",
        "名单名称": "福建省文化和旅游市场守信激励红榜",
        "列入原因": "诚信经营",
        "奖惩措施": "PRIORITY_HANDLING；SIMPLIFIED_PROCEDURES",
        "领域": "营业性演出",
    }
    importer = importers["list-entries"]
    fields = {}
    for column in importer.columns:
        cell = next((row[h] for h in column.headings if h in row), None)
        if cell is not None:
            fields[column.field] = column.parse(cell)
    policy = SubmissionPolicy(secret_key=gw.settings.secret_key)
    written, rejected = await importer.kind.submit_valid(gw.engine, [importer.make_input(**fields)], policy)
    assert rejected == [] and len(written) == 1
    channel = (await _profile(gw))["greenChannel"]
    assert [i["code"] for i in channel["incentives"]] == ["PRIORITY_HANDLING", "SIMPLIFIED_PROCEDURES"]


CULTURE_PROFILE = """query($c: [String!]!) { subjects(codes: $c) { name
  culture { penalties { documentNumber fineAmount } licenses { certificateName } redList { measures isCurrent }
            blackList { reason } greenChannel { eligible incentives { label } } }
  records(domain: "culture") { __typename id decisionDate } } }"""


async def test_profile_statements_do_not_grow_with_subjects(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    codes = [s.code.value for s in demo_subjects(150)][:100]
    counts = []
    for batch in (codes[:1], codes):
        with count_statements(gw.engine) as counter:
            body = await gw.graphql(CULTURE_PROFILE, {"c": batch})
        assert "errors" not in body, body
        counts.append(counter.count)
    # the subjects, one culture statement for the field and records alike, one for the core's own records, and
    # (the green channel asks the joint measures whether a punishment withholds it) one per measure fact source
    # that gives what its punishments trigger on (lists, broken commitments), not the supervision grade's
    facts = gw.graph.composition.measure_facts.values()
    sources = sum(1 for source in facts if {"list", "broken_commitment"} & set(source.kinds))
    # and the measures catalogue version in force (one statement per request)
    assert 2 <= sources < len(facts) and counts == [4 + sources, 4 + sources]
    subjects = [s for s in body["data"]["subjects"] if s is not None]  # natural persons: not for the public
    assert sum(1 for s in subjects if s["culture"]["penalties"]) >= 3
    assert sum(1 for s in subjects if s["culture"]["licenses"]) >= 3
    with count_statements(gw.engine) as counter:
        page = await gw.graphql(RED_BLACK_LIST, {"t": "RED", "first": 50})
    assert page["data"]["cultureRedBlackList"]["edges"] and counter.count == 1


@pytest.mark.parametrize("today", [date(2026, 11, 1), date(2028, 3, 1), date(2029, 2, 28), date(2031, 1, 15)])
def test_demo_inputs_are_valid_for_any_reference_date(today: date) -> None:
    context = DemoContext(engine=None, subjects=demo_subjects(1000), today=today, secret_key="k")  # type: ignore[arg-type]
    inputs = culture_demo.build_demo(context)
    policy = SubmissionPolicy(secret_key="k", today=today, kinds={s.code.value: s.kind for s in context.subjects})
    for kind, items in ((rules.PENALTIES, inputs.penalties), (rules.LICENSES, inputs.licenses)):
        assert kind.validate(items, policy).errors == []
    assert rules.LIST_ENTRIES.validate(inputs.entries, policy).errors == []
    numbers = [i.document_number for i in (*inputs.penalties, *inputs.licenses, *inputs.entries)]
    assert len(numbers) == len(set(numbers))
    people = len(context.subjects)
    assert 0.05 * people < len(inputs.penalties) < 0.11 * people
    assert 0.05 * people < len(inputs.licenses) < 0.13 * people
    assert 0.03 * people < len(inputs.entries) < 0.09 * people


async def test_demo_showcase_and_reseeding_changes_nothing(gw: GatewayHarness) -> None:
    manager = gw.graph.composition.manager
    await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=300, today=DEMO_TODAY)
    gw.clock.travel_to(DEMO_TODAY)  # read as of the day the demo was made for
    culture = await _profile(gw, culture_demo.SHOWCASE_CODE)
    # The showcase's warning (900 days ago) has left its publicity window: the public no longer sees it,
    # the culture department still does.
    assert culture["penalties"] == [] and culture["licenses"] and culture["redList"][0]["isCurrent"]
    department = await gw.graphql(
        PROFILE, {"c": culture_demo.SHOWCASE_CODE}, key=await gw.create_key("department", domain="culture")
    )
    assert department["data"]["subject"]["culture"]["penalties"]
    # The showcase is on the culture red list and also a major tax violator: the joint measures' rule
    # (punishment wins on administrative approval) withholds its green channel.
    assert culture["greenChannel"]["eligible"] is False and culture["greenChannel"]["incentives"] == []
    # Every demo record validates, and submitting the demo again finds each one unchanged.
    context = DemoContext(
        engine=gw.engine, subjects=demo_subjects(300), today=DEMO_TODAY, secret_key=gw.settings.secret_key
    )
    inputs = culture_demo.build_demo(context)
    assert len(inputs.penalties) >= 10 and len(inputs.licenses) >= 10 and len(inputs.entries) >= 10
    assert any(e.removal_date for e in inputs.entries) and any(e.list_type.value == "BLACK" for e in inputs.entries)
    policy = SubmissionPolicy(
        secret_key=gw.settings.secret_key, today=context.today, kinds={s.code.value: s.kind for s in context.subjects}
    )
    statuses = {
        item.status.value for kind, batch in inputs.batches() for item in await kind.submit(gw.engine, batch, policy)
    }
    assert statuses == {"UNCHANGED"}
