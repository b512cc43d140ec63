"""``credit-gateway metrics export``: the collection metrics of a year as CSV or XLSX, added to the command
line by the metrics feature's ``cli_commands``. The command line acts as the admin (it holds the database)."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Annotated

import typer

from gateway.features.metrics.export import FORMATS
from gateway.hooks.specs import CommandLine, DatabaseOption, PluginsOption

ENTRY_POINT_GROUP = "credit_gateway"  # the domains: installed plugins (gateway.host.loading reads the same group)


def add_metrics_commands(app: typer.Typer, cli: CommandLine) -> None:
    """The ``metrics`` group with ``export``, on the root ``app``."""
    metrics_app = typer.Typer(help="Collection metrics for the annual assessment (年度评估).", no_args_is_help=True)

    @metrics_app.command("export")
    def metrics_export(
        year: Annotated[int, typer.Option("--year", help="The year of the decisions assessed.")],
        domain: Annotated[str | None, typer.Option("--domain", help="One department (domain); all by default.")] = None,
        division: Annotated[
            str | None, typer.Option("--division", help="A division code (GB/T 2260): it and those below it.")
        ] = None,
        source_unit: Annotated[str | None, typer.Option("--source-unit", help="One source unit's code.")] = None,
        file_format: Annotated[
            str | None, typer.Option("--format", help="csv or xlsx; by default the output's suffix, else csv.")
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--output", help="The file to write; collection-metrics-<year>.<format> here.")
        ] = None,
        late_first: Annotated[
            int | None, typer.Option("--late-first", help="Late records listed per source unit (XLSX), 20 by default.")
        ] = None,
        database_url: DatabaseOption = None,
        plugins: PluginsOption = None,
    ) -> None:
        """Write the year's collection metrics: a row per department (source unit *) and per source unit;
        XLSX adds the volumes by kind and the late records. The file is replaced only once complete."""
        chosen = _format(file_format, output)
        target = output or Path(f"collection-metrics-{year}.{chosen}")
        if not target.parent.is_dir():
            raise cli.fail(f"{target.parent} is not a directory")
        export(cli, year, domain, division, source_unit, late_first, chosen, target, database_url, plugins)

    app.add_typer(metrics_app, name="metrics")


def _format(file_format: str | None, output: Path | None) -> str:
    if file_format is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        return suffix if suffix in FORMATS else "csv"
    if file_format.lower() not in FORMATS:
        raise typer.BadParameter(f"{file_format!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    return file_format.lower()


def export(
    cli: CommandLine,
    year: int,
    domain: str | None,
    division: str | None,
    source_unit: str | None,
    late_first: int | None,
    file_format: str,
    target: Path,
    database_url: str | None,
    plugins: str | None,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from gateway.db.engine import create_engine
    from gateway.features.metrics import export as files
    from gateway.features.metrics.compute import Rules, collect
    from gateway.features.metrics.scope import scope_for, working_calendar
    from gateway.kernel.clock import Clock
    from gateway.kernel.errors import GatewayError

    settings = cli.settings(database_url, plugins)
    installed = sorted(ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    known = [name for name in installed if settings.plugins is None or name in settings.plugins]
    today = Clock(settings.as_of).today()
    try:
        scope = scope_for(
            None,
            year=year,
            domain=domain,
            division=division,
            source_unit=source_unit,
            late_first=late_first,
            known_domains=known,
            today=today,
        )
    except GatewayError as exc:
        raise cli.fail(f"{exc} ({exc.code})") from exc
    rules = Rules(
        working_calendar(settings.working_calendar_file), settings.publicity, settings.disputes.verify_days, today
    )

    async def compute() -> files.CollectionMetrics:
        await cli.check_database(settings)
        engine = create_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return await collect(conn, scope, rules)
        finally:
            await engine.dispose()

    # On stderr, so that nothing but the summary reaches stdout; rich leaves it out when stderr is no terminal.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        step = progress.add_task("computing", total=None)
        report = cli.run(compute())
        progress.update(step, description=f"writing {target.name}", total=files.row_count(report, file_format))
        files.write(report, target, file_format, lambda: progress.advance(step))
    units = sum(len(d.source_units) for d in report.departments)
    records = sum(d.figures.records for d in report.departments)
    summary = f"{len(report.departments)} departments, {units} source units, {records} records"
    cli.print(f"wrote {target} ({file_format}): {summary}")
