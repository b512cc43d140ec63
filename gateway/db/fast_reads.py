"""The request's read connection on PostgreSQL, with SELECTs run as asyncpg prepared statements.

Loaders and list queries call ``await conn.execute(statement, params)`` on the request's read connection
(``Loaders.connection()``). Through SQLAlchemy's async engine each such call costs about 0.15 to 0.3 ms
of CPU above asyncpg's own work: a greenlet switch, an execution context, the compiled cache's key, the
adapter's cursor emulation and a ``CursorResult``. The statements on this path are built once (module
constants), so most of that work gives the same answer every time.

:class:`ReadConnection` wraps the ``AsyncConnection`` and keeps SQLAlchemy for everything else. Its
``execute`` takes the short path for a ``Select`` it has seen before, by identity: the statement is
compiled once for the dialect (the very SQL SQLAlchemy would send), its positional arguments are laid out
once (bound literals, bind processors), and each call binds the caller's values, runs the prepared
statement on the driver connection and returns its rows as :mod:`gateway.db.fast_rows` makes them: the
``Result`` and ``Row`` API the gateway uses (``all``, ``scalars``, ``one_or_none``, ``row.name``,
``row[0]``, ``row._mapping`` …), over asyncpg's records without copying them.

What stays exactly as before:

- ``before_cursor_execute`` and ``after_cursor_execute`` listeners (statement metrics, tracing, the
  tests' statement counts, an admin's query plan, the benchmark's capture) see the same SQL and
  positional parameters. One exception, for speed: when the engine's only cursor listeners are the
  pair of a *direct observer* (:func:`observe_directly`: the gateway's statement metrics without
  tracing), the short path calls that observer itself with the SQL and the seconds, and SQLAlchemy's
  event dispatch is skipped. The dispatch cost more than the metrics did (on a profile of six
  statements, 4 % of the request's instructions). Any other listener, on the engine or on the
  connection, brings the events back for every statement;
- errors: when the short path raises, the statement runs again through SQLAlchemy, which raises as it
  always does (the outage handling and the pool's invalidation of a dead connection rely on its
  exceptions). A read changes nothing, so running it twice is safe;
- statements the short path cannot take (not a ``Select``, execution options, expanding or post-compile
  parameters, result types with processors, column names the rows' API uses, a statement seen once) go
  through SQLAlchemy unchanged.

The read connection is in autocommit (``open_read_connection``), so the driver connection has no
transaction state for SQLAlchemy to track.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.fast_rows import RowsResult, row_class_for

# Statements remembered (by identity) and compiled. The loaders' constants are a few dozen; a statement
# built per request is seen once and never compiled here, and the bound keeps such ones from piling up.
_REMEMBERED = 512
# Prepared statements kept per driver connection: one per compiled statement at most.
_PREPARED_KEY = "gateway.fast_reads.prepared"

_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Argument:
    key: str  # the caller's parameter name (the bind parameter's key)
    default: Any  # the bound value (a literal in the statement), or _MISSING
    process: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    arguments: tuple[_Argument, ...]
    row_class: type[Any]

    def bind(self, parameters: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
        """The positional arguments for ``parameters``; None when one is missing (SQLAlchemy then
        raises its own error)."""
        values = []
        for argument in self.arguments:
            value = parameters.get(argument.key, _MISSING) if parameters else _MISSING
            if value is _MISSING:
                value = argument.default
                if value is _MISSING:
                    return None
            values.append(argument.process(value) if argument.process is not None else value)
        return tuple(values)


class _Statements:
    """Statements by identity: seen once (None), or compiled (a _Compiled, or False when the short path
    cannot take it). Least recently used dropped beyond the bound."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[sa.Select[Any], _Compiled | bool | None]] = OrderedDict()

    def compiled(self, statement: sa.Select[Any], dialect: sa.Dialect) -> _Compiled | None:
        entry = self._entries.get(id(statement))
        if entry is None or entry[0] is not statement:
            # First sight: SQLAlchemy runs it. A statement built per request never comes back.
            self._remember(statement, None)
            return None
        state = entry[1]
        if state is None:
            state = _compile(statement, dialect) or False
            self._remember(statement, state)
        else:
            self._entries.move_to_end(id(statement))
        return state or None

    def _remember(self, statement: sa.Select[Any], state: _Compiled | bool | None) -> None:
        self._entries[id(statement)] = (statement, state)
        self._entries.move_to_end(id(statement))
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


_STATEMENTS = _Statements(_REMEMBERED)


