"""Garbage collection for a serving process: what startup built is never scanned again.

A gateway process holds a large, long-lived heap (the plugins' modules, every audience's schema,
SQLAlchemy's metadata: some 180,000 objects) and allocates many short-lived ones per request. The
cyclic collector's oldest generation scans the whole heap; on a batch of 100 subjects that cost
about a fifth of the request's CPU. ``gc.freeze()`` moves what exists into a permanent generation
the collector skips: called once the app is built and again after each audience schema is built
(they are built on a role's first request), it leaves the collector only the requests' objects.

Young collections are rare: one per 50,000 tracked objects allocated and not yet freed. A young
collection walks every object allocated since the last one that is still alive, and under load those
are the objects of the requests in flight: a batch of a hundred subjects holds tens of thousands while
it runs, and eight of them run at once in a worker. At Python's default (700), or at the 7,000 this
module set before, the collector walked them again and again: 4 ms of a 20 ms W2 request, measured in
the workers of ``serve`` under wrk (gc callbacks timing every collection; 2026-12-02), and W2's
throughput rose by a fifth at 50,000, where a worker made one or two collections in ten seconds. Small
requests (W1, W3) free what they allocate before a collection is due, at either threshold. The peak
RSS of one worker under the W1–W3 mix rose by 1 MB (bench/experiments/worker_memory.py).

The older generations are collected far more often than Python's defaults (10, 10) say. A request's
objects stay alive across several young collections (16 requests interleave on the loop), so they
reach the middle or the old generation and die there, in reference cycles only the collector frees;
with the defaults they piled up between collections and set a worker's peak RSS. Under the
benchmark's mix (W1–W3, 16 connections; bench/experiments/worker_memory.py) collecting the middle
generation every other young collection and the old one every third middle collection cut the peak
from 190–196 MB to 146–148 MB: the generations scanned are small, the heap built at startup being
frozen, and the collector's time rose by about 0.1 ms per request (1 %), within the noise of the
requests' CPU and latency.

A query the planned engine runs leaves no reference cycle behind (the loaders let go of what they
loaded, the observation of the execution, the executor of its helpers: tests/server/test_request_garbage.py),
so its objects are freed by reference counting as it ends, and the collector has little to do; the
thresholds matter for what still leaves cycles (mutations and other operations graphql-core runs,
exceptions with their tracebacks).

Only ``credit-gateway serve`` does this (``create_app(..., settle_heap=True)``): a process that
builds many apps, the test suite, must not freeze what it later drops.
"""

from __future__ import annotations

import gc

# Young collections far rarer than Python's default (700): each walks the live objects of every request
# in flight (see above).
YOUNG_THRESHOLD = 50_000
# The middle generation after every 2nd young collection, the old one after every 3rd middle one
# (a threshold n collects when its count exceeds n): garbage a finished request left behind in them is
# freed within some 100,000 to 300,000 allocations rather than 500,000 to 5,500,000.
MIDDLE_THRESHOLD = 1
OLD_THRESHOLD = 2


def settle() -> None:
    """Collect what startup left behind, then exempt everything alive from later collections."""
    gc.collect()
    gc.freeze()


def tune() -> None:
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
