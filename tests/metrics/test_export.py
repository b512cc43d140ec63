"""``credit-gateway metrics export`` run as a user would (typer's runner, on its own thread since the command
runs its own event loop), on SQLite and PostgreSQL: the CSV and the XLSX read back hold the figures
collectionMetrics gives; bad arguments fail plainly and leave an existing file as it was."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from gateway.cli.main import app
from gateway.db.tables import credit_record
from gateway.testing import GatewayHarness
from testsupport.factories import TAX_BUREAU_CODE, tax_violation

CHINA = dt.timezone(dt.timedelta(hours=8))
SUBMIT = (
    """mutation($v: [MajorTaxViolationInput!]!) { submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
)
# Decided Mon Sep 28 2026: the 7th working day is Oct 13 (National Day and the worked Saturday Oct 10).
SUBMITTED = [
    dt.datetime(2026, 9, 29, 10, tzinfo=CHINA),
    dt.datetime(2026, 10, 13, 18, tzinfo=CHINA),
    dt.datetime(2026, 10, 14, 9, tzinfo=CHINA),
]


async def _records(gw: GatewayHarness) -> list[int]:
    key = await gw.create_key("department", domain="tax")
    items = [tax_violation(documentNumber=f"榕税稽罚〔2026〕E{n}号", decisionDate="2026-09-28") for n in range(3)]
    body = await gw.graphql(SUBMIT, {"v": items}, key=key)
    ids = [int(r["recordId"]) for r in body["data"]["submitMajorTaxViolations"]["records"]]
    async with gw.engine.begin() as conn:
        for record_id, submitted in zip(ids, SUBMITTED, strict=True):
            await conn.execute(
                credit_record.update()
                .where(credit_record.c.id == record_id)
                .values(created_at=submitted.astimezone(dt.UTC))
            )
    return ids


async def _run(gw: GatewayHarness, *args: str) -> Result:
    command = ["metrics", "export", "--database-url", gw.settings.database_url, *args]
    return await asyncio.to_thread(CliRunner().invoke, app, command)


def _temporaries(directory: Path) -> list[Path]:
    return list(directory.glob(".*.tmp"))


def _tax_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["source_unit_code"]: row for row in rows if row["domain"] == "tax"}


async def test_csv_and_xlsx_hold_the_figures(gw: GatewayHarness, tmp_path: Path) -> None:
    ids = await _records(gw)
    target = tmp_path / "metrics.csv"
    result = await _run(gw, "--year", "2026", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "3 records" in result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = _tax_rows(list(csv.DictReader(handle)))
    assert set(rows) == {"*", TAX_BUREAU_CODE}
    for row in rows.values():
        assert (row["records"], row["timely"], row["late"], row["timely_share"]) == ("3", "2", "1", "0.6667")
    assert rows["*"]["commitments_made"] == "0" and rows[TAX_BUREAU_CODE]["commitments_made"] == ""
    assert rows[TAX_BUREAU_CODE]["source_unit"] == "国家税务总局福州市税务局"
    assert not _temporaries(tmp_path)  # the temporary file was moved, not left behind

    book_path = tmp_path / "metrics.xlsx"  # the format from the suffix
    result = await _run(gw, "--year", "2026", "--domain", "tax", "--output", str(book_path))
    assert result.exit_code == 0, result.output
    book = load_workbook(book_path)  # not read-only: rows come back as wide as the header
    assert book.sheetnames == ["units", "kinds", "late records"]

    def sheet(name: str) -> list[dict[str, Any]]:
        header, *body = list(book[name].iter_rows(values_only=True))
        return [dict(zip(header, row, strict=True)) for row in body]

    units = _tax_rows(sheet("units"))
    assert units[TAX_BUREAU_CODE]["records"] == 3 and units[TAX_BUREAU_CODE]["late"] == 1
    assert units["*"]["timely_share"] == 0.6667
    assert [(k["source_unit_code"], k["records"]) for k in sheet("kinds")] == [("*", 3), (TAX_BUREAU_CODE, 3)]
    [late] = sheet("late records")
    assert late["record_id"] == ids[2] and late["deadline"].date() == dt.date(2026, 10, 13)
    assert late["working_days"] == 8 and late["submitted_at"] == "2026-10-14T01:00:00+00:00"


async def test_bad_arguments_fail_and_keep_the_old_file(gw: GatewayHarness, tmp_path: Path) -> None:
    target = tmp_path / "metrics.csv"
    target.write_text("kept", encoding="utf-8")
    for args, message in (
        (["--year", "1999"], "BAD_USER_INPUT"),
        (["--year", "2026", "--domain", "nope"], "BAD_USER_INPUT"),
        (["--year", "2026", "--division", "12"], "INVALID_DIVISION"),
        (["--year", "2026", "--format", "pdf"], "pdf"),
    ):
        result = await _run(gw, *args, "--output", str(target))
        assert result.exit_code != 0 and message in result.output, result.output
    assert target.read_text(encoding="utf-8") == "kept"
