"""``credit-gateway serve``: how many worker processes, uvicorn's loop, parser and proxy handling, and
the database checks (or, with --demo, the seeding) before serving."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape

from gateway import __version__
from gateway.cli.common import DatabaseOption, PluginsOption, build_settings, console, err, fail, run_coroutine
from gateway.cli.db import pending_migrations, safe_url, upgrade
from gateway.cli.demo import seed
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_WORKERS
from gateway.kernel.settings import Settings
from gateway.server.supervisor import can_fork_workers
from gateway.server.supervisor import command as supervisor_command

WORKERS_ENV = "CREDIT_GATEWAY_WORKERS"
PRELOAD_ENV = "CREDIT_GATEWAY_PRELOAD"


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
            raise fail(
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
    preload: Annotated[
        bool,
        typer.Option(
            "--preload/--no-preload",
            envvar=PRELOAD_ENV,
            help="With workers, on Linux: fork them from a supervisor that has imported their stack (and "
            "built their app, without tracing or a supergraph), so that they share it (--no-preload: a "
            "fresh interpreter each, and a slim supervisor).",
        ),
    ] = True,
    supergraph: Annotated[
        str | None,
        typer.Option(
            "--supergraph",
            help="Path or http(s) URL of a Federation v2 supergraph to serve at /graphql (overrides "
            "CREDIT_GATEWAY_SUPERGRAPH); without the credit-gateway subgraph, a pure gateway over remote ones.",
        ),
    ] = None,
) -> None:
    """Serve POST /graphql (GraphiQL on GET), /healthz, /readyz and /metrics."""
    serving = serving_options()
    _require_installed(serving)
    settings = build_settings(database_url, plugins, host=host, port=port, supergraph=supergraph)
    if settings.supergraph:
        _check_supergraph(settings)  # before the database and the workers: a bad one stops the start at once
    note = ""
    if workers is None:
        workers = default_workers(settings, demo)
        reason = single_worker_reason(settings, demo)
        note = f"; {reason}, --workers N for more" if reason is not None else ", one per CPU"
    import uvicorn

    from gateway.server.observability.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
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
    if workers > 1 and preload and can_fork_workers():
        how += ", preloaded"  # forked from the supervisor once it has imported their stack
    if settings.metrics_bind:
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
        if settings.supergraph:
            os.environ["CREDIT_GATEWAY_SUPERGRAPH"] = settings.supergraph
        where = f"http://{settings.host}:{settings.port}/graphql"
        console.print(f"credit-gateway {__version__} on {where} ({how})")
        # This process has imported most of the gateway; the supervisor needs none of it (see there).
        argv, extra = supervisor_command(
            {**options, "workers": workers}, settings.log_format, settings.metrics_bind, preload=preload
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(argv[0], argv, {**os.environ, **extra})
    if settings.metrics_bind:
        from gateway.server.observability.listener import start_metrics_listener

        start_metrics_listener(settings.metrics_bind)
    from gateway.server.app import create_app

    try:
        application = create_app(settings, settle_heap=True, park_reads=True)
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc
    console.print(f"credit-gateway {__version__} on http://{settings.host}:{settings.port}/graphql ({how})")
    uvicorn.run(application, **options)


def _check_supergraph(settings: Settings) -> None:
    """Read and parse the supergraph, and check the visibility declarations against it; exit 1 if refused."""
    from gateway.federation.compose import read_supergraph_text
    from gateway.federation.serving.audiences import check_declarations
    from gateway.federation.supergraph import parse_supergraph

    assert settings.supergraph is not None
    try:
        parsed = parse_supergraph(read_supergraph_text(settings.supergraph))
        check_declarations(settings.subgraph_visibility, parsed, settings.local_subgraph_name)
    except ConfigurationError as exc:  # SupergraphError is one too
        raise fail(escape(f"cannot serve the supergraph {settings.supergraph}: {exc}")) from exc
    remote = sorted(name for name in parsed.subgraphs if name != settings.local_subgraph_name)
    local = settings.local_subgraph_name in parsed.subgraphs
    how = f"with the in-process subgraph {settings.local_subgraph_name!r}" if local else "as a pure gateway"
    console.print(f"supergraph {settings.supergraph}: remote subgraphs {', '.join(remote) or 'none'}, {how}")


def _prepare_database(settings: Settings, demo: bool, demo_subjects: int) -> None:
    """Before serving: with --demo, migrate and seed; else refuse a database behind its migrations."""
    if demo:
        run_coroutine(upgrade(settings))
        added = run_coroutine(seed(settings, demo_subjects))
        console.print(f"Demo data ready ({added} new subjects) in {safe_url(settings.database_url)}")
    else:
        pending = run_coroutine(pending_migrations(settings))
        if pending:
            raise fail(f"The database needs migrations for: {', '.join(pending)}. Run: credit-gateway db upgrade")
        if settings.uses_demo_secret:
            err.print("[yellow]warning:[/] CREDIT_GATEWAY_SECRET_KEY is the demo key; set your own in production.")
