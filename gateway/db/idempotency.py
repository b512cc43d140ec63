"""Requests that are idempotent on a client-supplied request id.

A client that retries a request (a timeout, a lost answer) must not create a second verification, report
or extract. Each such table has a unique constraint over (who asked, their request id). The first request
stores its row; a repeat with the same content gets that same row back; a repeat with other content is a
client error (``CONFLICT``), because the client reused an id for something else. Two copies sent at once
race on the constraint, and the loser reads the winner's row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.kernel.errors import CONFLICT, GatewayError

# What the caller writes once the request is known to be new: it receives the open transaction's
# connection and returns nothing; its rows commit (or roll back) with the request's own row.
Writer = Callable[[AsyncConnection], Awaitable[None]]


async def insert_once(
    engine: AsyncEngine,
    table: sa.Table,
    key: Mapping[str, Any],
    content: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
    *,
    also_write: Writer | None = None,
) -> Any:
    """The row stored for ``key`` (requester and request id), inserting ``content`` plus ``extra`` first if
    there is none. ``content`` is what a repeat must match; ``extra`` is what only the first request sets
    (numbers, timestamps). ``also_write`` runs in the same transaction as the insert, for rows that belong
    to the request (items of a batch). Raises ``CONFLICT`` when the id was used for other content."""
    where = sa.and_(*(table.c[name] == value for name, value in key.items()))
    existing = await _stored(engine, table, where)
    if existing is None:
        try:
            async with engine.begin() as conn:
                await conn.execute(table.insert().values(**key, **content, **(extra or {})))
                if also_write is not None:
                    await also_write(conn)
        except IntegrityError:
            pass  # the same request id, sent twice at once: compare with the one that won
        existing = await _stored(engine, table, where)
        if existing is None:  # pragma: no cover - the insert either succeeded or lost to this row
            raise GatewayError("The request could not be stored", CONFLICT)
    differing = [name for name, value in content.items() if getattr(existing, name) != value]
    if differing:
        raise GatewayError(
            "requestId was used already for a different request (it differs in " + ", ".join(sorted(differing)) + ")",
            CONFLICT,
            argument="requestId",
        )
    return existing


async def _stored(engine: AsyncEngine, table: sa.Table, where: sa.ColumnElement[bool]) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(table).where(where))).first()
