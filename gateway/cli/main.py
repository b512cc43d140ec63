"""The ``credit-gateway`` command line."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from gateway import __version__
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings

app = typer.Typer(help="credit-gateway: one credit-subject graph over the public credit domains.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
clients_app = typer.Typer(help="API clients and their keys.", no_args_is_help=True)
plugin_app = typer.Typer(help="Plugin development.", no_args_is_help=True)
schema_app = typer.Typer(help="The published GraphQL contract.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(plugin_app, name="plugin")
app.add_typer(schema_app, name="schema")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DatabaseOption = Annotated[str | None, typer.Option("--database-url", help="Overrides CREDIT_GATEWAY_DATABASE_URL.")]
PluginsOption = Annotated[str | None, typer.Option("--plugins", help="Comma-separated plugin allow-list.")]


def _settings(database_url: str | None = None, plugins: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    if plugins is not None:
        values["plugins"] = plugins
    return Settings(**values)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coroutine)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False) -> None:
    if version:
        console.print(__version__)
        raise typer.Exit()


async def _check_database(settings: Settings) -> None:
    """Fail early and plainly when the database cannot be reached."""
    import sqlalchemy as sa

    from gateway.db.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise ConfigurationError(
            f"Database {_safe_url(settings.database_url)} is unreachable: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        await engine.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def _upgrade(settings: Settings) -> dict[str, Any]:
    from gateway.db import migrate
    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins

    composition = compose_plugins(settings)
    await _check_database(settings)
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine, composition.migrations)
        return await migrate.status(engine, composition.migrations)
    finally:
        await engine.dispose()


async def _seed(settings: Settings, subjects: int) -> int:
    from gateway.db.engine import create_engine
    from gateway.host import demo
    from gateway.server.app import compose_plugins

    composition = compose_plugins(settings)
    engine = create_engine(settings.database_url)
    try:
        return await demo.seed(engine, composition.manager, secret_key=settings.secret_key, subjects=subjects)
    finally:
        await engine.dispose()


async def _pending_migrations(settings: Settings) -> list[str]:
    from gateway.db import migrate
    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins

    composition = compose_plugins(settings)
    await _check_database(settings)
    engine = create_engine(settings.database_url)
    try:
        status = await migrate.status(engine, composition.migrations)
    finally:
        await engine.dispose()
    return [name for name, state in status.items() if not state["up_to_date"]]


MAX_WORKERS = 64
WORKERS_ENV = "CREDIT_GATEWAY_WORKERS"


def available_cpus() -> int:
    """The CPUs this process may run on: its affinity mask (which taskset and a container's cpuset
    narrow), else the machine's count where there is no such mask (macOS, Windows)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def single_worker_reason(settings: Settings, demo: bool) -> str | None:
    """Why ``serve`` runs one process unless told otherwise, or None for a production set-up."""
    if demo:
        return "--demo"
    if settings.development_mode:
        return "development mode"
    if settings.database_url.startswith("sqlite"):
        # SQLite takes one writer at a time per file: more processes only queue on its lock (and
        # "database is locked" after the busy timeout), while the readers gain little on one file.
        return "SQLite: one file takes one writer at a time"
    return None


def default_workers(settings: Settings, demo: bool) -> int:
    """``serve``'s worker count without ``--workers`` or CREDIT_GATEWAY_WORKERS: one process per CPU in
    production (each worker is one Python interpreter, so one core at most), one with --demo, in
    development mode, or on SQLite."""
    if single_worker_reason(settings, demo) is not None:
        return 1
    return min(available_cpus(), MAX_WORKERS)


def serving_options() -> dict[str, Any]:
    """uvicorn's event loop and HTTP parser, named rather than "auto": "auto" falls back to asyncio and
    h11 without a word when uvloop or httptools is missing (a broken install would just run slower);
    named, such an install stops ``serve`` at start. uvloop has no Windows build: asyncio there."""
    return {"loop": "asyncio" if sys.platform == "win32" else "uvloop", "http": "httptools"}


def _require_installed(serving: dict[str, Any]) -> None:
    """Stop at once, before migrations or seeding, with a plain message when the loop or the parser
    ``serving`` names cannot be imported (uvicorn would say so with a traceback, and only later)."""
    import importlib

    for module in (serving["loop"], serving["http"]):
        if module == "asyncio":
            continue
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise _fail(
                f"{module} cannot be imported ({exc}); it is a dependency of credit-gateway: reinstall it "
                f"(pip install credit-gateway, or pip install -e . in a checkout)"
            ) from exc


