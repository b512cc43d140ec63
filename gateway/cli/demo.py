"""``credit-gateway demo``: the deterministic demo data (``serve --demo`` seeds it too)."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.common import DatabaseOption, PluginsOption, build_settings, console, run_coroutine
from gateway.cli.db import upgrade
from gateway.kernel.settings import Settings


async def seed(settings: Settings, subjects: int) -> int:
    """Seed ``subjects`` demo subjects into a migrated database; how many were new."""
    from gateway.db.engine import create_engine
    from gateway.host import demo
    from gateway.server.app import compose_plugins

    composition = compose_plugins(settings)
    engine = create_engine(settings.database_url)
    try:
        return await demo.seed(engine, composition.manager, secret_key=settings.secret_key, subjects=subjects)
    finally:
        await engine.dispose()


def demo_seed(
    database_url: DatabaseOption = None,
    plugins: PluginsOption = None,
    subjects: Annotated[int, typer.Option(help="How many demo subjects.")] = 1_000,
) -> None:
    """Migrate and seed the deterministic demo data (seeding twice changes nothing)."""
    settings = build_settings(database_url, plugins)
    run_coroutine(upgrade(settings))
    added = run_coroutine(seed(settings, subjects))
    console.print(f"{added} new subjects")
