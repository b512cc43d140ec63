"""The collection metrics as files: CSV (one row per department and per source unit) or XLSX (that table,
the volumes by kind, and the late records listed), written to a temporary file beside the target and
moved over it, so that a reader never sees half a file and a failure leaves the old one as it was."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gateway.features.metrics.report import CollectionFigures, CollectionMetrics

FORMATS = ("csv", "xlsx")
ALL_UNITS = "*"  # the source unit column of a department's own row (every unit in scope)

FIGURE_COLUMNS = (
    "records",
    "timely",
    "late",
    "timely_share",
    "disputed",
    "dispute_rate",
    "corrected",
    "correction_rate",
    "revoked",
    "revocation_rate",
    "disputes_forwarded",
    "disputes_answered_late",
    "repairs_approved",
    "repairs_rejected",
)
UNIT_HEADER = (
    "year",
    "domain",
    "source_unit_code",
    "source_unit",
    *FIGURE_COLUMNS,
    "commitments_made",
    "commitments_broken",
)
KIND_HEADER = ("year", "domain", "source_unit_code", "record_type", "category", "records")
LATE_HEADER = (
    "year",
    "domain",
    "source_unit_code",
    "record_id",
    "record_type",
    "category",
    "document_number",
    "decision_date",
    "deadline",
    "submitted_at",
    "published_at",
    "working_days",
)


def _figures(figures: CollectionFigures) -> list[Any]:
    return [getattr(figures, name) for name in FIGURE_COLUMNS]


def unit_rows(report: CollectionMetrics) -> Iterator[list[Any]]:
    """A department's row (source unit ``*``, with its commitments), then one per listed source unit."""
    for department in report.departments:
        commitments = department.commitments
        made, broken = (commitments.made, commitments.broken) if commitments is not None else (None, None)
        yield [report.year, department.domain, ALL_UNITS, "", *_figures(department.figures), made, broken]
        for unit in department.source_units:
            yield [
                report.year,
                department.domain,
                unit.source_unit_code,
                unit.source_unit,
                *_figures(unit.figures),
                None,
                None,
            ]


def kind_rows(report: CollectionMetrics) -> Iterator[list[Any]]:
    for department in report.departments:
        for kind in department.figures.by_kind:
            yield [report.year, department.domain, ALL_UNITS, kind.record_type, kind.category, kind.records]
        for unit in department.source_units:
            for kind in unit.figures.by_kind:
                yield [
                    report.year,
                    department.domain,
                    unit.source_unit_code,
                    kind.record_type,
                    kind.category,
                    kind.records,
                ]


def late_rows(report: CollectionMetrics) -> Iterator[list[Any]]:
    for department in report.departments:
        for unit in department.source_units:
            for late in unit.late_records:
                yield [
                    report.year,
                    department.domain,
                    unit.source_unit_code,
                    int(late.record_id),
                    late.record_type,
                    late.category,
                    late.document_number,
                    late.decision_date,
                    late.deadline,
                    late.submitted_at.isoformat(),
                    late.published_at.isoformat() if late.published_at else None,
                    late.working_days,
                ]


def row_count(report: CollectionMetrics, file_format: str) -> int:
    count = sum(1 + len(d.source_units) for d in report.departments)
    if file_format == "xlsx":
        count += sum(1 for _ in kind_rows(report)) + sum(1 for _ in late_rows(report))
    return count


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path in ``path``'s directory, moved over ``path`` when the block succeeds."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write(report: CollectionMetrics, path: Path, file_format: str, advance: Callable[[], None]) -> None:
    """Write ``report`` to ``path`` atomically; ``advance()`` is called once per row written."""
    with atomic_target(path) as temporary:
        if file_format == "csv":
            _write_csv(report, temporary, advance)
        else:
            _write_xlsx(report, temporary, advance)


def _write_csv(report: CollectionMetrics, path: Path, advance: Callable[[], None]) -> None:
    # utf-8-sig: spreadsheet programs on Chinese Windows read the Chinese unit names right only with the BOM.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(UNIT_HEADER)
        for row in unit_rows(report):
            writer.writerow(["" if value is None else value for value in row])
            advance()


def _write_xlsx(report: CollectionMetrics, path: Path, advance: Callable[[], None]) -> None:
    # Imported here: openpyxl pulls in numpy and Pillow (tens of MB), which serving workers never need.
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # streams rows: memory does not grow with the sheets
    for title, header, rows in (
        ("units", UNIT_HEADER, unit_rows(report)),
        ("kinds", KIND_HEADER, kind_rows(report)),
        ("late records", LATE_HEADER, late_rows(report)),
    ):
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(row)
            advance()
    book.save(path)
