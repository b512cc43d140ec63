"""Bulk inserts that return the new primary keys in parameter order, in as few statements as the
driver allows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


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
