"""``credit-gateway clients``: API clients, their keys and operations. The checks behind
``clients create`` are in gateway.cli.clients; ``clients contract`` (a partner's contract) is added to
this group by the partners feature (gateway.features.partners.commands, through ``cli_commands``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gateway.cli.common import DatabaseOption, build_settings, console, fail, run_coroutine

clients_app = typer.Typer(help="API clients and their keys.", no_args_is_help=True)


@clients_app.command("create")
def clients_create(
    role: Annotated[str, typer.Option(help="portal, department, admin, partner or subject.")],
    name: Annotated[str, typer.Option(help="Who the client is.")],
    domain: Annotated[str | None, typer.Option(help="For a department: its domain (a plugin name).")] = None,
    subject: Annotated[str | None, typer.Option(help="For a subject: its USCC or ID number.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a client and print its API key once; only a digest is stored."""
    from gateway.cli.clients import create_client_checked

    settings = build_settings(database_url)
    try:
        info, key = run_coroutine(create_client_checked(settings, role=role, name=name, domain=domain, subject=subject))
    except ValueError as exc:
        raise fail(str(exc)) from exc
    console.print(f"client {info.id} ({info.role.value}{', ' + info.domain if info.domain else ''}): {info.name}")
    console.print("API key (shown once, store it now):")
    print(key)


@clients_app.command("list")
def clients_list(database_url: DatabaseOption = None) -> None:
    """List clients (never their keys)."""
    from gateway.auth.keys import list_clients
    from gateway.db.engine import create_engine

    async def fetch() -> list[Any]:
        engine = create_engine(build_settings(database_url).database_url)
        try:
            return await list_clients(engine)
        finally:
            await engine.dispose()

    table = Table("id", "name", "role", "domain", "contract", "key prefix", "created", "revoked")
    out = console if console.is_terminal else Console(width=200)  # piped: whole rows, for grep
    for c in run_coroutine(fetch()):
        table.add_row(
            str(c.id),
            c.name,
            c.role.value,
            c.domain or "",
            c.contract_groups.replace(",", ", "),
            c.key_prefix,
            str(c.created_at)[:19],
            str(c.revoked_at)[:19] if c.revoked_at else "",
        )
    out.print(table)


@clients_app.command("revoke")
def clients_revoke(
    client_id: Annotated[int, typer.Argument(help="The client's id.")], database_url: DatabaseOption = None
) -> None:
    """Revoke a client's key at once."""
    from gateway.auth.keys import revoke_client
    from gateway.db.engine import create_engine

    async def run() -> bool:
        engine = create_engine(build_settings(database_url).database_url)
        try:
            return await revoke_client(engine, client_id)
        finally:
            await engine.dispose()

    if not run_coroutine(run()):
        raise fail(f"no active client with id {client_id}")
    console.print(f"client {client_id} revoked")


@clients_app.command("restrict")
def clients_restrict(
    client_id: Annotated[int, typer.Argument(help="The client's id.")],
    operations: Annotated[
        list[Path],
        typer.Option("--operations", "-o", help="A .graphql file holding one operation; repeat for several."),
    ],
    database_url: DatabaseOption = None,
) -> None:
    """Register operations for a client and restrict it to its registered operations (by sha256)."""
    from gateway.db.engine import create_engine
    from gateway.server.persisted import operation_text, restrict_client

    try:
        queries = [operation_text(path.read_text(encoding="utf-8"), str(path)) for path in operations]
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from exc

    async def run() -> list[str]:
        engine = create_engine(build_settings(database_url).database_url)
        try:
            return await restrict_client(engine, client_id, queries)
        finally:
            await engine.dispose()

    try:
        digests = run_coroutine(run())
    except ValueError as exc:
        raise fail(str(exc)) from exc
    for path, digest in zip(operations, digests, strict=True):
        console.print(f"{digest}  {path}")
    console.print(f"client {client_id} is restricted to its registered operations")
