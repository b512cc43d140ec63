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
from typing import Any

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
    import uvicorn

    uvicorn.run(WORKER_APP, factory=True, **options)


if __name__ == "__main__":
    main()
