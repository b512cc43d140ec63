"""SQL statements: counted and timed at the driver (cursor execute events), and a span each when tracing.

The events fire inside SQLAlchemy's greenlet, which shares the calling task's context variables,
so a statement's span is the child of the span current where the query was awaited (a loader's,
the execution's, the request's).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import lru_cache
from time import perf_counter
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.fast_reads import observe_directly
from gateway.telemetry import tracing
from gateway.telemetry.metrics import SQL_SECONDS, SQL_STATEMENTS

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

_KINDS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT"})
_STARTED = "credit_gateway.statements"  # in the DBAPI connection's info: (start, span) of running statements
_instrumented: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


@lru_cache(maxsize=4_096)  # statements are few and repeat (compiled once, cached by SQLAlchemy)
def statement_kind(statement: str) -> str:
    words = statement.lstrip()[:12].split(None, 1)
    word = words[0].upper() if words else ""
    return word if word in _KINDS else "OTHER"


@lru_cache(maxsize=4_096)
def _instruments(statement: str) -> tuple[Callable[[], None], Callable[[float], None]]:
    """The statement's count and time children, resolved once per statement text: one cached look-up
    per statement on the hot path (the text's hash is kept by the string SQLAlchemy caches)."""
    kind = statement_kind(statement)
    return SQL_STATEMENTS.labels(kind).inc, SQL_SECONDS.labels(kind).observe


class StatementObserver:
    def __init__(self, system: str, tracer: Tracer | None) -> None:
        self.system = system
        self.tracer = tracer

    def before(self, conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        span = None
        if self.tracer is not None:
            span = tracing.statement_span(self.tracer, statement_kind(statement), self.system, statement)
        conn.info.setdefault(_STARTED, []).append((perf_counter(), span))

    def after(self, conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        self._finish(conn, statement, None)

    def failed(self, context: sa.engine.ExceptionContext) -> None:
        if context.connection is not None and context.statement is not None:
            self._finish(context.connection, context.statement, context.original_exception)

    @staticmethod
    def record(statement: str, seconds: float) -> None:
        """Count and time a statement that ran without events (gateway.db.fast_reads' direct observer)."""
        count, observe = _instruments(statement)
        count()
        observe(seconds)

    @staticmethod
    def _finish(conn: sa.Connection, statement: str, error: BaseException | None) -> None:
        started = conn.info.get(_STARTED)
        if not started:  # failed before it reached the cursor: nothing was started
            return
        start, span = started.pop()
        count, observe = _instruments(statement)
        count()
        observe(perf_counter() - start)
        if span is not None:
            if error is not None:
                tracing.fail_span(span, error)
            span.end()


def instrument_engine(engine: AsyncEngine, tracer: Tracer | None) -> None:
    """Count, time and (with a tracer) trace the engine's statements; once per engine."""
    sync_engine = engine.sync_engine
    if sync_engine in _instrumented:
        return
    _instrumented.add(sync_engine)
    observer = StatementObserver(engine.dialect.name, tracer)
    event.listen(sync_engine, "before_cursor_execute", observer.before)
    event.listen(sync_engine, "after_cursor_execute", observer.after)
    event.listen(sync_engine, "handle_error", observer.failed)
    if tracer is None:
        # Without spans to make, the read connection's short path calls the metrics itself: cheaper than
        # SQLAlchemy's dispatch of two events per statement.
        observe_directly(sync_engine, observer.record)
