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
