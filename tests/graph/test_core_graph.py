"""The core graph with no plugins at all: subjects, batch look-up, search, limits, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.graph.pagination import encode_cursor
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.testing import GatewayHarness, error_codes

SUBJECT_FIELDS = "code codeType name kind registrationAuthority { name organizationType } region { province name }"


@pytest.fixture
async def core(database_url: str | None) -> AsyncIterator[GatewayHarness]:
    async with GatewayHarness.start(plugins=[], database_url=database_url) as gw:
        if database_url is not None:
            await gw.truncate()
        await seed_subjects(gw.engine, demo_subjects(60), gw.settings.secret_key)
        yield gw


async def test_zero_plugins_serve_a_graph_of_subjects(core: GatewayHarness) -> None:
    body = await core.graphql(f'{{ subject(code: "91350100M000100Y43") {{ {SUBJECT_FIELDS} records {{ id }} }} }}')
    assert body == {
        "data": {
            "subject": {
                "code": "91350100M000100Y43",
                "codeType": "USCC",
                "name": "福州闽都信用示范科技有限公司",
                "kind": "LEGAL_PERSON",
                "registrationAuthority": {"name": "市场监督管理", "organizationType": "企业"},
                "region": {"province": "福建省", "name": "福州市"},
                "records": [],
            }
        }
    }
    sdl = core.graph.schema.as_str()
    assert "tax" not in sdl
    # Only the core's own mutations (authorisations, the lifecycle workflows, merchant pages, the measures
    # catalogue and feedback, inspection draws, the credit products: its default plugins'): no domain's.
    mutation = core.graph.schema._schema.mutation_type
    core_names = {owned.item.name for owned in core.graph.composition.mutation_fields}
    assert {owned.plugin for owned in core.graph.composition.mutation_fields} == {
        "core.partners",
        "core.lifecycle",
        "core.merchants",
        "core.measures",
        "core.supervision",
        "core.verification",
        "core.reports",
        "core.extracts",
    }
    assert set(mutation.fields) == core_names and "grantAuthorization" in core_names


async def test_natural_person_is_masked(core: GatewayHarness) -> None:
    query = '{ subject(code: "11010519491231002X") { code kind registrationAuthority { name } } }'
    assert (await core.graphql(query))["data"]["subject"] is None  # not shown to the public at all
    body = await core.graphql(query, key=await core.create_key("department", domain="tax"))
    assert body["data"]["subject"] == {
        "code": "110105********002X",
        "kind": "NATURAL_PERSON",
        "registrationAuthority": None,
    }


async def test_id_number_is_never_stored_in_clear(core: GatewayHarness) -> None:
    import sqlalchemy as sa

    async with core.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT * FROM subject"))).all()
    assert rows and not any("11010519491231002X" in str(tuple(row)) for row in rows)


async def test_invalid_code_has_code_and_unknown_is_null(core: GatewayHarness) -> None:
    body = await core.graphql(
        '{ a: subject(code: "91110000600037341N") { name } b: subject(code: "91110000600037341L") { name } }'
    )
    assert body["data"]["a"] is None
    assert error_codes(body) == ["INVALID_SUBJECT_CODE"]
    assert body["errors"][0]["path"] == ["a"]
    # valid and unknown: null without an error
    person = await core.graphql('{ subject(code: "110102199101010078") { name } }', key=await core.create_key("admin"))
    assert person["data"]["subject"]["name"] == "李明"
    from stdnum.cn import uscc

    body18 = "91330106MA2AAAAA0"
    missing = await core.graphql(
        "query($c: String!) { subject(code: $c) { name } }", {"c": body18 + uscc.calc_check_digit(body18)}
    )
    assert missing == {"data": {"subject": None}}


async def test_subjects_keeps_order_and_nulls(core: GatewayHarness) -> None:
    codes = ["110102199101010078", "91350100M000100Y43", "91330106MA2AAAAA0X", "91110000600037341L"]
    from stdnum.cn import uscc

    codes[2] = codes[2][:17] + uscc.calc_check_digit(codes[2][:17])
    query = "query($c: [String!]!) { subjects(codes: $c) { name } }"
    admin = await core.graphql(query, {"c": codes}, key=await core.create_key("admin"))
    names = [s and s["name"] for s in admin["data"]["subjects"]]
    assert names == ["李明", "福州闽都信用示范科技有限公司", None, "北京京华建设集团有限公司"]
    # The public is not shown natural persons: the person reads as unknown, in its place.
    public = await core.graphql(query, {"c": codes})
    assert [s and s["name"] for s in public["data"]["subjects"]] == [None, *names[1:]]


async def test_search_shows_natural_persons_only_to_keys_that_may_see_them(core: GatewayHarness) -> None:
    query = "query($n: String!) { searchSubjects(name: $n, first: 50) { edges { node { kind } } } }"
    public = await core.graphql(query, {"n": "李明"})
    assert public["data"]["searchSubjects"]["edges"] == []
    admin = await core.graphql(query, {"n": "李明"}, key=await core.create_key("admin"))
    assert {e["node"]["kind"] for e in admin["data"]["searchSubjects"]["edges"]} == {"NATURAL_PERSON"}


async def test_subjects_is_bounded(core: GatewayHarness) -> None:
    body = await core.graphql(
        "query($c: [String!]!) { subjects(codes: $c) { name } }", {"c": ["91350100M000100Y43"] * 101}
    )
    assert error_codes(body) == ["LIMIT_EXCEEDED"]
    assert body["errors"][0]["extensions"]["maximum"] == 100


async def test_subjects_reports_every_invalid_code(core: GatewayHarness) -> None:
    body = await core.graphql(
        "query($c: [String!]!) { subjects(codes: $c) { name } }",
        {"c": ["91350100M000100Y43", "bad", "91110000600037341N"]},
    )
    assert error_codes(body) == ["INVALID_SUBJECT_CODE"]
    assert [i["index"] for i in body["errors"][0]["extensions"]["invalid"]] == [1, 2]


async def test_search_pages_through_every_match_once(core: GatewayHarness) -> None:
    query = """query($n: String!, $after: String) { searchSubjects(name: $n, first: 7, after: $after) {
        edges { cursor node { name code } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await core.graphql(query, {"n": "有限公司", "after": after}))["data"]["searchSubjects"]
        seen += [e["node"]["code"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = sorted((s.name, s.code.value) for s in demo_subjects(60) if "有限公司" in s.name)
    assert len(seen) == len(set(seen)) == len(expected) > 7


@pytest.mark.parametrize("needle", ["%", "_", "' OR '1'='1", "\\", "'; DROP TABLE subject; --"])
async def test_search_treats_wildcards_and_quotes_as_text(core: GatewayHarness, needle: str) -> None:
    body = await core.graphql(
        "query($n: String!) { searchSubjects(name: $n) { edges { node { name } } } }", {"n": needle}
    )
    assert "errors" not in body
    assert body["data"]["searchSubjects"]["edges"] == []
    still = await core.graphql('{ subject(code: "91350100M000100Y43") { name } }')
    assert still["data"]["subject"] is not None


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ("first: 100000000", "LIMIT_EXCEEDED"),
        ("first: -1", "BAD_USER_INPUT"),
        ('after: "not-a-cursor"', "BAD_USER_INPUT"),
        (f'after: "{encode_cursor(1, 2, 3)}"', "BAD_USER_INPUT"),
    ],
)
async def test_search_rejects_abusive_paging(core: GatewayHarness, args: str, code: str) -> None:
    body = await core.graphql(f'{{ searchSubjects(name: "公司", {args}) {{ edges {{ cursor }} }} }}')
    assert error_codes(body) == [code]


async def test_search_rejects_empty_and_huge_names(core: GatewayHarness) -> None:
    for name in ["", "   ", "x" * 101]:
        body = await core.graphql("query($n: String!) { searchSubjects(name: $n) { edges { cursor } } }", {"n": name})
        assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_graphql_errors_have_codes(core: GatewayHarness) -> None:
    assert error_codes(await core.graphql("{ subject(code: ")) == ["GRAPHQL_PARSE_FAILED"]
    assert error_codes(await core.graphql("{ nope }")) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_unknown_record_domain_is_refused(core: GatewayHarness) -> None:
    body = await core.graphql('{ subject(code: "91350100M000100Y43") { records(domain: "nope") { id } } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]
