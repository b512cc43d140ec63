"""Control characters in any string argument are refused before anything runs, alike on SQLite and
PostgreSQL: NUL (which PostgreSQL cannot store and SQLite compares as the end of the string), the
other C0 and C1 controls, DEL and unpaired surrogates; tab, line feed and carriage return pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.host.demo import demo_subjects, seed_subjects
from gateway.kernel.text_checks import problem
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"
BUREAU = "11350100MB0301234"
BUREAU += uscc.calc_check_digit(BUREAU)

SEARCH = "query($n: String!) { searchSubjects(name: $n, first: 5) { edges { node { code name } } } }"
COMPLAIN = "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { trackingToken complaint { state } } }"
SUBMIT = "mutation($r: [TaxCreditRatingInput!]!) { submitTaxCreditRatings(ratings: $r) { created } }"


def refused(body: dict[str, Any], argument: str) -> None:
    """One BAD_USER_INPUT error naming the argument, no data: nothing ran."""
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    error = body["errors"][0]
    assert error["extensions"]["argument"] == argument
    assert "control character" in error["message"]
    assert not body.get("data")


def rating(n: int, **changes: Any) -> dict[str, Any]:
    subject = [s for s in demo_subjects(30) if not s.code.is_natural_person][n]
    return {
        "subjectCode": subject.code.value, "subjectName": subject.name, "year": 2024, "grade": "B", "score": 82.5,
        "decisionDate": "2025-04-20", "decidingAuthority": "国家税务总局福州市税务局", "decidingAuthorityCode": BUREAU,
        "sourceUnit": "国家税务总局福州市税务局", "sourceUnitCode": BUREAU, **changes,
    }  # fmt: skip


@pytest.fixture
async def subjects(gw: GatewayHarness) -> GatewayHarness:
    await seed_subjects(gw.engine, demo_subjects(30), gw.settings.secret_key)
    return gw


@pytest.mark.parametrize(
    "text",
    ["\x00", "福州\x00", "\x01", "\x1b[31m", "\x7f", "\x85", "a\x9fb"],
    ids=["nul", "nul-inside", "soh", "escape", "del", "nel", "c1"],
)
async def test_search_refuses_control_characters(subjects: GatewayHarness, text: str) -> None:
    refused(await subjects.graphql(SEARCH, {"n": text}), "$n")


async def test_search_refuses_an_inline_nul_and_names_the_argument(subjects: GatewayHarness) -> None:
    # The GraphQL escape \u0000 inside a literal decodes to NUL just as the JSON one in a variable does.
    inline = '{ searchSubjects(name: "\\u0000") { edges { node { code } } } }'
    refused(await subjects.graphql(inline), "searchSubjects.name")
    aliased = '{ found: searchSubjects(first: 2, name: "福州\\u0001") { edges { node { code } } } }'
    refused(await subjects.graphql(aliased), "found.name")


async def test_tab_line_feed_and_carriage_return_pass(subjects: GatewayHarness) -> None:
    body = await subjects.graphql(SEARCH, {"n": "福州\t"})
    assert not body.get("errors"), body
    body = await subjects.graphql(
        COMPLAIN, {"i": {"subjectCode": SHOWCASE, "domain": "tax", "matter": "第一行\r\n第二行\t附件"}}
    )
    assert not body.get("errors"), body
    assert body["data"]["fileComplaint"]["complaint"]["state"]


async def test_file_complaint_refuses_nul_in_variables_and_in_literals(subjects: GatewayHarness) -> None:
    body = await subjects.graphql(COMPLAIN, {"i": {"subjectCode": SHOWCASE, "domain": "tax", "matter": "虚开\x00发票"}})
    refused(body, "$i.matter")
    inline = (
        'mutation { fileComplaint(input: {subjectCode: "91350100M000100Y43", domain: "tax", '
        'matter: "虚开\\u0000发票"}) { trackingToken } }'
    )
    refused(await subjects.graphql(inline), "fileComplaint.input.matter")
    async with subjects.engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM complaint"))).scalar_one() == 0


async def test_submission_refuses_nul_in_a_nested_field_and_writes_nothing(subjects: GatewayHarness) -> None:
    key = await subjects.create_key("department", domain="tax")
    items = [rating(0), rating(1, subjectName="北京\x00数据服务有限公司"), rating(2)]
    refused(await subjects.graphql(SUBMIT, {"r": items}, key=key), "$r[1].subjectName")
    fields = rating(0, decidingAuthority="税务局\x07")
    literal = ", ".join(f"{name}: {json.dumps(value, ensure_ascii=False)}" for name, value in fields.items())
    inline = f"mutation {{ submitTaxCreditRatings(ratings: [{{{literal}}}]) {{ created }} }}"
    refused(await subjects.graphql(inline, key=key), "submitTaxCreditRatings.ratings[0].decidingAuthority")
    async with subjects.engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM credit_record"))).scalar_one() == 0
    assert not (await subjects.graphql(SUBMIT, {"r": [rating(0), rating(2)]}, key=key)).get("errors")


async def test_an_unpaired_surrogate_is_refused_not_a_server_error(subjects: GatewayHarness) -> None:
    # JSON can spell a lone surrogate; strict JSON parsing refuses the body (400), never a 500.
    raw = '{"query": "query($n: String!) { searchSubjects(name: $n) { edges { node { code } } } }", '
    raw += '"variables": {"n": "\\ud800"}}'
    response = await subjects.client.post(
        "/graphql", content=raw.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    # A GraphQL literal cannot spell one either: the parser refuses it.
    body = await subjects.graphql('{ searchSubjects(name: "\\uD800") { edges { node { code } } } }')
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


def test_the_rule_names_the_character_and_never_repeats_it() -> None:
    assert problem("正常文本\t\r\n") is None
    reason = problem("ab\x00")
    assert reason is not None and "U+0000 (NUL)" in reason and "position 3" in reason and "\x00" not in reason
    assert "unpaired surrogate" in (problem("\udc80") or "")
