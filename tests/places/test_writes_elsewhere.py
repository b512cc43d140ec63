"""Writes other than submissions: a bulk import rejects only its rows outside the division, and a
department's workflow actions on a held record (verifying its dispute) stop at its division."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.tables import credit_record
from gateway.testing import GatewayHarness, error_codes
from gateway.write.importing import import_file
from gateway.write.submissions import SubmissionPolicy

MakeDepartment = Callable[[str, str | None], Awaitable[str]]  # the `department` fixture (conftest.py)

FUZHOU_TAX = "11350100MB0301234" + uscc.calc_check_digit("11350100MB0301234")
HAIDIAN_TAX = "11110108MB0000000" + uscc.calc_check_digit("11110108MB0000000")
HEADINGS = ["纳税人名称", "统一社会信用代码", "评价年度", "纳税信用级别", "评价得分", "直接判级原因", "评价日期",
            "评价机关", "评价机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]  # fmt: skip


def _row(year: int, authority: str) -> list[str]:
    return ["北京海淀中关村数据服务有限公司", "91110108551385082Q", str(year), "A", "92.5", "", "2025年4月10日",
            "税务局", authority, "税务局", authority]  # fmt: skip


async def test_an_import_rejects_only_the_rows_outside_the_division(gw: GatewayHarness, tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADINGS)
        writer.writerows([_row(2021, FUZHOU_TAX), _row(2022, HAIDIAN_TAX), _row(2023, FUZHOU_TAX)])
    policy = dataclasses.replace(SubmissionPolicy.from_settings(gw.settings), division_code="350100")
    importer = gw.graph.composition.importers["tax"]["ratings"]
    summary = await import_file(gw.engine, importer, path, policy)
    assert (summary.rows, summary.created, summary.rejected) == (3, 2, 1)
    with summary.report.open(encoding="utf-8-sig", newline="") as f:
        [reported] = list(csv.reader(f))[1:]
    assert reported[0] == "3" and "outside 350100" in reported[2] and "110108" in reported[2]
    async with gw.engine.connect() as conn:
        divisions = (await conn.execute(sa.select(credit_record.c.division_code))).scalars().all()
    assert divisions == ["350100", "350100"]
    # The same file for the whole platform adds the Haidian row and leaves the others unchanged.
    again = await import_file(gw.engine, importer, path, SubmissionPolicy.from_settings(gw.settings))
    assert (again.created, again.unchanged, again.rejected) == (1, 2, 0)


SUBMIT = """mutation($r: [TaxCreditRatingInput!]!) { submitTaxCreditRatings(ratings: $r) { records { recordId } } }"""


async def test_verifying_a_dispute_stops_at_the_division(gw: GatewayHarness, department: MakeDepartment) -> None:
    admin = await gw.create_key("admin")
    rating = {"subjectCode": "91110108551385082Q", "subjectName": "北京海淀中关村数据服务有限公司", "year": 2024,
              "grade": "B", "score": "82.5", "decisionDate": "2025-04-10", "decidingAuthority": "税务局",
              "decidingAuthorityCode": HAIDIAN_TAX, "sourceUnit": "税务局", "sourceUnitCode": HAIDIAN_TAX}  # fmt: skip
    written = await gw.graphql(SUBMIT, {"r": [rating]}, key=admin)
    record_id = written["data"]["submitTaxCreditRatings"]["records"][0]["recordId"]
    filed = await gw.graphql(
        'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "评分有误"}) { id } }',
        {"r": record_id},
        key=admin,
    )
    dispute = filed["data"]["fileDispute"]["id"]
    assert "errors" not in await gw.graphql(
        "mutation($i: ID!) { forwardDispute(id: $i) { id } }", {"i": dispute}, key=admin
    )
    verify = 'mutation($i: ID!) { verifyDispute(id: $i, outcome: UPHELD, finding: "核实无误") { state } }'
    fuzhou = await department("tax", "350100")
    body = await gw.graphql(verify, {"i": dispute}, key=fuzhou)
    assert error_codes(body) == ["FORBIDDEN"] and body["errors"][0]["extensions"]["division"] == "110108"
    beijing = await department("tax", "110000")
    body = await gw.graphql(verify, {"i": dispute}, key=beijing)
    assert "errors" not in body, body


async def test_a_requests_division_ends_with_it(gw: GatewayHarness, department: MakeDepartment) -> None:
    """The writer's division is the request's: code run after it in the same task (a test, a job) is not
    held to it. (The in-process harness runs the request in the caller's task, where a leak would show.)"""
    from gateway.write.submissions import writer_division

    fuzhou = await department("tax", "350100")
    await gw.graphql('{ division(code: "350100") { code } }', key=fuzhou)
    assert writer_division() is None
    assert SubmissionPolicy.from_settings(gw.settings).division_code is None
