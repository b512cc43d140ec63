"""When the served supergraph is re-read: on SIGHUP, and every ``supergraph_poll_seconds`` when set
(the admin's ``POST /admin/supergraph/reload`` is the third way, gateway.federation.serving.endpoint).

Both run for the app's lifetime (its lifespan) and end with it. Under ``serve --workers N`` each
worker polls on its own, and the supervisor passes the SIGHUP it gets on to every worker, which
re-reads the supergraph in place (gateway.server.supervisor). A supergraph served after a reload is
kept for the workers that start later (gateway.federation.serving.siblings).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from gateway.federation.serving.gateway import FederatedGateway
from gateway.federation.serving.siblings import reload_and_share

log = logging.getLogger("gateway.federation")


@contextlib.asynccontextmanager
async def reloading(gateway: FederatedGateway, poll_seconds: float) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[object]] = set()

    def on_hangup() -> None:
        log.info("SIGHUP: re-reading the supergraph %s", gateway.config.location)
        task = loop.create_task(reload_and_share(gateway, tell_siblings=False))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    hangup = getattr(signal, "SIGHUP", None)  # no SIGHUP on Windows
    listening = False
    if hangup is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no support
            loop.add_signal_handler(hangup, on_hangup)
            listening = True
    poller = loop.create_task(_poll(gateway, poll_seconds)) if poll_seconds > 0 else None
    try:
        yield
    finally:
        if listening and hangup is not None:
            loop.remove_signal_handler(hangup)
        for task in [*tasks, *([poller] if poller is not None else [])]:
            task.cancel()
        for task in [*tasks, *([poller] if poller is not None else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _poll(gateway: FederatedGateway, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            # A refusal is logged there, and the old supergraph stays.
            await reload_and_share(gateway, tell_siblings=False)
        except Exception:  # a bug must not end the polling for the process's lifetime
            log.exception("re-reading the supergraph failed")
