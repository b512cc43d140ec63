"""Reading and writing merchant pages: issue, revoke, find by token, count a view."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.divisions import within_division
from gateway.db.tables import credit_record, subject
from gateway.features.merchants.tables import TOKEN_LENGTH, merchant_page, merchant_page_view

TOKEN_BYTES = 24  # 192 random bits: enumeration of pages is out of reach (at least 128 were asked for)
# What token_urlsafe(TOKEN_BYTES) yields: anything else is refused before it reaches the database.
TOKEN_SHAPE = re.compile(rf"^[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}$")

PAGE_COLUMNS = (
    merchant_page,
    subject.c.display_code.label("subject_code"),
    subject.c.name.label("subject_name"),
    subject.c.code_type.label("subject_code_type"),
)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str) -> bool:
    return bool(TOKEN_SHAPE.match(token))


def _pages() -> sa.Select[Any]:
    return sa.select(*PAGE_COLUMNS).join(subject, subject.c.id == merchant_page.c.subject_id)


async def subject_by_hash(conn: AsyncConnection, lookup_hash: str) -> Any:
    query = sa.select(subject).where(subject.c.lookup_hash == lookup_hash)
    return (await conn.execute(query)).one_or_none()


async def holds_records(conn: AsyncConnection, subject_id: int, domain: str, division_code: str | None) -> bool:
    """Whether ``domain`` holds a record about the subject (in ``division_code`` or below, when given)."""
    query = sa.select(
        sa.exists().where(
            credit_record.c.subject_id == subject_id,
            credit_record.c.domain == domain,
            within_division(credit_record.c.division_code, division_code),
        )
    )
    return bool((await conn.execute(query)).scalar())


async def live_page(conn: AsyncConnection, subject_id: int) -> Any:
    query = _pages().where(merchant_page.c.subject_id == subject_id, merchant_page.c.revoked_at.is_(None))
    return (await conn.execute(query)).one_or_none()


async def page_by_id(conn: AsyncConnection, page_id: int) -> Any:
    return (await conn.execute(_pages().where(merchant_page.c.id == page_id))).one()


async def page_by_token(conn: AsyncConnection, token: str) -> Any:
    """The live page of a token; None for a malformed, unknown or revoked one (all read alike)."""
    if not well_formed(token):
        return None
    query = _pages().where(merchant_page.c.token == token, merchant_page.c.revoked_at.is_(None))
    return (await conn.execute(query)).one_or_none()


async def issue(conn: AsyncConnection, subject_id: int, *, by: str, at: dt.datetime, rotate: bool) -> Any:
    """The subject's live page, issued now if it has none; with ``rotate`` the live one is revoked and a new
    one issued (the printed code stops working). Runs in the caller's transaction.

    Two concurrent first issues: the partial unique index lets one insert; the other finds its page."""
    live = await live_page(conn, subject_id)
    if live is not None and not rotate:
        return live
    if live is not None:
        await _revoke(conn, live.id, by=by, at=at)
    try:
        async with conn.begin_nested():
            page_id = (
                await conn.execute(
                    sa.insert(merchant_page)
                    .values(subject_id=subject_id, token=new_token(), issued_at=at, issued_by=by)
                    .returning(merchant_page.c.id)
                )
            ).scalar_one()
    except IntegrityError:
        found = await live_page(conn, subject_id)
        if found is None:
            raise
        return found
    return await page_by_id(conn, page_id)


async def revoke(conn: AsyncConnection, subject_id: int, *, by: str, at: dt.datetime) -> Any:
    """Revoke the subject's live page; returns it as revoked, or None when it had none."""
    live = await live_page(conn, subject_id)
    if live is None:
        return None
    if not await _revoke(conn, live.id, by=by, at=at):
        return None  # revoked meanwhile by someone else
    return await page_by_id(conn, live.id)


async def _revoke(conn: AsyncConnection, page_id: int, *, by: str, at: dt.datetime) -> bool:
    result = await conn.execute(
        sa.update(merchant_page)
        .where(merchant_page.c.id == page_id, merchant_page.c.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by=by)
    )
    return result.rowcount == 1


def _upsert(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


async def count_view(conn: AsyncConnection, page_id: int, day: dt.date) -> None:
    """One more view of the page on ``day``: one statement (an upsert), so concurrent views all count."""
    insert = _upsert(conn.dialect.name)
    statement = insert(merchant_page_view).values(page_id=page_id, day=day, views=1)
    statement = statement.on_conflict_do_update(
        index_elements=[merchant_page_view.c.page_id, merchant_page_view.c.day],
        set_={"views": merchant_page_view.c.views + 1},
    )
    await conn.execute(statement)


async def views_since(conn: AsyncConnection, page_id: int, since: dt.date) -> list[Any]:
    query = (
        sa.select(merchant_page_view.c.day, merchant_page_view.c.views)
        .where(merchant_page_view.c.page_id == page_id, merchant_page_view.c.day >= since)
        .order_by(merchant_page_view.c.day.desc())
    )
    return list((await conn.execute(query)).all())