def proxy_options(trusted_proxies: list[str]) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For: off unless proxies are named. uvicorn's own default
    believes the header from 127.0.0.1, so that anyone behind a local proxy (or on the host) could
    pick a new address, and a new public rate-limit bucket, for every request."""
    if not trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": list(trusted_proxies)}


@app.command()
def serve(
    demo: Annotated[bool, typer.Option("--demo", help="Migrate and seed deterministic demo data first.")] = False,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: DatabaseOption = None,
    plugins: PluginsOption = None,
    demo_subjects: Annotated[int, typer.Option(help="How many demo subjects --demo seeds.")] = 1_000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            envvar=WORKERS_ENV,
            show_default="one per CPU; 1 with --demo, in development mode or on SQLite",
            help="Worker processes; /metrics then sums them (PROMETHEUS_MULTIPROC_DIR).",
        ),
    ] = None,
) -> None:
    """Serve POST /graphql (GraphiQL on GET), /healthz, /readyz and /metrics."""
    serving = serving_options()
    _require_installed(serving)
    settings = _settings(database_url, plugins, host=host, port=port)
    note = ""
    if workers is None:
        workers = default_workers(settings, demo)
        reason = single_worker_reason(settings, demo)
        note = f"; {reason}, --workers N for more" if reason is not None else ", one per CPU"
    if workers > 1:
        from gateway.server.observability.multiprocess import prepare_multiprocess_dir

        prepare_multiprocess_dir()  # before anything imports prometheus_client
    import uvicorn

    from gateway.server.observability.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    if workers > 1:
        # The checks import the whole gateway (plugins, schema, SQLAlchemy, alembic): in a child process,
        # so that the supervisor, which serves nothing, stays small (about 50 MB of RSS rather than 110).
        _in_child_process(_prepare_database, settings, demo, demo_subjects)
    else:
        _prepare_database(settings, demo, demo_subjects)
    # Our logging configuration for uvicorn's loggers too; our access line replaces uvicorn's.
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "log_config": None,
        "access_log": not settings.access_log,
        **serving,
        **proxy_options(settings.trusted_proxies),
    }
    plural = "s" if workers > 1 else ""
    how = f"{workers} worker{plural}{note}, {options['loop']} loop, {options['http']}"
    if settings.metrics_bind:
        from gateway.server.observability.listener import start_metrics_listener

        start_metrics_listener(settings.metrics_bind)
        console.print(f"metrics on http://{settings.metrics_bind}/metrics")
    if workers > 1:
        if not settings.redis_url:
            err.print(
                f"[yellow]warning:[/] the {workers} workers keep their own rate-limit buckets, so a client may get up "
                f"to {workers} times its limit; set CREDIT_GATEWAY_REDIS_URL to share them."
            )
        # Each worker builds its own app from the environment: hand it this command's flags.
        os.environ["CREDIT_GATEWAY_DATABASE_URL"] = settings.database_url
        if plugins is not None:
            os.environ["CREDIT_GATEWAY_PLUGINS"] = plugins
        where = f"http://{settings.host}:{settings.port}/graphql"
        console.print(f"credit-gateway {__version__} on {where} ({how})")
        uvicorn.run("gateway.server.app:create_worker_app", factory=True, workers=workers, **options)
        return
    from gateway.server.app import create_app

    try:
        application = create_app(settings, settle_heap=True)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"credit-gateway {__version__} on http://{settings.host}:{settings.port}/graphql ({how})")
    uvicorn.run(application, **options)


def _prepare_database(settings: Settings, demo: bool, demo_subjects: int) -> None:
    """Before serving: with --demo, migrate and seed; else refuse a database behind its migrations."""
    if demo:
        _run(_upgrade(settings))
        added = _run(_seed(settings, demo_subjects))
        console.print(f"Demo data ready ({added} new subjects) in {_safe_url(settings.database_url)}")
    else:
        pending = _run(_pending_migrations(settings))
        if pending:
            raise _fail(f"The database needs migrations for: {', '.join(pending)}. Run: credit-gateway db upgrade")
        if settings.uses_demo_secret:
            err.print("[yellow]warning:[/] CREDIT_GATEWAY_SECRET_KEY is the demo key; set your own in production.")


def _in_child_process(target: Callable[..., None], settings: Settings, *args: Any) -> None:
    """``target(settings, *args)`` in a fresh interpreter (spawned, as uvicorn spawns its workers); its
    messages go to this process's terminal, and its failure (an ``Exit``) is this command's."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_child_main, args=(target, settings, *args))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise typer.Exit(child.exitcode if child.exitcode and child.exitcode > 0 else 1)


