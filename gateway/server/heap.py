"""Garbage collection for a serving process: what startup built is never scanned again.

A gateway process holds a large, long-lived heap (the plugins' modules, every audience's schema,
SQLAlchemy's metadata: some 180,000 objects) and allocates many short-lived ones per request. The
cyclic collector's oldest generation scans the whole heap; on a batch of 100 subjects that cost
about a fifth of the request's CPU. ``gc.freeze()`` moves what exists into a permanent generation
the collector skips: called once the app is built and again after each audience schema is built
(they are built on a role's first request), it leaves the collector only the requests' objects.

Only ``credit-gateway serve`` does this (``create_app(..., settle_heap=True)``): a process that
builds many apps, the test suite, must not freeze what it later drops.
"""

from __future__ import annotations

import gc

# Young collections a tenth as often as Python's default (700): a request allocates thousands of
# short-lived objects, and each young collection walks the survivors.
YOUNG_THRESHOLD = 7_000


def settle() -> None:
    """Collect what startup left behind, then exempt everything alive from later collections."""
    gc.collect()
    gc.freeze()


def tune() -> None:
    import os  # EXPERIMENT ONLY
    if os.environ.get("CG_GC"):
        gc.set_threshold(*map(int, os.environ["CG_GC"].split(",")))
        return
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
