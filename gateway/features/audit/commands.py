"""``credit-gateway audit``: the query record (查询记录) and its hash chain, added to the command line
by the audit feature's ``cli_commands``."""

from __future__ import annotations

from typing import Any

import typer

from gateway.hooks.specs import CommandLine, DatabaseOption


def add_audit_commands(app: typer.Typer, cli: CommandLine) -> None:
    """The ``audit`` group with ``verify``, on the root ``app``."""
    audit_app = typer.Typer(help="The query record (查询记录).", no_args_is_help=True)

    @audit_app.command("verify")
    def audit_verify(database_url: DatabaseOption = None) -> None:
        """Check the query record's hash chain from the first row: exit 0 when intact, 1 naming the first
        broken record (row changed, chain broken, deleted row gap), 2 when it could not be checked."""
        verify_chain(cli, database_url)

    app.add_typer(audit_app, name="audit")


def verify_chain(cli: CommandLine, database_url: str | None) -> None:
    """``audit verify``: print the verdict on the chain, or raise the exit that says why there is none."""
    from gateway.db.engine import create_engine
    from gateway.features.audit.chain import chain_key, verify

    settings = cli.settings(database_url)

    async def run() -> Any:
        await cli.check_database(settings)
        engine = create_engine(settings.database_url)
        try:
            return await verify(engine, chain_key(settings.secret_key))
        finally:
            await engine.dispose()

    try:
        result = cli.run(run())
    except typer.Exit as exc:  # the database is unreachable (reported already): no verdict
        raise typer.Exit(2) from exc
    except Exception as exc:  # a missing table, say: not a verdict on the chain
        raise cli.fail(f"could not read the query record: {type(exc).__name__}: {exc}", 2) from exc
    if not result.intact:
        raise cli.fail(f"record {result.broken_id}: {result.reason} ({result.records} records before it intact)")
    cli.print(f"chain intact ({result.records} records)")
