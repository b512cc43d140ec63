"""``record_sources``: ``CreditSubject.records`` merges in the records of the plugin's loader."""

from __future__ import annotations

from fixture_plugins import ANCHOR, RecordsPlugin, TablesPlugin, record_input, started

from gateway.testing import error_codes

SUBMIT = "mutation($r: [HookfixRecordInput!]!) { submitHookfixRecords(records: $r) { created } }"
RECORDS = """query($c: String!, $d: String) {
  subject(code: $c) { records(domain: $d) { __typename domain ... on HookfixRecord { note documentNumber } } }
}"""


async def test_hook_record_sources(database_url: str | None) -> None:
    async with started(database_url, ("hookfix", RecordsPlugin())) as gw:
        department = await gw.create_key("department", domain="hookfix")
        records = [record_input(ANCHOR, "福州闽都信用示范科技有限公司", n, f"note {n}") for n in range(2)]
        submitted = await gw.graphql(SUBMIT, {"r": records}, key=department)
        assert submitted == {"data": {"submitHookfixRecords": {"created": 2}}}
        body = await gw.graphql(RECORDS, {"c": ANCHOR, "d": None})
        found = sorted((r["__typename"], r["domain"], r["note"]) for r in body["data"]["subject"]["records"])
        assert found == [("HookfixRecord", "hookfix", "note 0"), ("HookfixRecord", "hookfix", "note 1")]
        narrowed = await gw.graphql(RECORDS, {"c": ANCHOR, "d": "hookfix"})
        assert len(narrowed["data"]["subject"]["records"]) == 2


async def test_without_a_record_source_the_domain_is_unknown_to_records() -> None:
    async with started(None, ("hookfix", TablesPlugin())) as gw:
        query = 'query($c: String!) { subject(code: $c) { records(domain: "hookfix") { domain } } }'
        body = await gw.graphql(query, {"c": ANCHOR})
        assert error_codes(body) == ["BAD_USER_INPUT"] and "hookfix" in body["errors"][0]["message"]
