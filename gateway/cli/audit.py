"""``credit-gateway audit``: the query record (查询记录) and its hash chain."""

from __future__ import annotations

from typing import Any

import typer

from gateway.cli.common import DatabaseOption, build_settings, console, fail, run_coroutine
from gateway.cli.db import check_database

audit_app = typer.Typer(help="The query record (查询记录).", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(database_url: DatabaseOption = None) -> None:
    """Check the query record's hash chain from the first row: exit 0 when intact, 1 naming the first
    broken record (row changed, chain broken, deleted row gap), 2 when it could not be checked."""
    from gateway.db.engine import create_engine
    from gateway.features.audit.chain import chain_key, verify

    settings = build_settings(database_url)

    async def run() -> Any:
        await check_database(settings)
        engine = create_engine(settings.database_url)
        try:
            return await verify(engine, chain_key(settings.secret_key))
        finally:
            await engine.dispose()

    try:
        result = run_coroutine(run())
    except typer.Exit as exc:
        raise typer.Exit(2) from exc
    except Exception as exc:  # a missing table, say: not a verdict on the chain
        raise fail(f"could not read the query record: {type(exc).__name__}: {exc}", 2) from exc
    if not result.intact:
        raise fail(f"record {result.broken_id}: {result.reason} ({result.records} records before it intact)")
    console.print(f"chain intact ({result.records} records)")
