"""Preparing Prometheus's multiprocess mode for ``serve --workers N``.

Imports nothing of prometheus_client: the variable must be set before its first import, which
decides, once per process, whether values live in memory or in the shared files.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir() -> Path:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at a directory (a new temporary one, removed at exit, unless
    it is set) and empty it of an earlier run's files, which would otherwise be added to this run's."""
    given = os.environ.get(MULTIPROCESS_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="credit-gateway-metrics-"))
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    os.environ[MULTIPROCESS_ENV] = str(path)
    return path
