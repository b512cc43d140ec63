"""Feedback on measures (奖惩反馈) over HTTP, on SQLite and PostgreSQL: a department's report, idempotent on
its request id (the same again: the same report; other content: CONFLICT), the checks that refuse a report,
and who lists which reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from tests.measures.test_measures import RED_ONLY, SUBMIT_ENTRIES, SUBMIT_VIOLATIONS, _write, red_entry
from testsupport.factories import VIOLATOR_CODE, tax_violation

TODAY = china_today()
APPROVAL = "ADMINISTRATIVE_APPROVAL"
REPORT = """mutation($i: MeasureApplicationInput!) { reportMeasureApplied(input: $i) {
  id requestId measureId subjectCode matter action reason date documentNumber note domain catalogueVersion } }"""
LIST = """query($c: String, $m: String, $x: Matter, $f: Int, $a: String) {
  measureApplications(code: $c, measureId: $m, matter: $x, first: $f, after: $a) {
    edges { node { id requestId domain measureId subjectCode } } pageInfo { hasNextPage endCursor } } }"""


def report(request_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "measureId": "MAJOR_TAX_VIOLATION_RESTRICTIONS",
        "subjectCode": VIOLATOR_CODE,
        "matter": "PUBLIC_PROCUREMENT",
        "action": "APPLIED",
        "date": (TODAY - dt.timedelta(days=2)).isoformat(),
        "documentNumber": "榕财采〔2026〕12号",
        **kw,
    }


async def _listed(gw: GatewayHarness, key: str | None, **variables: Any) -> list[dict[str, Any]]:
    body = await gw.graphql(LIST, variables, key=key)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["measureApplications"]["edges"]]


async def test_a_report_is_idempotent_on_its_request_id(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    finance = await gw.create_key("department", domain="finance")
    first = await gw.graphql(REPORT, {"i": report("r-1", note="参与政府采购受限")}, key=finance)
    assert "errors" not in first, first
    stored = first["data"]["reportMeasureApplied"]
    assert stored["domain"] == "finance" and stored["action"] == "APPLIED" and stored["catalogueVersion"] == 0
    assert stored["subjectCode"] == VIOLATOR_CODE and stored["note"] == "参与政府采购受限"
    again = await gw.graphql(REPORT, {"i": report("r-1", note="参与政府采购受限")}, key=finance)
    assert again["data"]["reportMeasureApplied"] == stored
    changed = await gw.graphql(REPORT, {"i": report("r-1", documentNumber="other")}, key=finance)
    assert error_codes(changed) == ["CONFLICT"] and changed["data"] is None
    # Another client's request id of the same text is its own report.
    other = await gw.create_key("department", domain="finance", name="another unit")
    theirs = await gw.graphql(REPORT, {"i": report("r-1")}, key=other)
    assert theirs["data"]["reportMeasureApplied"]["id"] != stored["id"]
    assert len(await _listed(gw, await gw.create_key("admin"))) == 2


async def test_a_faulty_report_is_refused_and_nothing_stored(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    finance = await gw.create_key("department", domain="finance")
    faults = {
        "BAD_USER_INPUT": [
            report("a", measureId="NO_SUCH_MEASURE"),
            report("b", matter="TAX_SERVICES"),  # the measure does not bear on it
            report("c", action="NOT_APPLIED"),  # no reason given
            report("d", date=(TODAY + dt.timedelta(days=3)).isoformat()),
            report("e", documentNumber=" "),
            report("f" * 65),
        ],
        "INVALID_SUBJECT_CODE": [report("g", subjectCode="91350100M000100Y4X")],
        "NOT_FOUND": [report("h", subjectCode=RED_ONLY)],  # valid, but not on file
    }
    for code, inputs in faults.items():
        for given in inputs:
            body = await gw.graphql(REPORT, {"i": given}, key=finance)
            assert error_codes(body) == [code], (given, body)
    assert await _listed(gw, await gw.create_key("admin")) == []
    refused = await gw.graphql(
        REPORT, {"i": report("i", action="NOT_APPLIED", reason="已中标合同已履行完毕")}, key=finance
    )
    assert refused["data"]["reportMeasureApplied"]["reason"] == "已中标合同已履行完毕"


async def test_who_reports_and_who_lists(gw: GatewayHarness) -> None:
    await _write(gw, "tax", SUBMIT_VIOLATIONS, {"v": [tax_violation()]})
    await _write(gw, "culture", SUBMIT_ENTRIES, {"e": [red_entry(RED_ONLY)]})
    finance = await gw.create_key("department", domain="finance")
    culture = await gw.create_key("department", domain="culture")
    admin = await gw.create_key("admin")
    for key, given in [
        (finance, report("f1")),
        (finance, report("f2", measureId="BLACK_LIST_PROCUREMENT_AND_FUNDING")),
        (
            culture,
            report("c1", measureId="CULTURE_GREEN_CHANNEL", subjectCode=RED_ONLY, matter="ADMINISTRATIVE_APPROVAL"),
        ),
        (admin, report("a1")),
    ]:
        body = await gw.graphql(REPORT, {"i": given}, key=key)
        assert "errors" not in body, body

    assert [n["requestId"] for n in await _listed(gw, admin)] == ["a1", "c1", "f2", "f1"]
    assert [n["requestId"] for n in await _listed(gw, finance)] == ["f2", "f1"]
    assert [n["requestId"] for n in await _listed(gw, culture)] == ["c1"]
    filtered = await _listed(gw, admin, c=VIOLATOR_CODE, m="MAJOR_TAX_VIOLATION_RESTRICTIONS", x="PUBLIC_PROCUREMENT")
    assert [n["requestId"] for n in filtered] == ["a1", "f1"]
    # Pages: bounded, with a cursor.
    page = await gw.graphql(LIST, {"f": 1}, key=admin)
    connection = page["data"]["measureApplications"]
    assert connection["pageInfo"]["hasNextPage"] and connection["edges"][0]["node"]["requestId"] == "a1"
    rest = await _listed(gw, admin, a=connection["pageInfo"]["endCursor"])
    assert [n["requestId"] for n in rest] == ["c1", "f2", "f1"]
    assert error_codes(await gw.graphql(LIST, {"f": 10_000}, key=admin)) == ["LIMIT_EXCEEDED"]

    # A subject: the reports about itself only.
    own = await gw.create_key("subject", subject=VIOLATOR_CODE)
    assert [n["requestId"] for n in await _listed(gw, own)] == ["a1", "f2", "f1"]
    assert error_codes(await gw.graphql(LIST, {"c": RED_ONLY}, key=own)) == ["FORBIDDEN"]
    # Neither the public, portals nor partners list or report; a subject does not report.
    for key in (None, await gw.create_key("portal"), await gw.create_key("partner")):
        assert error_codes(await gw.graphql(LIST, {}, key=key)) == ["GRAPHQL_VALIDATION_FAILED"]
        refused = await gw.graphql(REPORT, {"i": report("x")}, key=key)
        assert set(error_codes(refused)) == {"GRAPHQL_VALIDATION_FAILED"}
    refused = await gw.graphql(REPORT, {"i": report("x")}, key=own)
    assert set(error_codes(refused)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert len(await _listed(gw, admin)) == 4
