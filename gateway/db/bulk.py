"""Bulk statements: inserts that return the new primary keys in parameter order, in as few statements
as the driver allows, and look-ups by many keys whose SQL text does not depend on how many."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


async def insert_returning_ids(conn: AsyncConnection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their ids, the n-th id belonging to the n-th row."""
    if not rows:
        return []
    pk = table.primary_key.columns.values()[0]
    if conn.dialect.name == "sqlite":
        # SQLAlchemy cannot prove RETURNING order on SQLite, so with sort_by_parameter_order it
        # falls back to one statement per row. SQLite itself inserts the VALUES rows in order, each
        # taking max(rowid) + 1 inside our write transaction, so the ids sorted are the ids in order.
        result = await conn.execute(table.insert().returning(pk), rows)
        return sorted(result.scalars().all())
    result = await conn.execute(table.insert().returning(pk, sort_by_parameter_order=True), rows)
    return list(result.scalars().all())


def keys_in(columns: Sequence[sa.ColumnElement[Any]], keys: Sequence[Sequence[Any]]) -> sa.ColumnElement[bool]:
    """Rows whose ``columns`` may match one of ``keys`` (composite natural keys).

    One IN list per column, which both SQLite and PostgreSQL serve from the composite index; a
    row-value ``(a, b) IN (...)`` is planned as a chain of ORs that grows slow with the batch and
    the table. It can select a few rows beyond the keys (a of one key with b of another), so the
    caller keeps only the exact matches.
    """
    return sa.and_(*(column.in_({key[i] for key in keys}) for i, column in enumerate(columns)))


class KeyList(sa.types.TypeDecorator[Sequence[Any]]):
    """The type of :func:`any_of`'s one parameter: a PostgreSQL array of the column's type, or, on
    other databases, the keys as one JSON array (after the column type's own bind processing, so
    that dates become the text SQLite stores)."""

    impl = sa.types.Text
    cache_ok = True

    def __init__(self, item_type: sa.types.TypeEngine[Any]) -> None:
        super().__init__()
        self.item_type = item_type

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.item_type))
        return dialect.type_descriptor(sa.types.Text())

    def process_bind_param(self, value: Iterable[Any] | None, dialect: sa.Dialect) -> Any:
        keys = list(value or ())
        if dialect.name == "postgresql":
            return keys  # ARRAY processes each element with the item type
        process = self.item_type.dialect_impl(dialect).bind_processor(dialect)  # e.g. SQLite's dates as text
        return json.dumps([process(key) for key in keys] if process else keys)


class AnyOf(sa.ColumnElement[bool]):
    """``column`` equals one of the keys bound to ``keys`` (see :func:`any_of`)."""

    __visit_name__ = "any_of"
    inherit_cache = True
    type = sa.Boolean()
    _is_implicitly_boolean = True  # a predicate: no "= 1" appended where booleans are not native
    _traverse_internals: ClassVar[list[tuple[str, InternalTraversal]]] = [
        ("column", InternalTraversal.dp_clauseelement),
        ("keys", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: sa.ColumnElement[Any], keys: sa.BindParameter[Any]) -> None:
        self.column = column
        self.keys = keys


@compiles(AnyOf, "postgresql")
def _any_of_postgresql(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.keys, **kw)})"


@compiles(AnyOf)
def _any_of_json(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite (JSON functions are built in since 3.38): the values of the JSON array, each with its JSON
    # type (integer or text), so an integer column compares with integers and the column's index serves.
    column, keys = compiler.process(element.column, **kw), compiler.process(element.keys, **kw)
    return f"{column} IN (SELECT value FROM json_each({keys}))"


def any_of(
    column: sa.ColumnElement[Any], keys: Iterable[Any] | None = None, *, name: str | None = None
) -> sa.ColumnElement[bool]:
    """Rows whose ``column`` equals one of ``keys``, in SQL whose text is the same for any number of keys.

    Use it instead of ``column.in_(keys)`` in loaders: an expanding ``IN (…)`` list changes the SQL text
    with every batch size, so no statement cache can keep it and PostgreSQL plans it afresh each time.
    On PostgreSQL this is ``column = ANY($1)`` with one array parameter, which asyncpg prepares once; on
    SQLite, ``column IN (SELECT value FROM json_each(?))`` with the keys as one JSON array. Which of the
    two is chosen when the statement is compiled, for the engine's dialect.

    Keys are ints, strs, or values of the column's type that its bind processing turns into either
    (dates, for instance). No keys select no rows.

    Pass ``keys`` to bind them now, or ``name`` (and no keys) for a statement built once at import and
    executed with the keys as that parameter::

        BY_SUBJECT = sa.select(my_table).where(any_of(my_table.c.subject_id, name="subject_ids"))

        async def load(conn, subject_ids):
            rows = await conn.execute(BY_SUBJECT, {"subject_ids": subject_ids})
    """
    if (keys is None) == (name is None):
        raise TypeError("any_of takes either keys or a parameter name")
    bound_type = KeyList(column.type)
    if name is not None:
        return AnyOf(column, sa.bindparam(name, type_=bound_type))
    return AnyOf(column, sa.bindparam(None, list(keys or ()), type_=bound_type, unique=True))
