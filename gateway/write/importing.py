"""Bulk import of a domain's records from CSV or JSON Lines, streamed with bounded memory.

Rows are read one at a time, parsed by the plugin's :class:`~gateway.hooks.contributions.Importer`
columns, and written in batches through the record kind's partial submission: valid rows are
committed, every invalid row is written to the report with its row number and reason, and a row
whose record is already held identically counts as unchanged, so re-running a file adds nothing.

Fatal problems (an unreadable file, a missing required column) stop the import before anything is
written; a decoding error or an oversized line in the middle stops it there, after every row before
it was imported or reported, and the report says where. A cell holding a control character
(:mod:`gateway.kernel.text_checks`) rejects its row, as GraphQL refuses such an argument.

Each run writes its own report: it is written aside and moved over ``FILE.report.csv`` at the end,
and a run that rejects nothing removes a previous run's report (and says so), so that the report
beside a file is never an older run's. A batch that a concurrent import of the same records makes
fail (two imports of one file, say) is retried; it is reported row by row only if it keeps failing.

Over 400 lines on purpose: streaming, decoding (UTF-8 or GB18030), parsing, batching and the report are
one pipeline with one bounded-memory invariant, kept together so that it can be checked in one reading.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.hooks.contributions import ImportColumn, Importer
from gateway.kernel.errors import CONFLICT, GatewayError
from gateway.kernel.limits import MAX_LINE_BYTES
from gateway.kernel.text_checks import problem
from gateway.write.submissions import SubmissionPolicy

DEFAULT_BATCH = 500
SNIFF_BYTES = 64 * 1024
ENCODINGS = ("utf-8", "gb18030")
# A batch that concurrent writers keep making fail is tried this often, then reported row by row.
BATCH_ATTEMPTS = 5
# PostgreSQL's deadlock and serialisation failures: the transaction lost a race and may simply be re-run.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
csv.field_size_limit(MAX_LINE_BYTES)


class ImportFailed(Exception):
    """The file cannot be imported at all; nothing was written."""

    # A previous run's report, removed since it no longer describes the file.
    removed_report: Path | None = None


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    stopped: str | None = None  # why the import stopped before the end of the file, if it did
    seconds: float = 0.0
    report: Path | None = None
    removed_report: Path | None = None  # a previous run's report, removed because this run rejected nothing
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _normalise_heading(heading: str) -> str:
    # Full-width brackets and stray spaces or BOMs differ between exports of the same template.
    return unicodedata.normalize("NFKC", heading).replace("\ufeff", "").replace(" ", "").strip()


def map_columns(importer: Importer, headings: list[str]) -> tuple[dict[int, ImportColumn], list[str]]:
    """Which position holds which column; raises ImportFailed naming every missing required column."""
    positions = {_normalise_heading(h): i for i, h in reversed(list(enumerate(headings)))}
    mapping: dict[int, ImportColumn] = {}
    missing: list[str] = []
    for column in importer.columns:
        found = next((positions[n] for n in map(_normalise_heading, column.headings) if n in positions), None)
        if found is not None:
            mapping[found] = column
        elif column.required:
            missing.append(f"{column.headings[0]} ({column.field})")
    if missing:
        raise ImportFailed(
            f"missing required column(s): {', '.join(missing)}; the file has: {', '.join(h for h in headings if h)}"
        )
    ignored = [h for i, h in enumerate(headings) if i not in mapping and h.strip()]
    return mapping, ignored


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start of the file decodes as UTF-8, else GB18030."""
    with path.open("rb") as raw:
        head = raw.read(SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


@dataclass
class _Row:
    number: int
    cells: dict[str, str] | None = None
    error: str | None = None


# With ``surrogateescape``, each byte the encoding cannot decode reads as a surrogate U+DC80–U+DCFF.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def _undecodable(cells: Sequence[str], headings: Sequence[str]) -> tuple[str, str] | None:
    """The column and the bytes (``0xFF 0xFE``) of the first cell holding bytes the encoding could
    not decode."""
    for position, cell in enumerate(cells):
        found = _ESCAPED_BYTES.search(cell)
        if found is not None:
            shown = " ".join(f"0x{ord(char) - 0xDC00:02X}" for char in found.group()[:8])
            return (headings[position] if position < len(headings) else ""), shown
    return None


def _open_csv(raw: BinaryIO, encoding: str) -> tuple[io.TextIOWrapper, list[str], Iterator[_Row]]:
    """The text wrapper (the caller keeps it, or collecting it would close the file), the heading
    row, and the data rows.

    Undecodable bytes are escaped (``surrogateescape``) rather than raised: a strict decoder fails on
    the whole chunk it decodes, so the rows read ahead in that chunk would be lost unreported. Escaped,
    they surface in the row that holds them, which stops the import exactly there."""
    text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
    reader = csv.reader(text)
    label = encoding.removesuffix("-sig")
    try:
        headings = next(reader)
    except StopIteration:
        raise ImportFailed("the file is empty") from None
    if (bad := _undecodable(headings, headings)) is not None:
        raise ImportFailed(f"the heading row is not valid {label} (bytes {bad[1]})")

    def rows() -> Iterator[_Row]:
        for cells in reader:
            number = reader.line_num
            if (bad := _undecodable(cells, headings)) is not None:
                column, found = bad
                where = f" in column {column}" if column else ""
                raise _Stopped(
                    number,
                    f"stopped at row {number}: bytes {found}{where} are not valid {label}; every row before it was "
                    "imported or reported, the rest of the file was not read",
                    column,
                )
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(headings):
                yield _Row(number, error=f"has {len(cells)} cells where the heading row has {len(headings)}")
                continue
            yield _Row(number, cells=dict(zip(headings, cells, strict=True)))

    return text, headings, rows()


def _jsonl_rows(raw: BinaryIO) -> Iterator[_Row]:
    number = 0
    while True:
        line = raw.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the oversized line, chunk by chunk
                line = raw.readline(MAX_LINE_BYTES)
            yield _Row(number, error=f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield _Row(number, error=f"not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield _Row(number, error="a line must hold one JSON object")
            continue
        yield _Row(number, cells={str(k): "" if v is None else str(v) for k, v in value.items()})


def _parse_row(
    row: _Row, mapping: dict[str, ImportColumn], importer: Importer
) -> tuple[Any | None, list[tuple[str, str]]]:
    """The input object of one row, or the (column, reason) problems that stop it."""
    assert row.cells is not None
    fields: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for heading, column in mapping.items():
        cell = row.cells.get(heading, "")
        if not cell.strip():
            if column.required:
                problems.append((heading, "missing value"))
            else:
                fields[column.field] = column.parse(cell) if cell else column.parse("")
            continue
        try:
            fields[column.field] = column.parse(cell)
        except ValueError as exc:
            problems.append((heading, str(exc)))
    if problems:
        return None, problems
    try:
        return importer.make_input(**fields), []
    except (TypeError, ValueError) as exc:
        return None, [("", f"cannot build the record: {exc}")]


class _Report:
    """The per-row report, written as it goes (never held in memory), UTF-8 with BOM for Excel.

    It is written to a temporary file beside ``path`` and moved over it when the run ends, so that
    two runs at once never write into one file, and ``path`` always holds a whole run's report."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None
        self.rows = 0

    def add(self, row: int, column: str, reason: str) -> None:
        if self._file is None:
            # A name of this run's own, opened exclusively; an ordinary open, so the report gets the
            # permissions any file the user writes gets (a temporary file's would be owner-only).
            partial = self.path.with_name(f".{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
            self._file = partial.open("x", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["row", "column", "reason"])
        self._writer.writerow([row, column, reason])
        self.rows += 1

    def close(self) -> Path | None:
        """Put this run's report in place; when it reported nothing, remove a previous run's report
        and return its path."""
        if self._file is not None:
            self._file.close()
            os.replace(self._file.name, self.path)
            return None
        try:
            self.path.unlink()
        except FileNotFoundError:
            return None
        return self.path


async def import_file(
    engine: AsyncEngine,
    importer: Importer,
    path: Path,
    policy: SubmissionPolicy,
    *,
    file_format: str | None = None,
    encoding: str | None = None,
    report_path: Path | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_progress: Callable[[int], None] | None = None,
    analyze_tables: Sequence[str] = (),
) -> ImportSummary:
    """Import ``path``; ``on_progress`` receives the bytes read so far.

    On PostgreSQL, ``analyze_tables`` are analysed as they grow (after 2,000 new records, then each
    time the count quadruples): a table that grows from nothing within one import otherwise keeps the
    statistics of an empty table, and the natural-key look-ups turn into sequential scans.
    """
    summary = ImportSummary(report=report_path or path.with_name(path.name + ".report.csv"))
    assert summary.report is not None
    report = _Report(summary.report)
    started = time.perf_counter()
    try:
        await _import_rows(
            engine, importer, path, policy, summary, report, file_format, encoding, batch_size, on_progress,
            analyze_tables,
        )  # fmt: skip
    except ImportFailed as failed:
        failed.removed_report = report.close()
        raise
    except BaseException:
        report.close()  # what was found before the failure is this run's report
        raise
    summary.removed_report = report.close()
    summary.seconds = time.perf_counter() - started
    if report.rows == 0:
        summary.report = None
    return summary


async def _import_rows(
    engine: AsyncEngine,
    importer: Importer,
    path: Path,
    policy: SubmissionPolicy,
    summary: ImportSummary,
    report: _Report,
    file_format: str | None,
    encoding: str | None,
    batch_size: int,
    on_progress: Callable[[int], None] | None,
    analyze_tables: Sequence[str],
) -> None:
    if not path.is_file():
        raise ImportFailed(f"no such file: {path}")
    fmt = (file_format or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv")).lower()
    if fmt not in ("csv", "jsonl"):
        raise ImportFailed(f"unknown format {fmt!r}; use csv or jsonl")
    with path.open("rb") as raw:
        if fmt == "csv":
            chosen = encoding or detect_encoding(path)
            try:
                codecs.lookup(chosen)
            except LookupError:
                raise ImportFailed(f"unknown encoding {chosen!r}") from None
            _text, headings, rows = _open_csv(raw, chosen)
            mapping_by_position, summary.ignored_columns = map_columns(importer, headings)
            mapping = {headings[i]: column for i, column in mapping_by_position.items()}
        else:
            rows = _jsonl_rows(raw)
            mapping = {}
        batch: list[tuple[int, Any]] = []
        next_analyze = 2_000
        analyze = bool(analyze_tables) and engine.dialect.name == "postgresql"

        async def flush() -> None:
            nonlocal next_analyze
            if not batch:
                return
            outcome = await _submit_batch(engine, importer, [item for _, item in batch], policy)
            if outcome is None:
                for number, _ in batch:
                    report.add(number, "", f"not written: concurrent imports of the same records kept conflicting "
                               f"({BATCH_ATTEMPTS} attempts); import the file again")  # fmt: skip
                summary.rejected += len(batch)
                batch.clear()
                return
            written, rejected = outcome
            summary.created += sum(1 for w in written if w.status.value == "CREATED")
            summary.unchanged += sum(1 for w in written if w.status.value == "UNCHANGED")
            for error in rejected:
                report.add(batch[error.index][0], error.field, error.message)
            summary.rejected += len({e.index for e in rejected})
            batch.clear()
            if analyze and summary.created >= next_analyze:
                async with engine.begin() as conn:
                    await conn.execute(sa.text(f"ANALYZE {', '.join(analyze_tables)}"))
                next_analyze *= 4
            if on_progress is not None:
                on_progress(raw.tell())

        try:
            for row in _rows_checked(rows, fmt, chosen if fmt == "csv" else "utf-8"):
                summary.rows += 1
                if row.error is not None:
                    report.add(row.number, "", row.error)
                    summary.rejected += 1
                    continue
                refused = _refused_cells(row)
                if refused:
                    for column, reason in refused:
                        report.add(row.number, column, reason)
                    summary.rejected += 1
                    continue
                row_mapping = mapping if fmt == "csv" else _jsonl_mapping(importer, row)
                item, problems = _parse_row(row, row_mapping, importer)
                if problems:
                    for column, reason in problems:
                        report.add(row.number, column, reason)
                    summary.rejected += 1
                    continue
                batch.append((row.number, item))
                if len(batch) >= batch_size:
                    await flush()
            await flush()
        except _Stopped as stop:
            await flush()
            summary.stopped = str(stop)
            report.add(stop.row, stop.column, str(stop))


def _refused_cells(row: _Row) -> list[tuple[str, str]]:
    """Every cell of the row holding a character no stored text may hold (NUL, other controls)."""
    assert row.cells is not None
    return [(column, reason) for column, cell in row.cells.items() if (reason := problem(cell)) is not None]


async def _submit_batch(
    engine: AsyncEngine, importer: Importer, items: list[Any], policy: SubmissionPolicy
) -> tuple[list[Any], list[Any]] | None:
    """Write a batch's valid items; None when concurrent writers made every attempt fail.

    A batch fails whole when another transaction wrote one of its records or subjects first (two
    imports of one file): on the next attempt those read as already held, so a retry settles it.
    """
    for _attempt in range(BATCH_ATTEMPTS):
        try:
            return await importer.kind.submit_valid(engine, items, policy)
        except GatewayError as exc:
            if exc.code != CONFLICT:
                raise
        except DBAPIError as exc:
            driver_error = getattr(exc.orig, "driver_exception", exc.orig)
            if getattr(driver_error, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
                raise
    return None


class _Stopped(Exception):
    def __init__(self, row: int, message: str, column: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.column = column


def _rows_checked(rows: Iterator[_Row], fmt: str, encoding: str) -> Iterator[_Row]:
    """The rows, turning a decoding or CSV error mid-file into a stop at a known row."""
    last = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise _Stopped(
                last + 1, f"stopped after row {last}: the file is not valid {encoding} ({exc.reason})"
            ) from exc
        except csv.Error as exc:
            raise _Stopped(last + 1, f"stopped after row {last}: {exc}") from exc
        last = row.number
        yield row


def _jsonl_mapping(importer: Importer, row: _Row) -> dict[str, ImportColumn]:
    """A JSON line names each field by its field name or one of its headings; an absent required
    field maps its field name to the column, so that it is reported as missing."""
    assert row.cells is not None
    mapping: dict[str, ImportColumn] = {}
    for column in importer.columns:
        key = next((k for k in (column.field, *column.headings) if k in row.cells), None)
        if key is not None:
            mapping[key] = column
        elif column.required:
            mapping[column.field] = column
    return mapping