def _child_main(target: Callable[..., None], settings: Settings, *args: Any) -> None:
    from gateway.server.observability.logs import configure_logging
    from gateway.server.observability.multiprocess import MULTIPROCESS_ENV

    # Not a worker: metric files of this short-lived process would be summed into the workers' scrapes.
    os.environ.pop(MULTIPROCESS_ENV, None)
    configure_logging(settings.log_level, settings.log_format)
    # alembic announces each of its plugins at INFO when first imported, which in one process happens
    # before logging is configured (so unseen); here it would come after.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        target(settings, *args)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None, plugins: PluginsOption = None) -> None:
    """Bring the core and every loaded plugin's tables to their latest migration."""
    status = _run(_upgrade(_settings(database_url, plugins)))
    for component, state in status.items():
        console.print(f"{component}: {', '.join(state['current']) or '-'}")


@db_app.command("status")
def db_status(database_url: DatabaseOption = None, plugins: PluginsOption = None) -> None:
    """Show each component's applied and expected migration; exit 1 when any is behind."""
    settings = _settings(database_url, plugins)
    pending = _run(_pending_migrations(settings))
    if pending:
        raise _fail(f"behind: {', '.join(pending)}")
    console.print("up to date")


@app.command("demo")
def demo_seed(
    database_url: DatabaseOption = None,
    plugins: PluginsOption = None,
    subjects: Annotated[int, typer.Option(help="How many demo subjects.")] = 1_000,
) -> None:
    """Migrate and seed the deterministic demo data (seeding twice changes nothing)."""
    settings = _settings(database_url, plugins)
    _run(_upgrade(settings))
    added = _run(_seed(settings, subjects))
    console.print(f"{added} new subjects")


@app.command("import")
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
    database_url: DatabaseOption = None,
) -> None:
    """Import a domain's records: valid rows are committed, invalid rows reported with their row
    number; running the same file again adds nothing. Exit 1 when some rows were rejected."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins
    from gateway.write.importing import ImportFailed, import_file
    from gateway.write.submissions import SubmissionPolicy

    settings = _settings(database_url)
    try:
        composition = compose_plugins(settings)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc
    importers = composition.importers.get(domain)
    if not importers:
        with_import = ", ".join(sorted(composition.importers)) or "none"
        raise _fail(f"domain {domain!r} has no importer; domains with one: {with_import}", 2)
    if kind is None and len(importers) > 1:
        raise _fail(
            f"domain {domain!r} imports several kinds; choose one with --kind: {', '.join(sorted(importers))}", 2
        )
    importer = importers[kind] if kind is not None else next(iter(importers.values()))
    if kind is not None and kind not in importers:
        raise _fail(f"unknown kind {kind!r} for {domain}; choose one of {', '.join(sorted(importers))}", 2)
    pending = _run(_pending_migrations(settings))
    if pending:
        raise _fail(f"The database needs migrations for: {', '.join(pending)}. Run: credit-gateway db upgrade", 2)

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
                    SubmissionPolicy.from_settings(settings),
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
        summary = _run(run())
    except ImportFailed as exc:
        if exc.removed_report is not None:
            console.print(f"removed the previous run's report {exc.removed_report}")
        raise _fail(f"nothing imported: {exc}", 2) from exc
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


@app.command("plugins")
def list_plugins(plugins: PluginsOption = None) -> None:
    """List the loaded plugins, their versions, what each contributes and its partner-grantable
    field groups (partner:<group>, for `clients contract --groups`)."""
    from rich.text import Text

    from gateway.server.app import compose_plugins

    try:
        composition = compose_plugins(_settings(plugins=plugins))
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc
    if not composition.plugins:
        console.print("no plugins loaded")
        return
    policies = composition.policies
    for plugin in composition.plugins:
        parts = {kind: names for kind, names in composition.contributions_of(plugin.name).items() if names}
        for group, fields in policies.partner_groups().items():
            owned = [f for f in fields if policies.owners[f] == plugin.name]
            if owned:
                parts[f"partner:{group}"] = owned
        console.print(Text.assemble((plugin.name, "bold"), f" {plugin.version} ({plugin.module})"))
        if not parts:
            console.print("  contributes nothing")
        # Plain lines, one name each, never cut or padded (no table): whole names in a narrow terminal
        # (it wraps a long line itself) and in a pipe, where grep finds them.
        width = max((len(kind) for kind in parts), default=0)
        for kind, names in parts.items():
            for i, name in enumerate(names):
                label = kind if i == 0 else ""
                console.print(Text.assemble("  ", (f"{label:<{width}}", "cyan"), "  ", name), soft_wrap=True)


@plugin_app.command("new")
def plugin_new(
    name: Annotated[str, typer.Argument(help="The plugin's name: lower case letters, digits and _.")],
    directory: Annotated[Path, typer.Option("--directory", "-d", help="Where to create the package.")] = Path("."),
) -> None:
    """Scaffold a pip-installable plugin package: entry point, table, migration, record type,
    a CreditSubject field, a loader, a submission mutation and a test."""
    from gateway.cli.scaffold import ScaffoldError, scaffold_plugin

    try:
        target = scaffold_plugin(name, directory)
    except ScaffoldError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"Created {target}. Next: pip install -e {target} && credit-gateway plugins")


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

    settings = _settings(database_url)
    try:
        info, key = _run(create_client_checked(settings, role=role, name=name, domain=domain, subject=subject))
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"client {info.id} ({info.role.value}{', ' + info.domain if info.domain else ''}): {info.name}")
    console.print("API key (shown once, store it now):")
    print(key)


@clients_app.command("list")
def clients_list(database_url: DatabaseOption = None) -> None:
    """List clients (never their keys)."""
    from gateway.auth.keys import list_clients
    from gateway.db.engine import create_engine

    async def fetch() -> list[Any]:
        engine = create_engine(_settings(database_url).database_url)
        try:
            return await list_clients(engine)
        finally:
            await engine.dispose()

    table = Table("id", "name", "role", "domain", "contract", "key prefix", "created", "revoked")
    out = console if console.is_terminal else Console(width=200)  # piped: whole rows, for grep
    for c in _run(fetch()):
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
        engine = create_engine(_settings(database_url).database_url)
        try:
            return await revoke_client(engine, client_id)
        finally:
            await engine.dispose()

    if not _run(run()):
        raise _fail(f"no active client with id {client_id}")
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
        raise _fail(str(exc)) from exc

    async def run() -> list[str]:
        engine = create_engine(_settings(database_url).database_url)
        try:
            return await restrict_client(engine, client_id, queries)
        finally:
            await engine.dispose()

    try:
        digests = _run(run())
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    for path, digest in zip(operations, digests, strict=True):
        console.print(f"{digest}  {path}")
    console.print(f"client {client_id} is restricted to its registered operations")


@clients_app.command("contract")
def clients_contract(
    client_id: Annotated[int, typer.Argument(help="The partner client's id.")],
    groups: Annotated[
        str, typer.Option("--groups", "-g", help="Comma-separated field groups, e.g. tax.rating (replaces the old).")
    ],
    database_url: DatabaseOption = None,
    plugins: PluginsOption = None,
) -> None:
    """Set a partner's contract: the field groups it may be authorised to see."""
    from gateway.db.engine import create_engine
    from gateway.features.partners.store import set_contract
    from gateway.kernel.errors import GatewayError
    from gateway.server.app import compose_plugins

    settings = _settings(database_url, plugins)
    known = compose_plugins(settings).policies.partner_groups()

    async def run() -> Any:
        engine = create_engine(settings.database_url)
        try:
            return await set_contract(engine, client_id, [g.strip() for g in groups.split(",") if g.strip()], known)
        finally:
            await engine.dispose()

    try:
        partner = _run(run())
    except GatewayError as exc:
        raise _fail(exc.message) from exc
    console.print(f"partner {partner.id} ({partner.name}): contract {', '.join(sorted(partner.contract_groups))}")


