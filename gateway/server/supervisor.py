"""The parent process of ``credit-gateway serve --workers N``: uvicorn's supervisor and nothing else.

``serve`` checks the settings, migrates the database and prints where it listens; all of that imports
most of the gateway (plugins, SQLAlchemy, strawberry, pydantic), some 100 MB that a process which only
starts, watches and restarts workers would hold for its whole life. So ``serve`` replaces itself
(``os.execv``, same pid) with ``python -m gateway.server.supervisor``, which imports uvicorn, the log
format and, only when a metrics address is set, the metrics listener: about 30 MB. The workers are
uvicorn's, each building its app from the environment (``create_worker_app``).

**Preloaded workers** (``serve --preload``, the default on Linux). Before it starts the workers, the
supervisor imports what every worker imports (the gateway, its stack and the plugins' modules: some 85
MB), freezes it out of the collector's reach (``gc.freeze``), and forks each worker from itself rather
than starting a fresh interpreter. The workers then share those pages with the supervisor and with each
other until one of them writes to a page, so N workers cost one copy of the imported stack plus what
each serves (under the benchmark's mix, two workers and the supervisor: 183 MB of PSS rather than
228 MB with fresh interpreters), and a worker that dies is replaced by a fork that only
runs its app's lifespan, without importing the stack or building the app again. The supervisor also
builds the workers' app itself, with the public audience's schema, when nothing in it would need to
cross the fork (gateway.server.preloaded_app): else each worker builds its own. No connection, event
loop or task exists in the supervisor when it forks (each worker's lifespan connects); the one thread
that may run beside the forking one, the metrics listener's, reads the workers' files and logs nothing,
so it holds no lock a worker would take. The price: a worker restarted
by ``SIGHUP`` runs the code the supervisor imported, so new code on disk needs a restart of ``serve``
(``--no-preload`` starts each worker in a fresh interpreter, as before, and keeps the supervisor small).

The options arrive as JSON in ``CREDIT_GATEWAY_SUPERVISOR_OPTIONS``, which this process removes from
its environment before the workers start; its arguments (``--host H --port P``) only say, in ``ps``,
what it serves.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from gateway.kernel.workers import ACCEPTED_SUPERGRAPH_ENV, SUPERVISOR_PID_ENV

if TYPE_CHECKING:
    from uvicorn import Config

OPTIONS_ENV = "CREDIT_GATEWAY_SUPERVISOR_OPTIONS"
WORKER_APP = "gateway.server.app:create_worker_app"


def command(
    options: dict[str, Any], log_format: str, metrics_bind: str | None, *, preload: bool
) -> tuple[list[str], dict[str, str]]:
    """The argv and the extra environment that start this supervisor with uvicorn's ``options``; with
    ``preload``, workers forked from it once it has imported their stack (see above)."""
    payload = {"uvicorn": options, "log_format": log_format, "metrics_bind": metrics_bind, "preload": preload}
    # The address is repeated in the arguments only so that `ps` shows which supervisor serves what.
    shown = ["--host", str(options["host"]), "--port", str(options["port"])]
    return [sys.executable, "-m", "gateway.server.supervisor", *shown], {OPTIONS_ENV: json.dumps(payload)}


def main() -> None:
    payload = json.loads(os.environ.pop(OPTIONS_ENV))
    options: dict[str, Any] = payload["uvicorn"]
    # Before anything imports prometheus_client (see gateway.telemetry.multiprocess); here, not in
    # `serve`, because the temporary directory is removed at this process's exit.
    from gateway.telemetry.multiprocess import prepare_multiprocess_dir

    prepare_multiprocess_dir()
    from gateway.server.observability.logs import configure_logging

    configure_logging(options["log_level"], payload["log_format"])
    if payload["metrics_bind"]:
        from gateway.server.observability.listener import start_metrics_listener

        start_metrics_listener(payload["metrics_bind"])
    if os.environ.get("CREDIT_GATEWAY_SUPERGRAPH"):
        _share_the_supergraph()
    config = uvicorn_config(options)
    if payload.get("preload") and can_fork_workers():
        _preload_workers(config)
    _supervise(config)


def can_fork_workers() -> bool:
    """Whether workers can be forked from a preloaded supervisor here: on Linux, with the uvicorn this
    module knows how to ask for forked workers. Elsewhere (macOS, where system libraries are not safe to
    use after a fork; Windows, which has none) each worker starts a fresh interpreter."""
    import multiprocessing

    import uvicorn._subprocess

    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and hasattr(uvicorn._subprocess, "spawn")
    )


def _preload_workers(config: Config) -> None:
    """Import what a worker imports (and build its app, when that is safe), freeze it, and have uvicorn
    fork its workers from this process."""
    import gc
    import multiprocessing

    import uvicorn._subprocess

    import gateway.server.app  # noqa: F401  # the worker's app module, and through it the stack
    from gateway.host.loading import load_plugins
    from gateway.kernel.errors import ConfigurationError
    from gateway.kernel.settings import Settings
    from gateway.server import preloaded_app

    _import_server_modules(config)
    settings = Settings()
    # The workers' app itself, when building it here is safe (its plugins' modules with it); else the
    # plugins' modules alone.
    if not preloaded_app.preload(settings):
        try:
            load_plugins(settings.plugins)
        except ConfigurationError:
            return  # fresh workers, which say what is wrong as they start, as without preloading
    # uvicorn starts its workers with the "spawn" context it keeps here (uvicorn._subprocess.spawn);
    # can_fork_workers checked that it still does.
    uvicorn._subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]
    # Collected, then frozen: the workers' collectors never write to these objects' headers, which would
    # copy the pages they share with this process (the gc module's advice for fork without exec).
    gc.collect()
    gc.freeze()


def _import_server_modules(config: Config) -> None:
    """The modules of uvicorn's server that a worker loads as it starts (its event loop, HTTP and
    WebSocket protocols, lifespan), named by uvicorn's own tables for ``config``'s choices. Imported
    here, the workers share them; imported in each worker after the fork, they cost it some 2 MB of
    its own pages (bench/experiments/side_memory.py: idle, 2 workers, 123 MB of PSS rather than 126)."""
    from uvicorn import config as uvicorn_tables
    from uvicorn.importer import ImportFromStringError, import_from_string

    chosen = [
        uvicorn_tables.LOOP_FACTORIES.get(config.loop) if isinstance(config.loop, str) else None,
        uvicorn_tables.HTTP_PROTOCOLS.get(config.http) if isinstance(config.http, str) else None,
        uvicorn_tables.WS_PROTOCOLS.get(config.ws) if isinstance(config.ws, str) else None,
        uvicorn_tables.LIFESPAN.get(config.lifespan),
    ]
    for name in chosen:
        if name is None:
            continue
        try:
            import_from_string(name)
        except (ImportFromStringError, ImportError):  # the worker meets it again as it starts, and reports it as ever
            continue


def uvicorn_config(options: dict[str, Any]) -> Config:
    from uvicorn import Config

    return Config(WORKER_APP, factory=True, **options)


def _share_the_supergraph() -> None:
    """The workers' shared state about the served supergraph (gateway.federation.serving.siblings):
    this process's pid, to which a worker sends SIGHUP, and a file for the last accepted supergraph,
    in a directory removed at this process's exit."""
    import atexit
    import shutil
    import tempfile

    directory = tempfile.mkdtemp(prefix="credit-gateway-supergraph-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ[ACCEPTED_SUPERGRAPH_ENV] = os.path.join(directory, "accepted.graphql")
    os.environ[SUPERVISOR_PID_ENV] = str(os.getpid())


def _supervise(config: Config) -> None:
    """What ``uvicorn.run`` does with several workers, with :class:`_Supervisor` as the supervisor."""
    from uvicorn.supervisors import Multiprocess

    class _Supervisor(Multiprocess):
        """uvicorn's supervisor, but while a supergraph is served SIGHUP reloads it in every worker, in
        place, instead of replacing the workers: no second set of processes and no cold caches, and a
        bad supergraph is refused by each worker while it keeps serving the old one."""

        def handle_hup(self) -> None:
            if not os.environ.get(SUPERVISOR_PID_ENV):
                super().handle_hup()  # no supergraph: uvicorn's restart of the workers
                return
            for process in self.processes:
                # A worker that is not ready has not installed its handler yet (SIGHUP would end it);
                # it reads the supergraph as it starts anyway.
                if process.pid is not None and process.is_ready(timeout=self.config.timeout_worker_healthcheck):
                    os.kill(process.pid, signal.SIGHUP)

    socket = config.bind_socket()
    try:
        _Supervisor(config, sockets=[socket]).run()
    finally:
        if config.uds and os.path.exists(config.uds):
            os.remove(config.uds)


if __name__ == "__main__":
    main()
