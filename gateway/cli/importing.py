"""``credit-gateway import``: a domain's records from a CSV or JSON Lines file."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from gateway.cli.common import DatabaseOption, build_settings, console, err, fail, run_coroutine
from gateway.cli.db import pending_migrations
from gateway.kernel.errors import ConfigurationError


def import_records(
    file: Annotated[Path, typer.Argument(help="A CSV (UTF-8 or GB18030) or JSON Lines file.")],
    domain: Annotated[str, typer.Option(help="The domain (plugin) whose records the file holds.")],
    kind: Annotated[
        str | None, typer.Option(help="Which of the domain's importers; needed when it has several.")
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: by file extension).")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Encoding of a CSV file (default: UTF-8, else GB18030).")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the per-row report (default: FILE.report.csv).")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5_000, help="Rows per transaction.")] = 500,
    division: Annotated[
        str | None,
        typer.Option(
            help="Import as a department of this division (GB/T 2260, e.g. 350100): rows outside it are "
            "rejected and reported. Default: the whole platform."
        ),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import a domain's records: valid rows are committed, invalid rows reported with their row
    number; running the same file again adds nothing. Exit 1 when some rows were rejected."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from gateway.cli.clients import checked_division
    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins
    from gateway.write.importing import ImportFailed, import_file
    from gateway.write.submissions import SubmissionPolicy

    settings = build_settings(database_url)
    try:
        division_code = checked_division(division)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    try:
        composition = compose_plugins(settings)
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc
    importers = composition.importers.get(domain)
    if not importers:
        with_import = ", ".join(sorted(composition.importers)) or "none"
        raise fail(f"domain {domain!r} has no importer; domains with one: {with_import}", 2)
    if kind is None and len(importers) > 1:
        raise fail(
            f"domain {domain!r} imports several kinds; choose one with --kind: {', '.join(sorted(importers))}", 2
        )
    importer = importers[kind] if kind is not None else next(iter(importers.values()))
    if kind is not None and kind not in importers:
        raise fail(f"unknown kind {kind!r} for {domain}; choose one of {', '.join(sorted(importers))}", 2)
    pending = run_coroutine(pending_migrations(settings))
    if pending:
        raise fail(f"The database needs migrations for: {', '.join(pending)}. Run: credit-gateway db upgrade", 2)

    from gateway.db.tables import metadata as core_metadata

    # Everything an import writes or looks up: the core's tables and the domain's own.
    tables = [*core_metadata.tables, *(o.item.name for o in composition.tables if o.plugin == domain)]

    async def run() -> Any:
        engine = create_engine(settings.database_url)
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        try:
            with Progress(*columns, console=err, transient=False) as progress:
                task = progress.add_task(f"{domain}/{importer.name}", total=file.stat().st_size)
                return await import_file(
                    engine,
                    importer,
                    file,
                    dataclasses.replace(SubmissionPolicy.from_settings(settings), division_code=division_code),
                    file_format=file_format,
                    encoding=encoding,
                    report_path=report,
                    batch_size=batch_size,
                    on_progress=lambda done: progress.update(task, completed=done),
                    analyze_tables=tables,
                )
        finally:
            await engine.dispose()

    try:
        summary = run_coroutine(run())
    except ImportFailed as exc:
        if exc.removed_report is not None:
            console.print(f"removed the previous run's report {exc.removed_report}")
        raise fail(f"nothing imported: {exc}", 2) from exc
    console.print(
        f"{summary.rows} rows in {summary.seconds:.1f}s ({summary.rate:,.0f} rows/s): "
        f"{summary.created} created, {summary.unchanged} unchanged, {summary.rejected} rejected"
    )
    if summary.ignored_columns:
        console.print(f"ignored columns: {', '.join(summary.ignored_columns)}")
    if summary.stopped:
        err.print(f"[bold red]stopped:[/] {summary.stopped}")
    if summary.report is not None:
        console.print(f"report: {summary.report}")
    if summary.removed_report is not None:
        console.print(f"no row rejected: removed the previous run's report {summary.removed_report}")
    if summary.rejected or summary.stopped:
        raise typer.Exit(1)
