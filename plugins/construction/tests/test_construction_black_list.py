"""The construction black list as the public reads it (Query.constructionBlackList): listings in force,
newest first, paged, one statement a page; each listing is also a shared-format list entry, so that
Query.creditLists shows it (migration construction_0002 gives the listings held before theirs)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db import migrate
from gateway.db.engine import count_statements
from gateway.testing import GatewayHarness, error_codes
from plugins.construction import rules

PROVINCE = "福建省住房和城乡建设厅"
PROVINCE_CODE = "11350000MB0E00356"
PROVINCE_CODE += uscc.calc_check_digit(PROVINCE_CODE)
ENTERPRISE, ENTERPRISE_NAME = "91110000600037341L", "北京京华建设集团有限公司"
PERSON, PERSON_NAME, PERSON_MASKED = "11010519491231002X", "李强", "110105********002X"

SUBMIT = """mutation($e: [ConstructionBlacklistEntryInput!]!) {
  submitConstructionBlacklistEntries(entries: $e) { created unchanged } }"""
BLACK_LIST = """query($first: Int, $after: String) { constructionBlackList(first: $first, after: $after) {
  edges { cursor subjectName subjectCode node { documentNumber criterion listedOn removalDue inForce category } }
  pageInfo { hasNextPage endCursor } } }"""
SHARED = """{ creditLists(domain: "construction") { edges { node {
  documentNumber listType listName reason removalDate measures subject { name code } } } } }"""
IN_FORCE = ["K-3", "K-2", "K-1"]  # newest listing first


def listing(number: str, days_ago: int, today: date, **kw: Any) -> dict[str, Any]:
    listed = today - timedelta(days=days_ago)
    return {
        "subjectCode": ENTERPRISE,
        "subjectName": ENTERPRISE_NAME,
        "partyType": "LEGAL_PERSON",
        "documentNumber": number,
        "decisionDate": listed.isoformat(),
        "decidingAuthority": PROVINCE,
        "decidingAuthorityCode": PROVINCE_CODE,
        "sourceUnit": PROVINCE,
        "sourceUnitCode": PROVINCE_CODE,
        "criterion": "QUALIFICATION_LENDING",
        "facts": f"允许其他单位以本企业名义承揽工程（{number}）",
        "removalDue": rules.add_months(listed, 36).isoformat(),
        **kw,
    }


@pytest.fixture
async def listed(gw: GatewayHarness) -> GatewayHarness:
    today = gw.clock.today()
    person = {"subjectCode": PERSON, "subjectName": PERSON_NAME, "partyType": "NATURAL_PERSON"}
    items = [
        listing("K-1", 30, today),
        listing("K-2", 20, today, **person),
        listing("K-3", 10, today),
        listing("K-due", 40, today, removalDue=today.isoformat()),  # due for removal today
        listing("K-revoked", 5, today),
    ]
    key = await gw.create_key("department", domain="construction")
    body = await gw.graphql(SUBMIT, {"e": items}, key=key)
    assert body["data"]["submitConstructionBlacklistEntries"]["created"] == len(items), body
    async with gw.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE credit_record SET status = 'REVOKED' WHERE document_number = 'K-revoked'"))
    return gw


async def test_the_listings_in_force_newest_first(listed: GatewayHarness) -> None:
    body = await listed.graphql(BLACK_LIST, {"first": 20})
    page = body["data"]["constructionBlackList"]
    assert [e["node"]["documentNumber"] for e in page["edges"]] == IN_FORCE
    assert all(e["node"]["inForce"] and e["node"]["category"] == "BLACK_LIST" for e in page["edges"])
    names = {e["node"]["documentNumber"]: (e["subjectName"], e["subjectCode"]) for e in page["edges"]}
    assert names == {
        "K-1": (ENTERPRISE_NAME, ENTERPRISE),
        "K-2": (PERSON_NAME, PERSON_MASKED),  # a person: the ID number masked
        "K-3": (ENTERPRISE_NAME, ENTERPRISE),
    }
    assert not page["pageInfo"]["hasNextPage"]


async def test_each_listing_is_on_the_shared_lists(listed: GatewayHarness) -> None:
    nodes = [e["node"] for e in (await listed.graphql(SHARED))["data"]["creditLists"]["edges"]]
    assert [n["documentNumber"] for n in nodes] == IN_FORCE
    k1 = nodes[2]
    assert k1["listType"] == "BLACK" and k1["listName"] == rules.BLACK_LIST_NAME
    assert k1["reason"] == "允许其他单位以本企业名义承揽工程（K-1）"
    assert k1["measures"] == list(rules.BLACK_LIST_MEASURES)
    assert k1["removalDate"] == rules.add_months(listed.clock.today() - timedelta(days=30), 36).isoformat()
    assert nodes[1]["subject"] == {"name": PERSON_NAME, "code": PERSON_MASKED}


async def test_a_resubmission_is_unchanged_and_writes_no_second_entry(listed: GatewayHarness) -> None:
    key = await listed.create_key("department", domain="construction")
    again = await listed.graphql(SUBMIT, {"e": [listing("K-1", 30, listed.clock.today())]}, key=key)
    assert again["data"]["submitConstructionBlacklistEntries"] == {"created": 0, "unchanged": 1}
    async with listed.engine.connect() as conn:
        entries = (await conn.execute(sa.text("SELECT count(*) FROM credit_list_entry"))).scalar_one()
    assert entries == 5


@pytest.mark.parametrize("size", [1, 2])
async def test_cursors_page_through_once_one_statement_a_page(listed: GatewayHarness, size: int) -> None:
    seen: list[str] = []
    after = None
    while True:
        with count_statements(listed.engine) as counter:
            page = (await listed.graphql(BLACK_LIST, {"first": size, "after": after}))["data"]["constructionBlackList"]
        assert counter.count == 1  # the page with its subjects' names
        seen += [e["node"]["documentNumber"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == IN_FORCE


async def test_bad_page_arguments(listed: GatewayHarness) -> None:
    maximum = listed.settings.max_page_size
    assert error_codes(await listed.graphql(BLACK_LIST, {"first": maximum + 1})) == ["LIMIT_EXCEEDED"]
    assert error_codes(await listed.graphql(BLACK_LIST, {"after": "garbage"})) == ["BAD_USER_INPUT"]


async def test_the_migration_puts_held_listings_on_the_shared_lists(listed: GatewayHarness) -> None:
    source = next(s for s in listed.graph.composition.migrations if s.component == "construction")
    async with listed.engine.begin() as conn:
        await conn.run_sync(migrate._run, source, "construction_0001", False)
    # Before the revision: the listings were the domain's own category, with no shared entry.
    async with listed.engine.connect() as conn:
        held = (
            await conn.execute(sa.text("SELECT DISTINCT category FROM credit_record WHERE domain = 'construction'"))
        ).all()
        entries = (await conn.execute(sa.text("SELECT count(*) FROM credit_list_entry"))).scalar_one()
    assert held == [("BLACKLIST",)] and entries == 0
    assert (await listed.graphql(SHARED))["data"]["creditLists"]["edges"] == []
    await migrate.upgrade(listed.engine, listed.graph.composition.migrations)
    nodes = [e["node"] for e in (await listed.graphql(SHARED))["data"]["creditLists"]["edges"]]
    assert [n["documentNumber"] for n in nodes] == IN_FORCE
    assert nodes[2]["listName"] == rules.BLACK_LIST_NAME and nodes[2]["measures"] == list(rules.BLACK_LIST_MEASURES)
    assert [
        e["node"]["documentNumber"]
        for e in (await listed.graphql(BLACK_LIST))["data"]["constructionBlackList"]["edges"]
    ] == IN_FORCE
