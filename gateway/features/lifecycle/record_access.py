"""What dispute and repair workflows need of a credit record: load it, check who may act on it,
and scope lists of workflow rows to the asking principal."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.tables import credit_record
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, GatewayError
from gateway.kernel.workdays import WorkingCalendar, calendar_from_settings
from gateway.policy.access import check_record_jurisdiction


async def record_row(conn: AsyncConnection, record_id: int) -> Any:
    row = (await conn.execute(sa.select(credit_record).where(credit_record.c.id == record_id))).first()
    if row is None:
        raise GatewayError(f"No record {record_id}.", NOT_FOUND, argument="recordId")
    return row


async def own_subject_id(info: Info) -> int | None:
    return await info.context.loaders.own_subject_id()


async def check_subject_owns(info: Info, record: Any) -> None:
    """A subject acts only on records about itself (an unknown id and another's read alike)."""
    if info.context.principal.role is Role.SUBJECT and record.subject_id != await own_subject_id(info):
        raise GatewayError(f"No record {record.id} of yours.", NOT_FOUND, argument="recordId")


def check_domain(principal: Principal, domain: str, what: str) -> None:
    """A department acts only in its own domain; the admin everywhere."""
    if principal.role is Role.DEPARTMENT and principal.domain != domain:
        raise GatewayError(f"This {what} belongs to domain {domain!r}, not to {principal.domain!r}.", FORBIDDEN)


async def check_jurisdiction(conn: AsyncConnection, principal: Principal, record_id: int, what: str) -> None:
    """A department bound to a division acts on a record's workflow only inside its division (FORBIDDEN
    otherwise, before anything is written); one statement, and only for such a department."""
    if principal.role is not Role.DEPARTMENT or principal.division_code is None:
        return
    query = sa.select(credit_record.c.division_code).where(credit_record.c.id == record_id)
    check_record_jurisdiction(principal, (await conn.execute(query)).scalar_one_or_none(), what)


async def scoped(info: Info, query: sa.Select, table: sa.Table) -> sa.Select:
    """Rows of a workflow table the principal may list: a subject its own, a department its domain's."""
    principal: Principal = info.context.principal
    if principal.role is Role.SUBJECT:
        return query.where(table.c.subject_id == ((await own_subject_id(info)) or -1))
    if principal.role is Role.DEPARTMENT:
        return query.where(table.c.domain == principal.domain)
    return query


@lru_cache(maxsize=8)
def _calendar(path: Path | None) -> WorkingCalendar:
    return calendar_from_settings(path)


def working_calendar(info: Info) -> WorkingCalendar:
    """One calendar per override file, for the process (it caches days)."""
    return _calendar(info.context.settings.working_calendar_file)
