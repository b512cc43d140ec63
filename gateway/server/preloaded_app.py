"""The workers' app, built once in a preloading supervisor before it forks them.

A forked worker shares the supervisor's pages until it writes to one. Building the app writes to many
more pages than it allocates: composing the plugins and building the public schema run some 170,000
Python calls over the shared strawberry, typing and SQLAlchemy objects (reference counts, caches) and
allocate into the supervisor's half-used memory pools, so a worker that builds its own app copies
about 15 MB of the pages it shares (measured with ``bench/experiments/side_memory.py``). Built here,
the app and the public audience schema are shared too, and each worker only runs the app's lifespan
(its connections, its plugins' startups, its collector settings).

The app is built only when building it opens nothing a fork cannot carry: nothing is connected until a
worker's lifespan (the database engine and the rate limiter connect on first use), so the supervisor
builds it unless tracing is on (its exporter runs a thread) or a supergraph is served (its fetchers and
the supergraph a SIGHUP'd worker must re-read). Then, and when the build fails, each worker builds its
own app as it starts, and reports what is wrong, as without preloading.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette

from gateway.auth.principal import Role
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings
from gateway.telemetry.metrics import forget_process

log = logging.getLogger(__name__)

_built: Starlette | None = None


def preload(settings: Settings) -> bool:
    """Build the workers' app in this (supervisor) process when that is safe; whether it was built."""
    global _built
    from gateway.server.app import create_app
    from gateway.telemetry.tracing import tracing_requested

    if settings.supergraph or tracing_requested(settings):
        return False
    try:
        app = create_app(settings, settle_heap=True, park_reads=True)
        # The audience anonymous requests use, built before the first of them rather than in each worker.
        app.state.graph.schema_for(Role.PUBLIC)
    except ConfigurationError:
        return False  # each worker reports it as it starts
    except Exception as exc:  # whatever it is, a worker building its own app meets it and reports it
        log.warning("the workers' app could not be built before forking them (%r); each builds its own", exc)
        return False
    _built = app
    # This process serves nothing: the pool its app holds counts in the workers' metrics, not here.
    forget_process()
    log.info("workers' app built before forking them: each worker shares it")
    return True


def built() -> Starlette | None:
    """The app :func:`preload` built before this worker was forked, if it did."""
    return _built
