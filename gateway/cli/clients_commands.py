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
    role: Annotated[str, typer.Option(help="portal, department, admin, partner, agency or subject.")],
    name: Annotated[str, typer.Option(help="Who the client is.")],
    domain: Annotated[str | None, typer.Option(help="For a department: its domain (a plugin name).")] = None,
    subject: Annotated[str | None, typer.Option(help="For a subject: its USCC or ID number.")] = None,
    division: Annotated[
        str | None,
        typer.Option(
            help="For a department: the division it acts for, and those below it (GB/T 2260, e.g. 350100). "
            "Default: the whole platform."
        ),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a client and print its API key once; only a digest is stored."""
    from gateway.cli.clients import create_client_checked

    settings = build_settings(database_url)
    try:
        info, key = run_coroutine(
            create_client_checked(settings, role=role, name=name, domain=domain, subject=subject, division=division)
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    binding = "".join(f", {part}" for part in (info.domain, _division_label(info.division_code)) if part)
    console.print(f"client {info.id} ({info.role.value}{binding}): {info.name}")
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

    table = Table("id", "name", "role", "domain", "division", "contract", "key prefix", "created", "revoked")
    out = console if console.is_terminal else Console(width=200)  # piped: whole rows, for grep
    for c in run_coroutine(fetch()):
        table.add_row(
            str(c.id),
            c.name,
            c.role.value,
            c.domain or "",
            _division_label(c.division_code) or ("whole platform" if c.role.value == "department" else ""),
            c.contract_groups.replace(",", ", "),
            c.key_prefix,
            str(c.created_at)[:19],
            str(c.revoked_at)[:19] if c.revoked_at else "",
        )
    out.print(table)


def _division_label(code: str | None) -> str:
    """``350100 福州市`` (a town: its code and its county's name); "" for None."""
    if code is None:
        return ""
    from gateway.kernel.divisions import InvalidDivision, resolve

    try:
        division = resolve(code)
        name = division.name or (resolve(division.parent_code).name + " (town)" if division.parent_code else "")
    except InvalidDivision:
        name = "(unknown code)"  # bound before the table changed: shown, never hidden
    return f"{code} {name}"


@clients_app.command("bind-division")
def clients_bind_division(
    client_id: Annotated[int, typer.Argument(help="The department client's id.")],
    division: Annotated[
        str | None, typer.Argument(help="A GB/T 2260 code such as 350100; omit it with --platform.")
    ] = None,
    platform: Annotated[bool, typer.Option("--platform", help="Unbind: the whole platform again.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Bind a department key to a division (or, with --platform, to the whole platform again); its next
    request acts for the new division. The key itself does not change."""
    from gateway.auth.keys import bind_division
    from gateway.cli.clients import checked_division
    from gateway.db.engine import create_engine

    if (division is None) == (not platform):
        raise fail("give either a division code or --platform", 2)
    try:
        code = checked_division(division)
    except ValueError as exc:
        raise fail(str(exc)) from exc

    async def run() -> Any:
        engine = create_engine(build_settings(database_url).database_url)
        try:
            return await bind_division(engine, client_id, code)
        finally:
            await engine.dispose()

    info = run_coroutine(run())
    if info is None:
        raise fail(f"no active department client with id {client_id}")
    console.print(f"client {client_id} ({info.domain}) now acts for {_division_label(code) or 'the whole platform'}")


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
