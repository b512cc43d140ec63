"""The 门前三包 red and black lists as the public reads them (Query.urbanManagementRedBlackList): entries on
the list today, newest first, paged, one statement a page; removed, revoked and expired entries are off."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.engine import count_statements
from gateway.testing import GatewayHarness, error_codes

SOURCE = "福州市城市管理委员会"
SOURCE_CODE = "11350100MB1703851"
SOURCE_CODE += uscc.calc_check_digit(SOURCE_CODE)
SHOP = "92350102MA2Y7P3K0"
SHOP += uscc.calc_check_digit(SHOP)
SHOP_NAME = "福州鼓楼榕城小吃店"
PERSON, PERSON_NAME, PERSON_MASKED = "11010519491231002X", "张建华", "110105********002X"

SUBMIT = """mutation($e: [CreditListEntryInput!]!) { submitUrbanManagementListEntries(entries: $e) { created } }"""
LIST = """query($t: CreditListType!, $first: Int, $after: String) {
  urbanManagementRedBlackList(listType: $t, first: $first, after: $after) {
    edges { cursor subjectName subjectCode node { documentNumber listType listName measures isCurrent subArea } }
    pageInfo { hasNextPage endCursor } } }"""
RED = ["R-3", "R-2", "R-1"]
BLACK = ["B-2", "B-1"]


def entry(number: str, list_type: str, days_ago: int, today: date, **kw: Any) -> dict[str, Any]:
    return {
        "partyName": SHOP_NAME,
        "partyType": "INDIVIDUAL_BUSINESS",
        "partyCode": SHOP,
        "listType": list_type,
        "listName": f"福州市门前三包{'红榜' if list_type == 'RED' else '黑榜'}",
        "reason": "门前三包责任落实到位" if list_type == "RED" else "门前三包责任区内多次乱堆乱放，拒不整改",
        "documentNumber": number,
        "decisionDate": (today - timedelta(days=days_ago)).isoformat(),
        "decidingAuthority": SOURCE,
        "decidingAuthorityCode": SOURCE_CODE,
        "sourceUnit": SOURCE,
        "sourceUnitCode": SOURCE_CODE,
        "subArea": "FRONTAGE_RESPONSIBILITY",
        **kw,
    }


@pytest.fixture
async def listed(gw: GatewayHarness) -> GatewayHarness:
    today = gw.clock.today()
    person = {"partyName": PERSON_NAME, "partyType": "NATURAL_PERSON", "partyCode": PERSON}
    items = [
        entry("R-1", "RED", 30, today),
        entry("R-2", "RED", 20, today, **person),
        entry("R-3", "RED", 10, today),
        entry("R-removed", "RED", 5, today, removalDate=today.isoformat()),
        entry("B-1", "BLACK", 25, today),
        entry("B-2", "BLACK", 15, today),
        entry("B-revoked", "BLACK", 12, today),
        entry("B-expired", "BLACK", 8, today),
    ]
    key = await gw.create_key("department", domain="urban_management")
    body = await gw.graphql(SUBMIT, {"e": items}, key=key)
    assert body["data"]["submitUrbanManagementListEntries"]["created"] == len(items), body
    async with gw.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE credit_record SET status = 'REVOKED' WHERE document_number = 'B-revoked'"))
        await conn.execute(
            sa.text("UPDATE credit_record SET published_until = :d WHERE document_number = 'B-expired'"),
            {"d": today - timedelta(days=1)},
        )
    return gw


@pytest.mark.parametrize(("list_type", "expected"), [("RED", RED), ("BLACK", BLACK)])
async def test_each_list_shows_its_entries_on_the_list_today(
    listed: GatewayHarness, list_type: str, expected: list[str]
) -> None:
    page = (await listed.graphql(LIST, {"t": list_type}))["data"]["urbanManagementRedBlackList"]
    assert [e["node"]["documentNumber"] for e in page["edges"]] == expected
    assert all(e["node"]["listType"] == list_type and e["node"]["isCurrent"] for e in page["edges"])
    assert all(e["node"]["subArea"] == "FRONTAGE_RESPONSIBILITY" for e in page["edges"])
    if list_type == "RED":
        # The domain's default measures for the red list, and a person by name and masked ID number only.
        assert page["edges"][0]["node"]["measures"] == ["PUBLIC_COMMENDATION", "REDUCED_INSPECTION"]
        assert (page["edges"][1]["subjectName"], page["edges"][1]["subjectCode"]) == (PERSON_NAME, PERSON_MASKED)
        assert (page["edges"][0]["subjectName"], page["edges"][0]["subjectCode"]) == (SHOP_NAME, SHOP)


async def test_the_lists_are_on_the_shared_lists_too(listed: GatewayHarness) -> None:
    body = await listed.graphql('{ creditLists(domain: "urban_management") { edges { node { documentNumber } } } }')
    numbers = [e["node"]["documentNumber"] for e in body["data"]["creditLists"]["edges"]]
    assert numbers == ["R-3", "B-2", "R-2", "B-1", "R-1"]


@pytest.mark.parametrize("size", [1, 2])
async def test_cursors_page_through_once_one_statement_a_page(listed: GatewayHarness, size: int) -> None:
    seen: list[str] = []
    after = None
    while True:
        with count_statements(listed.engine) as counter:
            body = await listed.graphql(LIST, {"t": "RED", "first": size, "after": after})
        assert counter.count == 1  # the page with its subjects' names
        page = body["data"]["urbanManagementRedBlackList"]
        seen += [e["node"]["documentNumber"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == RED


async def test_bad_page_arguments(listed: GatewayHarness) -> None:
    maximum = listed.settings.max_page_size
    assert error_codes(await listed.graphql(LIST, {"t": "RED", "first": maximum + 1})) == ["LIMIT_EXCEEDED"]
    assert error_codes(await listed.graphql(LIST, {"t": "RED", "after": "garbage"})) == ["BAD_USER_INPUT"]
    assert error_codes(await listed.graphql(LIST, {"t": "GREY"})) == ["GRAPHQL_VALIDATION_FAILED"]
