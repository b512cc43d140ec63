"""What dispute and repair workflows need of a credit record: load it, check who may act on it,
and scope lists of workflow rows to the asking principal.

A department bound to a division (``Principal.division_code``) lists and acts on the items of its domain
that lie in its division and below: a dispute or repair by its record's division, a complaint or
commitment by its subject's registration area (:func:`registration_area`, :func:`in_division`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.divisions import within_division
from gateway.db.tables import credit_record
from gateway.kernel.divisions import covers, display_code_division
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
        query = query.where(table.c.domain == principal.domain)
        if principal.division_code is not None:
            # Of its records' division: a correlated look-up by the record's primary key, in the same statement.
            query = query.where(
                sa.exists().where(
                    credit_record.c.id == table.c.record_id,
                    within_division(credit_record.c.division_code, principal.division_code),
                )
            )
    return query


def bound_division(principal: Principal) -> str | None:
    """The division a department acts for; None for anyone else, and for a department of the whole platform."""
    return principal.division_code if principal.role is Role.DEPARTMENT else None


def registration_area(code: Any, person: Any) -> sa.ColumnElement[Any]:
    """A subject's registration area in SQL, from its code as it may be shown (``display_code``: a masked
    ID keeps its first six digits) and whether it is a person's: :func:`display_code_division` in SQL."""
    return sa.case((person, sa.func.substr(code, 1, 6)), else_=sa.func.substr(code, 3, 6))


def in_division(principal: Principal, code_type: str, display_code: str) -> bool:
    """Whether a subject (by its shown code) lies in the division of the principal, if it is a bound
    department (anyone else: the whole platform, True)."""
    return covers(bound_division(principal), display_code_division(code_type, display_code))


@lru_cache(maxsize=8)
def _calendar(path: Path | None) -> WorkingCalendar:
    return calendar_from_settings(path)


def working_calendar(info: Info) -> WorkingCalendar:
    """One calendar per override file, for the process (it caches days)."""
    return _calendar(info.context.settings.working_calendar_file)
