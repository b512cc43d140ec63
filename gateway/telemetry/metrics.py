"""The gateway's Prometheus metrics, correct in one process and in several.

With ``PROMETHEUS_MULTIPROC_DIR`` set before the first import of ``prometheus_client`` (``serve
--workers N`` does it), each worker writes its values to files there and a scrape of any worker
sums them all (:func:`exposition_registry`). Metrics are process-wide singletons, so that several
apps in one process (tests) share them; tests read differences.

Label values are bounded: operation names through :class:`BoundedLabels`, outcome codes likewise,
audiences and loader names are fixed sets. Children are resolved once and kept, so the hot path is
a dictionary look-up and an increment.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator
from functools import cache
from time import perf_counter
from typing import TypeVar

import sqlalchemy as sa
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import event

from gateway.auth.principal import Role
from gateway.telemetry.multiprocess import MULTIPROCESS_ENV

OTHER = "other"  # every operation name (or code) beyond the bounded set
T = TypeVar("T")


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_ENV) or None


# prometheus_client picks its value store from the environment when first imported; so do we.
MULTIPROCESS = multiprocess_dir() is not None

REQUESTS = Counter(
    "credit_gateway_requests",
    "GraphQL requests, by operation name, audience (role) and outcome (OK, the first error's code, or the "
    "refusal's code).",
    ["operation", "audience", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "credit_gateway_request_duration_seconds",
    "Time from the request's arrival to its last response byte, by operation name and audience.",
    ["operation", "audience"],
)
SQL_STATEMENTS = Counter("credit_gateway_sql_statements", "SQL statements run, by their first keyword.", ["statement"])
SQL_SECONDS = Histogram(
    "credit_gateway_sql_duration_seconds",
    "Time of one SQL statement at the driver, by its first keyword.",
    ["statement"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
LOADER_BATCH_SIZE = Histogram(
    "credit_gateway_loader_batch_size",
    "Keys per DataLoader batch (one statement each), by loader.",
    ["loader"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000),
)
RATE_LIMIT_REFUSALS = Counter(
    "credit_gateway_rate_limit_refusals", "Requests refused by the rate limit (429), by audience.", ["audience"]
)
QUERY_RECORD_APPEND_SECONDS = Histogram(
    "credit_gateway_query_record_append_seconds",
    "Time to append one request's accesses to the query record (one transaction).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
SUBGRAPH_FETCHES = Counter(
    "credit_gateway_subgraph_fetches",
    "Requests sent to remote subgraphs (serve --supergraph; retries of one fetch count once), by subgraph and "
    "outcome: OK (an answer came back, whatever its status) or the failure's code (SUBGRAPH_TIMEOUT …).",
    ["subgraph", "outcome"],
)
SUBGRAPH_FETCH_SECONDS = Histogram(
    "credit_gateway_subgraph_fetch_duration_seconds",
    "Time of one request to a remote subgraph, from its send (a wait for a free connection included) to the "
    "last byte of its answer or its failure, by subgraph.",
    ["subgraph"],
)
SUBGRAPH_SHARED_ANSWERS = Counter(
    "credit_gateway_subgraph_shared_answers",
    "Fetches answered by an identical query already in flight to the subgraph, and so not sent "
    "(subgraph_deduplication), by subgraph.",
    ["subgraph"],
)
POOL_CHECKED_OUT = "credit_gateway_db_pool_checked_out"
POOL_SIZE = "credit_gateway_db_pool_size"
_POOL_CHECKED_OUT_HELP = (
    "Database connections checked out of the pool, overflow included: in use, or kept for the next request's reads."
)
_POOL_SIZE_HELP = "Connections the pool keeps open (its configured size)."


class BoundedLabels:
    """The values one label may take: the given ones, then the first ``cap`` others admitted, then
    ``other``. What is admitted is the caller's choice (e.g. only names from keyed clients)."""

    def __init__(self, given: Iterable[str], cap: int) -> None:
        self._known = set(given)
        self._cap = cap
        self._admitted = 0

    def label(self, value: str, *, admit: bool) -> str:
        if value in self._known:
            return value
        if admit and self._admitted < self._cap:
            self._known.add(value)
            self._admitted += 1
            return value
        return OTHER


class RequestMetrics:
    """Counts and times requests with their children resolved once per label combination."""

    def __init__(self) -> None:
        # Both children under one key: one look-up per request (the label sets are bounded).
        self._children: dict[tuple[str, str, str], tuple[Callable[[], None], Callable[[float], None]]] = {}

    def observe(self, operation: str, audience: str, outcome: str, seconds: float) -> None:
        key = (operation, audience, outcome)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                REQUESTS.labels(operation, audience, outcome).inc,
                REQUEST_SECONDS.labels(operation, audience).observe,
            )
        count, observe = children
        count()
        observe(seconds)


_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_OUTCOMES = BoundedLabels((), cap=100)  # codes are constants of the code base; the cap is a seat belt


def outcome_label(code: object) -> str:
    """An error code as a label value: codes look like ``BAD_USER_INPUT``; anything else is ``OTHER``."""
    if isinstance(code, str) and _CODE.match(code):
        return _OUTCOMES.label(code, admit=True)
    return "OTHER"