def _compile(statement: sa.Select[Any], dialect: sa.Dialect) -> _Compiled | None:
    if statement.get_execution_options():  # stream_results, yield_per …: SQLAlchemy's way honours them
        return None
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup is None or compiled.literal_execute_params or compiled.post_compile_params:
        return None
    processors = compiled._bind_processors
    arguments = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        if bind.expanding or bind.callable is not None:
            return None
        default = _MISSING if bind.required else bind.value
        arguments.append(_Argument(bind.key, default, processors.get(name)))
    # Result types that convert values (a Python Enum, say) need SQLAlchemy's processing: not taken.
    for column in statement.selected_columns:
        if _converts_results(column.type, dialect):
            return None
    row_class = row_class_for(compiled._result_columns)
    if row_class is None:
        return None
    return _Compiled(compiled.string, tuple(arguments), row_class)


def _converts_results(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> bool:
    implementation = type_.dialect_impl(dialect)
    if isinstance(implementation, sa.Numeric):
        # asyncpg returns Decimal for NUMERIC and float for FLOAT, as asked; only asking for the other
        # kind converts, which SQLAlchemy would do.
        return implementation.asdecimal != (not isinstance(implementation, sa.Float))
    try:
        return implementation.result_processor(dialect, None) is not None
    except (TypeError, KeyError, NotImplementedError):  # a processor that needs the driver's type code
        return True


# The direct observer of each engine (see the module's docstring): called with (SQL, seconds).
StatementObserved = Callable[[str, float], None]
_direct_observers: weakref.WeakKeyDictionary[sa.Engine, StatementObserved] = weakref.WeakKeyDictionary()


def observe_directly(engine: sa.Engine, observe: StatementObserved) -> None:
    """Let the short path call ``observe(sql, seconds)`` after each statement instead of dispatching
    SQLAlchemy's cursor events, while the caller's own ``before_cursor_execute`` and
    ``after_cursor_execute`` listeners (one each, registered on ``engine``) are its only ones. They
    still see every statement the short path does not take."""
    _direct_observers[engine] = observe


def _alone(engine: sa.Engine) -> bool:
    """Whether the engine has one cursor listener of each kind (its direct observer's, then)."""
    dispatch = engine.dispatch
    return len(dispatch.before_cursor_execute) == 1 and len(dispatch.after_cursor_execute) == 1


class ReadConnection:
    """The request's read ``AsyncConnection`` with the short path for repeated SELECTs; every other
    attribute is the wrapped connection's."""

    __slots__ = ("_connection", "_driver", "_observe", "_prepared", "_sync")

    def __init__(self, connection: AsyncConnection, driver: Any, prepared: dict[str, Any]) -> None:
        self._connection = connection
        self._driver = driver
        self._sync = sync = connection.sync_connection
        self._prepared = prepared
        self._observe = _direct_observers.get(sync.engine)

    @classmethod
    async def wrap(cls, connection: AsyncConnection, raw: Any = None) -> ReadConnection:
        """The read connection over ``connection``; ``raw`` is its pooled DBAPI connection when the caller
        has it already (asking SQLAlchemy for it again costs a switch into its greenlet)."""
        if raw is None:
            raw = await connection.get_raw_connection()
        prepared = raw.info.setdefault(_PREPARED_KEY, {})
        return cls(connection, raw.driver_connection, prepared)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    @property
    def connection(self) -> AsyncConnection:
        return self._connection

    async def execute(self, statement: Any, parameters: Any = None, **options: Any) -> Any:
        if options or not isinstance(statement, sa.Select) or isinstance(parameters, Sequence):
            return await self._connection.execute(statement, parameters, **options)
        compiled = _STATEMENTS.compiled(statement, self._connection.dialect)
        arguments = None if compiled is None else compiled.bind(parameters)
        if compiled is None or arguments is None:
            return await self._connection.execute(statement, parameters)
        sync = self._sync
        # Any other listener, on the connection itself (an admin's plan) or on the engine (a test's count),
        # brings the events back, for all listeners.
        observe = self._observe
        if observe is not None and (sync._has_events or not _alone(sync.engine)):
            observe = None
        events = observe is None and sync.engine._has_events
        if events:
            sync.dispatch.before_cursor_execute(sync, None, compiled.sql, arguments, None, False)
        started = perf_counter()
        try:
            prepared = self._prepared.get(compiled.sql)
            if prepared is None:
                prepared = await self._driver.prepare(compiled.sql, record_class=compiled.row_class)
                self._prepared[compiled.sql] = prepared
            rows = await prepared.fetch(*arguments)
        except Exception:
            self._prepared.pop(compiled.sql, None)
            if events:
                sync.dispatch.after_cursor_execute(sync, None, compiled.sql, arguments, None, False)
            # SQLAlchemy's own path raises the error as callers expect it (or succeeds, if the cause was
            # the prepared statement: a schema changed under it).
            return await self._connection.execute(statement, parameters)
        if events:
            sync.dispatch.after_cursor_execute(sync, None, compiled.sql, arguments, None, False)
        elif observe is not None:
            observe(compiled.sql, perf_counter() - started)
        return RowsResult(rows, compiled.row_class._fields)
