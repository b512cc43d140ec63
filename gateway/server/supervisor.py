"""The parent process of ``credit-gateway serve --workers N``: uvicorn's supervisor and nothing else.

``serve`` checks the settings, migrates the database and prints where it listens; all of that imports
most of the gateway (plugins, SQLAlchemy, strawberry, pydantic), some 100 MB that a process which only
starts, watches and restarts workers would hold for its whole life. So ``serve`` replaces itself
(``os.execv``, same pid) with ``python -m gateway.server.supervisor``, which imports uvicorn, the log
format and, only when a metrics address is set, the metrics listener: about 30 MB. The workers are
uvicorn's, each building its app from the environment (``create_worker_app``).

The options arrive as JSON in ``CREDIT_GATEWAY_SUPERVISOR_OPTIONS``, which this process removes from
its environment before the workers start; its arguments (``--host H --port P``) only say, in ``ps``,
what it serves.
"""

from __future__ import annotations

import json
import os
import signal
from typing import TYPE_CHECKING, Any

from gateway.kernel.workers import ACCEPTED_SUPERGRAPH_ENV, SUPERVISOR_PID_ENV

if TYPE_CHECKING:
    from uvicorn import Config

OPTIONS_ENV = "CREDIT_GATEWAY_SUPERVISOR_OPTIONS"
WORKER_APP = "gateway.server.app:create_worker_app"


def command(options: dict[str, Any], log_format: str, metrics_bind: str | None) -> tuple[list[str], dict[str, str]]:
    """The argv and the extra environment that start this supervisor with uvicorn's ``options``."""
    import sys

    payload = {"uvicorn": options, "log_format": log_format, "metrics_bind": metrics_bind}
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
    _supervise(uvicorn_config(options))


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
