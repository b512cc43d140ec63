"""What one worker of ``serve --workers N`` shares with the other workers about the served supergraph.

Each worker holds its own copy of the supergraph, so a reload must reach every worker, and a worker
that starts later must not start on something the others refused:

- **The last accepted supergraph.** The supervisor (gateway.server.supervisor) makes a file and names
  it in ``CREDIT_GATEWAY_ACCEPTED_SUPERGRAPH``; every worker writes there the text of each supergraph it
  starts with or reloads. A worker that starts (or is restarted after a crash) while the configured
  supergraph does not load serves that text instead, with the refusal logged: uvicorn's supervisor
  stops the whole server when a restarted worker fails to start, and the other workers are still
  serving that text.
- **A reload through the admin endpoint** reaches the one worker that answers it. When that worker
  serves a new supergraph it sends SIGHUP to the supervisor (``CREDIT_GATEWAY_SUPERVISOR_PID``), which
  passes it on to every worker; each re-reads the supergraph in place, and the one that answered finds
  it unchanged.

Without a supervisor (one process) neither variable is set, and every function here does nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
from pathlib import Path

from gateway.federation.serving.gateway import FederatedGateway, ReloadOutcome
from gateway.kernel.workers import ACCEPTED_SUPERGRAPH_ENV, SUPERVISOR_PID_ENV

log = logging.getLogger("gateway.federation")


def accepted_text() -> str | None:
    """The last supergraph a worker of this server accepted, or None (no supervisor, or none yet)."""
    location = os.environ.get(ACCEPTED_SUPERGRAPH_ENV)
    if not location:
        return None
    try:
        return Path(location).read_text(encoding="utf-8")
    except OSError:
        return None


def remember(text: str) -> None:
    """Keep ``text`` as the last accepted supergraph, for the workers that start after this."""
    location = os.environ.get(ACCEPTED_SUPERGRAPH_ENV)
    if not location:
        return
    target = Path(location)
    # Written beside the target, then renamed over it: a worker starting meanwhile reads the old text
    # or the new one, never half of one.
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".accepted-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, target)
    except OSError:
        Path(partial).unlink(missing_ok=True)
        log.exception("could not keep the accepted supergraph in %s", target)


def ask_siblings_to_reload() -> bool:
    """Ask the supervisor to pass SIGHUP on to every worker; False without a supervisor."""
    pid = os.environ.get(SUPERVISOR_PID_ENV)
    hangup = getattr(signal, "SIGHUP", None)  # none on Windows, where uvicorn's supervisor has no SIGHUP either
    if not pid or hangup is None:
        return False
    try:
        os.kill(int(pid), hangup)
    except (OSError, ValueError):
        log.exception("could not ask the supervisor %s to reload the other workers", pid)
        return False
    return True


async def reload_and_share(gateway: FederatedGateway, *, tell_siblings: bool) -> ReloadOutcome:
    """``gateway.reload()``; a supergraph it now serves is remembered, and, with ``tell_siblings``, the
    other workers are asked to re-read it (the admin endpoint; SIGHUP and polling reach each worker)."""
    outcome = await gateway.reload()
    if outcome.status == "reloaded":
        remember(gateway.loaded.text)
        if tell_siblings:
            ask_siblings_to_reload()
    return outcome