class SubgraphFetchMetrics:
    """The remote subgraphs' fetches as metrics (the federation transport's observer). Subgraph names come
    from the supergraph the operator serves; past 200 of them the rest count as ``other`` (a seat belt)."""

    def __init__(self) -> None:
        self._subgraphs = BoundedLabels((), cap=200)
        # Children resolved once per label combination, as RequestMetrics does: a fetch is a look-up and two calls.
        self._sent: dict[tuple[str, str], tuple[Callable[[], None], Callable[[float], None]]] = {}
        self._shared: dict[str, Callable[[], None]] = {}

    def sent(self, subgraph: str, outcome: str, seconds: float) -> None:
        children = self._sent.get((subgraph, outcome))
        if children is None:
            name = self._subgraphs.label(subgraph, admit=True)
            children = self._sent[(subgraph, outcome)] = (
                SUBGRAPH_FETCHES.labels(name, outcome_label(outcome)).inc,
                SUBGRAPH_FETCH_SECONDS.labels(name).observe,
            )
        count, observe = children
        count()
        observe(seconds)

    def shared(self, subgraph: str) -> None:
        count = self._shared.get(subgraph)
        if count is None:
            count = self._shared[subgraph] = SUBGRAPH_SHARED_ANSWERS.labels(
                self._subgraphs.label(subgraph, admit=True)
            ).inc
        count()


@cache  # loader names are a fixed set, declared by the plugins
def loader_batch_observer(loader: str) -> Callable[[float], None]:
    """``observe(len(keys))`` for one loader."""
    return LOADER_BATCH_SIZE.labels(loader).observe


_refusals = {role: RATE_LIMIT_REFUSALS.labels(role.value) for role in Role}


def count_rate_limit_refusal(role: Role) -> None:
    _refusals[role].inc()


async def timed_query_record_append(append: Awaitable[T]) -> T:
    """Await the append of the query record, observing its time (failed appends too)."""
    started = perf_counter()
    try:
        return await append
    finally:
        QUERY_RECORD_APPEND_SECONDS.observe(perf_counter() - started)


# --- Database pool: read at scrape time, or kept by pool events when several processes share -----


def _checked_out(pool: sa.Pool) -> int:
    checked_out = getattr(pool, "checkedout", None)  # QueuePool; SQLite's static pools have none
    return int(checked_out()) if callable(checked_out) else 0


def _size(pool: sa.Pool) -> int:
    size = getattr(pool, "size", None)
    return int(size()) if callable(size) else 0


class PoolCollector(Collector):
    """Reads the pools of the watched engines when scraped: no work per checkout."""

    def __init__(self) -> None:
        self._engines: weakref.WeakSet[sa.Engine] = weakref.WeakSet()

    def watch(self, engine: sa.Engine) -> None:
        self._engines.add(engine)

    def collect(self) -> Iterator[Metric]:
        pools = [engine.pool for engine in list(self._engines)]
        checked_out = GaugeMetricFamily(POOL_CHECKED_OUT, _POOL_CHECKED_OUT_HELP)
        checked_out.add_metric([], sum(_checked_out(pool) for pool in pools))
        size = GaugeMetricFamily(POOL_SIZE, _POOL_SIZE_HELP)
        size.add_metric([], sum(_size(pool) for pool in pools))
        return iter((checked_out, size))


class PoolGauges:
    """Multiprocess mode: a scrape reaches one worker, which cannot read the others' pools, so each
    worker keeps its own numbers in the shared files (summed over live workers) from pool events."""

    def __init__(self) -> None:
        self.checked_out = Gauge(POOL_CHECKED_OUT, _POOL_CHECKED_OUT_HELP, multiprocess_mode="livesum")
        self.size = Gauge(POOL_SIZE, _POOL_SIZE_HELP, multiprocess_mode="livesum")
        self._engines: weakref.WeakSet[sa.Engine] = weakref.WeakSet()
        # A worker forked from the process that built its app (gateway.server.preloaded_app) writes to
        # files of its own, which start empty: it counts the pools it inherited. (That process, which
        # serves nothing, drops its own count with forget_process.)
        os.register_at_fork(after_in_child=self._count_inherited_pools)

    def watch(self, engine: sa.Engine) -> None:
        if engine in self._engines:  # one engine under two apps: its pool counts once
            return
        self._engines.add(engine)
        self.size.inc(_size(engine.pool))
        event.listen(engine, "checkout", lambda *_: self.checked_out.inc())
        event.listen(engine, "checkin", lambda *_: self.checked_out.dec())

    def _count_inherited_pools(self) -> None:
        for engine in list(self._engines):
            self.size.inc(_size(engine.pool))


POOLS: PoolCollector | PoolGauges
if MULTIPROCESS:
    POOLS = PoolGauges()
else:
    POOLS = PoolCollector()
    REGISTRY.register(POOLS)


def watch_pool(engine: sa.Engine) -> None:
    POOLS.watch(engine)


def forget_process() -> None:
    """On a worker's shutdown: drop its live gauges from the shared files."""
    if MULTIPROCESS:
        mark_process_dead(os.getpid())


# --- Exposition ----------------------------------------------------------------------------


def exposition_registry() -> CollectorRegistry:
    """What a scrape renders: this process's registry, or in multiprocess mode every worker's
    files (a fresh registry per scrape, as prometheus_client prescribes)."""
    path = multiprocess_dir()
    if path is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=path)
    return registry


def render(accept: str | None) -> tuple[bytes, str]:
    """The exposition (Prometheus text, or OpenMetrics when asked for) and its content type."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(exposition_registry()), content_type
