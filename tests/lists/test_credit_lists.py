"""Query.creditLists over HTTP as the public: every domain's red and black lists in one connection, newest
listing first, paged with opaque cursors, filtered by domain, list type, division and listing date; only
published entries, a person only by name and masked ID number, one SQL statement per page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.engine import count_statements
from gateway.db.tables import credit_record
from gateway.testing import GatewayHarness, error_codes


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


CULTURE_UNIT = ("福建省文化和旅游厅", _with_check("11350000MB1872263"))
URBAN_UNIT = ("福州市城市管理委员会", _with_check("11350100MB1703851"))
BUILDING_UNIT = ("福建省住房和城乡建设厅", _with_check("11350000MB0312345"))
COMPANY, COMPANY_NAME = "91310115MA1K3BTP2B", "上海浦东新区明珠文化传媒有限公司"
PERSON, PERSON_NAME, PERSON_MASKED = "11010519491231002X", "王伟", "110105********002X"
SHOP, SHOP_NAME = _with_check("92350102MA2Y7P3K0"), "福州鼓楼榕城小吃店"

LISTS = """query($domain: String, $type: CreditListType, $division: String, $from: Date, $to: Date,
                 $first: Int, $after: String) {
  creditLists(domain: $domain, listType: $type, division: $division, decidedFrom: $from, decidedTo: $to,
              first: $first, after: $after) {
    edges { cursor node { id documentNumber domain listType listName reason decisionDate decidingAuthority
                          measures removalDate divisionCode disputed subject { name code } } }
    pageInfo { hasNextPage endCursor } } }"""

# What the public list shows, newest listing first (two listed the same day: the later record first).
PUBLISHED = ["C-R1", "U-R3", "U-R1", "C-B1", "U-B1", "U-R2", "K-B1"]
DAYS_AGO = {"C-R1": 5, "U-R3": 10, "U-R1": 10, "C-B1": 15, "U-B1": 20, "U-R2": 30, "K-B1": 40}
DIVISIONS = {
    "C-R1": "350102",  # 福州市鼓楼区
    "U-R3": "350100",  # 福州市 itself
    "U-R1": "350102",
    "C-B1": "350103",  # 福州市台江区
    "U-B1": "350102001",  # a street of 鼓楼区
    "U-R2": "350203",  # 厦门市思明区
    "K-B1": None,  # unknown: only the whole platform covers it
}


def _decision(number: str, days_ago: int, unit: tuple[str, str], today: date) -> dict[str, Any]:
    return {
        "documentNumber": number,
        "decisionDate": (today - timedelta(days=days_ago)).isoformat(),
        "decidingAuthority": unit[0],
        "decidingAuthorityCode": unit[1],
        "sourceUnit": unit[0],
        "sourceUnitCode": unit[1],
    }


def list_entry(
    number: str, list_type: str, days_ago: int, unit: tuple[str, str], today: date, **kw: Any
) -> dict[str, Any]:
    """A CreditListEntryInput of the company, listed ``days_ago``."""
    return {
        "partyName": COMPANY_NAME,
        "partyType": "LEGAL_PERSON",
        "partyCode": COMPANY,
        "listType": list_type,
        "listName": f"测试{'红榜' if list_type == 'RED' else '黑榜'}",
        "reason": f"理由 {number}",
        **_decision(number, days_ago, unit, today),
        **kw,
    }


async def _submit(gw: GatewayHarness, domain: str, mutation: str, argument: str, kind: str, items: list) -> None:
    key = await gw.create_key("department", domain=domain)
    query = f"mutation($e: [{kind}!]!) {{ {mutation}({argument}: $e) {{ created }} }}"
    body = await gw.graphql(query, {"e": items}, key=key)
    assert body.get("data") and body["data"][mutation]["created"] == len(items), body


@pytest.fixture
async def listed(gw: GatewayHarness) -> GatewayHarness:
    """Seven published listings of three domains, and four that are not published, each its own way."""
    today = gw.clock.today()
    person = {"partyName": PERSON_NAME, "partyType": "NATURAL_PERSON", "partyCode": PERSON}
    await _submit(
        gw,
        "culture",
        "submitCultureListEntries",
        "entries",
        "CreditListEntryInput",
        [
            list_entry("C-R1", "RED", 5, CULTURE_UNIT, today),
            list_entry("C-B1", "BLACK", 15, CULTURE_UNIT, today, **person),
            # Off their lists: removed today, revoked, past its publicity window.
            list_entry("C-R2-removed", "RED", 25, CULTURE_UNIT, today, removalDate=today.isoformat()),
            list_entry("C-B2-revoked", "BLACK", 35, CULTURE_UNIT, today),
            list_entry("C-B3-expired", "BLACK", 45, CULTURE_UNIT, today),
        ],
    )
    shop = {"partyName": SHOP_NAME, "partyType": "INDIVIDUAL_BUSINESS", "partyCode": SHOP}
    await _submit(
        gw,
        "urban_management",
        "submitUrbanManagementListEntries",
        "entries",
        "CreditListEntryInput",
        [
            list_entry("U-R1", "RED", 10, URBAN_UNIT, today, **shop),
            list_entry("U-B1", "BLACK", 20, URBAN_UNIT, today, **shop),
            list_entry("U-R2", "RED", 30, URBAN_UNIT, today),
            list_entry("U-R3", "RED", 10, URBAN_UNIT, today),  # the same day as U-R1, a later record
        ],
    )
    listed_on = today - timedelta(days=40)
    await _submit(
        gw,
        "construction",
        "submitConstructionBlacklistEntries",
        "entries",
        "ConstructionBlacklistEntryInput",
        [
            {
                **_decision("K-B1", 40, BUILDING_UNIT, today),
                "subjectCode": COMPANY,
                "subjectName": COMPANY_NAME,
                "partyType": "LEGAL_PERSON",
                "criterion": "QUALIFICATION_LENDING",
                "facts": "允许其他单位以本企业名义承揽工程",
                "removalDue": date(listed_on.year + 3, listed_on.month, min(listed_on.day, 28)).isoformat(),
            },
            {
                **_decision("K-B2-due", 60, BUILDING_UNIT, today),
                "subjectCode": COMPANY,
                "subjectName": COMPANY_NAME,
                "partyType": "LEGAL_PERSON",
                "criterion": "MAJOR_ACCIDENT",
                "facts": "发生重大安全事故",
                "removalDue": today.isoformat(),  # due for removal today: no longer listed
            },
        ],
    )
    changes: dict[str, dict[str, Any]] = {
        "C-B2-revoked": {"status": "REVOKED"},
        "C-B3-expired": {"published_until": today - timedelta(days=1)},
        **{number: {"division_code": code} for number, code in DIVISIONS.items()},
    }
    async with gw.engine.begin() as conn:
        for number, values in changes.items():
            await conn.execute(
                sa.update(credit_record).where(credit_record.c.document_number == number).values(**values)
            )
    return gw


def _dated(variables: dict[str, Any], today: date) -> dict[str, Any]:
    """``variables`` with the days ago of ``from`` and ``to`` as dates (a copy: parameters are shared)."""
    bounds = {
        bound: (today - timedelta(days=variables[bound])).isoformat() for bound in ("from", "to") if bound in variables
    }
    return {**variables, **bounds}


async def _page(gw: GatewayHarness, **variables: Any) -> dict[str, Any]:
    body = await gw.graphql(LISTS, variables)
    assert "errors" not in body, body
    return body["data"]["creditLists"]


def _numbers(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["documentNumber"] for edge in page["edges"]]


async def test_every_domains_published_entries_newest_first(listed: GatewayHarness) -> None:
    page = await _page(listed, first=20)
    assert _numbers(page) == PUBLISHED
    assert not page["pageInfo"]["hasNextPage"]
    nodes = {edge["node"]["documentNumber"]: edge["node"] for edge in page["edges"]}
    today = listed.clock.today()
    assert [nodes[n]["decisionDate"] for n in PUBLISHED] == [
        (today - timedelta(days=DAYS_AGO[n])).isoformat() for n in PUBLISHED
    ]
    assert int(nodes["U-R3"]["id"]) > int(nodes["U-R1"]["id"])  # the tie-break: newest record first
    assert {n: nodes[n]["domain"] for n in ("C-R1", "U-R1", "K-B1")} == {
        "C-R1": "culture",
        "U-R1": "urban_management",
        "K-B1": "construction",
    }
    assert nodes["C-R1"] | {"id": None} == {
        "id": None,
        "documentNumber": "C-R1",
        "domain": "culture",
        "listType": "RED",
        "listName": "测试红榜",
        "reason": "理由 C-R1",
        "decisionDate": (today - timedelta(days=5)).isoformat(),
        "decidingAuthority": CULTURE_UNIT[0],
        # The culture red list's default measures: the green channel.
        "measures": ["PRIORITY_HANDLING", "MISSING_DOCUMENT_TOLERANCE", "SIMPLIFIED_PROCEDURES"],
        "removalDate": None,
        "divisionCode": "350102",
        "disputed": False,
        "subject": {"name": COMPANY_NAME, "code": COMPANY},
    }
    # The construction black list is on the shared lists with its removal date and joint punishments.
    assert nodes["K-B1"]["listType"] == "BLACK" and nodes["K-B1"]["removalDate"] is not None
    assert "RESTRICTED_FROM_TENDERING" in nodes["K-B1"]["measures"]
    assert nodes["K-B1"]["divisionCode"] is None


async def test_a_person_is_shown_by_name_and_masked_id_number_only(listed: GatewayHarness) -> None:
    page = await _page(listed, first=20)
    [person] = [edge["node"] for edge in page["edges"] if edge["node"]["documentNumber"] == "C-B1"]
    assert person["subject"] == {"name": PERSON_NAME, "code": PERSON_MASKED}
    assert PERSON not in str(page)
    # The listed subject is no CreditSubject: nothing more of the person can be selected through the list.
    body = await listed.graphql("{ creditLists { edges { node { subject { id } } } } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize("role", ["department", "admin"])
async def test_the_list_is_the_same_for_everyone(listed: GatewayHarness, role: str) -> None:
    # The admin and the culture department see the unpublished records in a subject's records, not on a list.
    key = await listed.create_key(role, domain="culture" if role == "department" else None)
    body = await listed.graphql(LISTS, {"first": 20}, key=key)
    assert _numbers(body["data"]["creditLists"]) == PUBLISHED


@pytest.mark.parametrize("size", [1, 2, 3, 7])
async def test_cursors_page_through_the_lists_once(listed: GatewayHarness, size: int) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await _page(listed, first=size, after=after)
        pages += 1
        assert len(page["edges"]) <= size
        seen += _numbers(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == PUBLISHED  # no duplicate, no gap
    assert pages == -(-len(PUBLISHED) // size)
    past_the_end = await _page(listed, first=size, after=page["pageInfo"]["endCursor"])
    assert past_the_end["edges"] == [] and not past_the_end["pageInfo"]["hasNextPage"]


async def test_cursors_page_a_filtered_list(listed: GatewayHarness) -> None:
    first = await _page(listed, type="RED", first=2)
    second = await _page(listed, type="RED", first=2, after=first["pageInfo"]["endCursor"])
    assert _numbers(first) + _numbers(second) == ["C-R1", "U-R3", "U-R1", "U-R2"]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"domain": "culture"}, ["C-R1", "C-B1"]),
        ({"domain": "urban_management"}, ["U-R3", "U-R1", "U-B1", "U-R2"]),
        ({"domain": "construction"}, ["K-B1"]),
        ({"domain": "tax"}, []),  # a domain without shared-format lists
        ({"type": "BLACK"}, ["C-B1", "U-B1", "K-B1"]),
        ({"type": "RED"}, ["C-R1", "U-R3", "U-R1", "U-R2"]),
        ({"domain": "urban_management", "type": "BLACK"}, ["U-B1"]),
        ({"division": "350000"}, ["C-R1", "U-R3", "U-R1", "C-B1", "U-B1", "U-R2"]),  # 福建省: all but unknown
        ({"division": "350100"}, ["C-R1", "U-R3", "U-R1", "C-B1", "U-B1"]),  # 福州市 and below
        ({"division": "350102"}, ["C-R1", "U-R1", "U-B1"]),  # 鼓楼区 and its streets
        ({"division": "350102001"}, ["U-B1"]),  # one street
        ({"division": "110000"}, []),
        ({"division": "350100", "type": "BLACK", "domain": "culture"}, ["C-B1"]),
        ({"from": 15}, ["C-R1", "U-R3", "U-R1", "C-B1"]),  # on or after
        ({"to": 15}, ["C-B1", "U-B1", "U-R2", "K-B1"]),  # on or before
        ({"from": 30, "to": 10}, ["U-R3", "U-R1", "C-B1", "U-B1", "U-R2"]),
        ({"from": 10, "to": 10}, ["U-R3", "U-R1"]),
    ],
)
async def test_filters(listed: GatewayHarness, variables: dict[str, Any], expected: list[str]) -> None:
    variables = _dated(variables, listed.clock.today())
    assert _numbers(await _page(listed, first=20, **variables)) == expected


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 101}, "LIMIT_EXCEEDED"),  # the settings' max_page_size (100)
        ({"first": -1}, "BAD_USER_INPUT"),
        ({"after": "garbage"}, "BAD_USER_INPUT"),
        ({"after": "WyJub3QgYSBkYXRlIiwgMV0="}, "BAD_USER_INPUT"),  # ["not a date", 1]
        ({"after": "WzFd"}, "BAD_USER_INPUT"),  # [1]: the wrong shape
        ({"after": "x" * 600}, "BAD_USER_INPUT"),
        ({"division": "35"}, "INVALID_DIVISION"),
        ({"division": "35010"}, "INVALID_DIVISION"),
        ({"division": "福州市"}, "INVALID_DIVISION"),
        ({"domain": "nonexistent"}, "BAD_USER_INPUT"),
        ({"from": "2026-02-01", "to": "2026-01-31"}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_arguments_are_refused_with_a_code(
    listed: GatewayHarness, variables: dict[str, Any], code: str
) -> None:
    body = await listed.graphql(LISTS, variables)
    assert error_codes(body) == [code], body
    assert body["data"] is None  # creditLists is non-null: the error nulls the response
    if code == "LIMIT_EXCEEDED":
        assert body["errors"][0]["extensions"]["maximum"] == listed.settings.max_page_size


async def test_the_largest_page_is_accepted(listed: GatewayHarness) -> None:
    page = await _page(listed, first=listed.settings.max_page_size)
    assert _numbers(page) == PUBLISHED


async def test_entries_change_the_list_as_their_records_do(listed: GatewayHarness) -> None:
    async with listed.engine.begin() as conn:
        await conn.execute(
            sa.update(credit_record)
            .where(credit_record.c.document_number == "U-B1")
            .values(status="REPAIRED")  # repaired: no longer published
        )
        await conn.execute(
            sa.update(credit_record).where(credit_record.c.document_number == "C-R1").values(disputed=True)
        )
    page = await _page(listed, first=20)
    assert _numbers(page) == [n for n in PUBLISHED if n != "U-B1"]
    # A disputed entry stays listed, marked.
    assert [e["node"]["disputed"] for e in page["edges"] if e["node"]["documentNumber"] == "C-R1"] == [True]


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 1},
        {"first": 100},
        {"first": 2, "type": "BLACK", "division": "350100", "from": 100, "to": 1},
        {"first": 3, "domain": "urban_management", "type": "RED"},
    ],
)
async def test_a_page_is_one_statement(listed: GatewayHarness, variables: dict[str, Any]) -> None:
    variables = _dated(variables, listed.clock.today())
    first = await _page(listed, **variables)
    with count_statements(listed.engine) as counter:
        page = await _page(listed, **variables, after=first["pageInfo"]["endCursor"])
    # The page with its subjects' names and codes: the same one statement whatever its size, filters or cursor.
    assert counter.count == 1
    assert len(first["edges"]) + len(page["edges"]) >= 1