@schema_app.command("export")
def schema_export(
    out: Annotated[Path, typer.Option("--out", help="Directory for the SDL files.")] = Path("schema"),
    plugins: PluginsOption = None,
) -> None:
    """Write the composed SDL into schema/ (the contract frontends and banks code against)."""
    from gateway.cli.schema_export import export_schema

    try:
        written = export_schema(_settings(plugins=plugins), out)
    except ConfigurationError as exc:
        raise _fail(str(exc)) from exc
    for path in written:
        console.print(f"wrote {path}")


audit_app = typer.Typer(help="The query record (查询记录).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(database_url: DatabaseOption = None) -> None:
    """Check the query record's hash chain from the first row: exit 0 when intact, 1 naming the first
    broken record (row changed, chain broken, deleted row gap), 2 when it could not be checked."""
    from gateway.db.engine import create_engine
    from gateway.features.audit.chain import chain_key, verify

    settings = _settings(database_url)

    async def run() -> Any:
        await _check_database(settings)
        engine = create_engine(settings.database_url)
        try:
            return await verify(engine, chain_key(settings.secret_key))
        finally:
            await engine.dispose()

    try:
        result = _run(run())
    except typer.Exit as exc:
        raise typer.Exit(2) from exc
    except Exception as exc:  # a missing table, say: not a verdict on the chain
        raise _fail(f"could not read the query record: {type(exc).__name__}: {exc}", 2) from exc
    if not result.intact:
        raise _fail(f"record {result.broken_id}: {result.reason} ({result.records} records before it intact)")
    console.print(f"chain intact ({result.records} records)")


def run() -> None:  # pragma: no cover - console-script shim
    sys.exit(app())


if __name__ == "__main__":  # python -m gateway.cli.main
    app()
