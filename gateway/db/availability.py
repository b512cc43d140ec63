"""Which errors mean "the database is unavailable" (answer 503, retry later) rather than a bug (500).

An outage shows up in many shapes: a refused or reset socket while connecting, a pool connection the
server dropped (SQLAlchemy wraps it with ``connection_invalidated``), PostgreSQL saying it is starting
up, shutting down or out of connection slots, a connect or pool-checkout timeout. What is *not* an
outage stays a bug: SQLite reports a missing table and a syntax error as ``OperationalError`` too,
so that class alone decides nothing; only the messages that mean "busy" or "cannot open" count.

Exceptions come wrapped (SQLAlchemy's ``orig``, ``raise … from``, a resolver's own wrapping, the
GraphQL error's ``original_error``), so the whole chain is searched, to a bounded depth.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import exc as sa_exc

# PostgreSQL SQLSTATEs that mean "no service now": class 08 (connection exception), admin or crash
# shutdown, cannot connect now (starting up, shutting down, in recovery), too many connections.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite's OperationalError messages that mean "try again" rather than "this statement is wrong".
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")
_MAX_CHAIN = 16


class DatabaseUnavailable(Exception):
    """Carries an outage found in a GraphQL result out of the endpoint, to the middleware that
    answers 503 (gateway.server.outage); its ``__cause__`` is the driver's error."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo and len(seen) < _MAX_CHAIN:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [
            getattr(current, "orig", None),
            getattr(current, "original_error", None),
            current.__cause__,
            current.__context__,
        ]
        todo += [e for e in linked if isinstance(e, BaseException)]


def _is_unavailable_itself(error: BaseException) -> bool:
    if isinstance(error, DatabaseUnavailable):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True  # the dialect judged it a disconnect and invalidated the pool (the recovery path)
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True  # no pool connection free in time; a connection found dead at checkout
    if isinstance(error, OSError):
        # Refused, reset, unreachable, timed out (TimeoutError is an OSError): also asyncio's
        # "Multiple exceptions: [Errno 111] …" when every address of a host refused, which has no errno.
        return True
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
        return True
    if _is_asyncpg_connection_error(error):
        return True
    return isinstance(error, sqlite3.OperationalError) and any(
        text in str(error).lower() for text in _SQLITE_UNAVAILABLE
    )


def _is_asyncpg_connection_error(error: BaseException) -> bool:
    # asyncpg's own InterfaceError when the connection is gone (what SQLAlchemy's dialect also tests);
    # its other InterfaceErrors are misuse, i.e. bugs.
    module = type(error).__module__
    return module.startswith("asyncpg") and (
        "connection is closed" in str(error) or type(error).__name__ == "ConnectionDoesNotExistError"
    )


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or anything it wraps) says the database cannot be reached now."""
    return error is not None and any(_is_unavailable_itself(e) for e in _chain(error))


def raise_if_unavailable(errors: Iterable[Any] | None) -> None:
    """Raise :class:`DatabaseUnavailable` when any GraphQL error of a result came from an outage:
    a partial answer would hide it, and a mutation's error might hide that nothing was committed."""
    for error in errors or ():
        original = getattr(error, "original_error", None)
        if is_database_unavailable(original):
            raise DatabaseUnavailable(str(original)) from original
