"""``credit-gateway supervision regrade [--all]``: bring the materialised grades up to date (or recompute them
all), in batches, with a progress bar on stderr. Added by the supervision feature's ``cli_commands``.

The fact sources and grade rules are every allow-listed plugin's, so the command composes the plugins as the
server does (``CommandLine.composition``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.hooks.specs import CommandLine, DatabaseOption, PluginsOption


def add_supervision_commands(app: typer.Typer, cli: CommandLine) -> None:
    group = typer.Typer(help="Tiered supervision (信用分级分类监管): materialised grades.", no_args_is_help=True)

    @group.command("regrade")
    def regrade(
        everything: Annotated[
            bool, typer.Option("--all", help="Recompute every grade, not only the stale and expired ones.")
        ] = False,
        database_url: DatabaseOption = None,
        plugins: PluginsOption = None,
    ) -> None:
        """Recompute the stale grades (records written or changed, a new rules version, a fact that left force)
        in batches; with --all, every grade."""
        run_regrade(cli, everything, database_url, plugins)

    app.add_typer(group, name="supervision")


def run_regrade(cli: CommandLine, everything: bool, database_url: str | None, plugins: str | None) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from gateway.db.engine import create_engine
    from gateway.features.supervision.contributed import rules_for
    from gateway.features.supervision.grade_facts import grading_sources
    from gateway.features.supervision.materialised import refresh
    from gateway.kernel.clock import Clock

    settings = cli.settings(database_url, plugins)
    composition = cli.composition(settings)
    rules = rules_for(composition)
    sources = list(grading_sources(composition.measure_facts).values())
    clock = Clock(settings.as_of)

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("grading", total=None)

        async def work() -> int:
            await cli.check_database(settings)
            engine = create_engine(settings.database_url)
            try:
                done = await refresh(
                    engine,
                    rules,
                    sources,
                    clock.today(),
                    clock.now(),
                    everything=everything,
                    progress=lambda n, total: progress.update(task, completed=n, total=total),
                )
            finally:
                await engine.dispose()
            return done.recomputed

        recomputed = cli.run(work())
    cli.print(f"recomputed {recomputed} grades (rules {rules.version})")
