"""``credit-gateway db``: migrations, and the database checks other commands run before their work."""

from __future__ import annotations

from typing import Any

import typer

from gateway.cli.common import DatabaseOption, PluginsOption, build_settings, console, fail, run_coroutine
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


async def check_database(settings: Settings) -> None:
    """Fail early and plainly when the database cannot be reached."""
    import sqlalchemy as sa

    from gateway.db.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise ConfigurationError(
            f"Database {safe_url(settings.database_url)} is unreachable: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        await engine.dispose()


def safe_url(url: str) -> str:
    """``url`` fit to print: its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def upgrade(settings: Settings) -> dict[str, Any]:
    """Migrate the core and every loaded plugin; their migration status afterwards."""
    from gateway.db import migrate
    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins

    composition = compose_plugins(settings)
    await check_database(settings)
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine, composition.migrations)
        return await migrate.status(engine, composition.migrations)
    finally:
        await engine.dispose()


async def pending_migrations(settings: Settings) -> list[str]:
    """The components (core, plugins) whose tables are behind their latest migration."""
    from gateway.db import migrate
    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins

    composition = compose_plugins(settings)
    await check_database(settings)
    engine = create_engine(settings.database_url)
    try:
        status = await migrate.status(engine, composition.migrations)
    finally:
        await engine.dispose()
    return [name for name, state in status.items() if not state["up_to_date"]]


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None, plugins: PluginsOption = None) -> None:
    """Bring the core and every loaded plugin's tables to their latest migration."""
    status = run_coroutine(upgrade(build_settings(database_url, plugins)))
    for component, state in status.items():
        console.print(f"{component}: {', '.join(state['current']) or '-'}")


@db_app.command("status")
def db_status(database_url: DatabaseOption = None, plugins: PluginsOption = None) -> None:
    """Show each component's applied and expected migration; exit 1 when any is behind."""
    settings = build_settings(database_url, plugins)
    pending = run_coroutine(pending_migrations(settings))
    if pending:
        raise fail(f"behind: {', '.join(pending)}")
    console.print("up to date")
