"""The credit report registry's rules and rows: what a registration must hold, how long a report is valid,
its status on a given day, and the writes (registering once per request id, revoking).

Every check a person could get wrong is made here; the GraphQL resolvers (gateway.features.reports.graphql)
decide who asks and about which subject.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.idempotency import insert_once
from gateway.db.tables import api_client, subject
from gateway.features.reports.tables import credit_report
from gateway.graph.arguments import text
from gateway.kernel.errors import CONFLICT, DUPLICATE_RECORD, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.limits import (
    MAX_REPORT_GRADE,
    MAX_REPORT_NUMBER,
    MAX_REPORT_REVOCATION_REASON,
    MAX_REPORT_RISK_NOTES,
    MAX_REQUEST_ID,
)


class ReportStatus(enum.Enum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    NOT_FOUND = "NOT_FOUND"  # only in a verification: no report has this number


def normalise_number(number: str) -> str:
    """One spelling per number: whitespace collapsed and ASCII letters upper-cased, so that a department
    typing ``xypj-2026-0001`` from a printed report finds ``XYPJ-2026-0001``. Only ASCII letters change case:
    ``str.upper`` may lengthen other text (``ß`` becomes ``SS``) past the column's width."""
    return " ".join(number.split()).translate(_ASCII_UPPER)


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def checked_number(number: str, argument: str = "number") -> str:
    """The normalised number, or BAD_USER_INPUT (empty, too long, control characters); the length is checked
    on the normalised number, which is what is stored."""
    value = normalise_number(text(number, argument, MAX_REPORT_NUMBER))
    if not value or len(value) > MAX_REPORT_NUMBER:
        raise BadUserInput(f"{argument} must have 1 to {MAX_REPORT_NUMBER} characters", argument=argument)
    if not value.isprintable():
        raise BadUserInput(f"{argument} must be printable characters", argument=argument)
    return value


def valid_until(issued_on: dt.date) -> dt.date:
    """The last day a report issued on ``issued_on`` is valid: one year, the day before the anniversary
    (issued 2026-03-01, valid through 2027-02-28; issued on 29 February, through 28 February)."""
    try:
        anniversary = issued_on.replace(year=issued_on.year + 1)
    except ValueError:  # 29 February, in a year without one
        anniversary = dt.date(issued_on.year + 1, 3, 1)
    return anniversary - dt.timedelta(days=1)


def status_of(row: Any, today: dt.date) -> ReportStatus:
    if row.revoked_at is not None:
        return ReportStatus.REVOKED
    return ReportStatus.VALID if today <= row.valid_until else ReportStatus.EXPIRED


@dataclass(frozen=True, slots=True)
class Registration:
    """A report as an agency registers it, checked (:func:`check_registration`)."""

    request_id: str
    number: str
    grade: str
    risk_notes: str
    issued_on: dt.date


def check_registration(
    *, request_id: str, number: str, grade: str, risk_notes: str | None, issued_on: dt.date, today: dt.date
) -> Registration:
    """BAD_USER_INPUT for anything the agency must fix: empty or over-long fields, a report issued in the
    future, or one issued so long ago that it has expired already (there is nothing left to verify)."""
    if issued_on > today:
        raise BadUserInput(f"issuedOn {issued_on.isoformat()} is in the future", argument="issuedOn")
    if valid_until(issued_on) < today:
        raise BadUserInput(
            f"a report issued on {issued_on.isoformat()} has expired (valid 1 year): there is nothing to register",
            argument="issuedOn",
        )
    return Registration(
        request_id=text(request_id, "requestId", MAX_REQUEST_ID),
        number=checked_number(number),
        grade=text(grade, "grade", MAX_REPORT_GRADE),
        risk_notes=text(risk_notes, "riskNotes", MAX_REPORT_RISK_NOTES, required=False) or "",
        issued_on=issued_on,
    )


async def register_report(
    engine: AsyncEngine, *, agency_id: int, subject_id: int, registration: Registration, now: dt.datetime
) -> Any:
    """Store the report once per (agency, request id) and return its row: a repeat with the same content
    gets the same row, with other content ``CONFLICT``. A number another request registered already is
    ``DUPLICATE_RECORD`` (two requests racing for one new number: the loser gets ``CONFLICT``)."""
    async with engine.connect() as conn:
        taken = (
            await conn.execute(
                sa.select(credit_report.c.client_id, credit_report.c.request_id).where(
                    credit_report.c.number == registration.number
                )
            )
        ).first()
    if taken is not None and (taken.client_id, taken.request_id) != (agency_id, registration.request_id):
        raise GatewayError(
            f"A credit report numbered {registration.number!r} is registered already.",
            DUPLICATE_RECORD,
            argument="number",
        )
    return await insert_once(
        engine,
        credit_report,
        {"client_id": agency_id, "request_id": registration.request_id},
        {
            "number": registration.number,
            "subject_id": subject_id,
            "grade": registration.grade,
            "risk_notes": registration.risk_notes,
            "issued_on": registration.issued_on,
        },
        {"valid_until": valid_until(registration.issued_on), "registered_at": now},
    )


async def revoke_report(
    engine: AsyncEngine, number: str, *, agency_id: int | None, by: str, reason: str, now: dt.datetime
) -> int:
    """Revoke a report (an agency only its own: ``agency_id``; None for the admin) and return its id.
    NOT_FOUND for a number that names no report of the caller; CONFLICT when it is revoked already."""
    number = checked_number(number)
    reason = text(reason, "reason", MAX_REPORT_REVOCATION_REASON)
    async with engine.begin() as conn:
        query = sa.select(credit_report.c.id).where(credit_report.c.number == number)
        if agency_id is not None:
            query = query.where(credit_report.c.client_id == agency_id)
        report_id = (await conn.execute(query)).scalar()
        if report_id is None:
            raise GatewayError(f"No credit report of yours is numbered {number!r}.", NOT_FOUND, argument="number")
        # The WHERE makes a concurrent second revocation a no-op that we can detect.
        done = await conn.execute(
            credit_report.update()
            .where(credit_report.c.id == report_id, credit_report.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by[:200], revocation_reason=reason)
        )
        if done.rowcount != 1:
            raise GatewayError(f"Credit report {number!r} is revoked already.", CONFLICT, argument="number")
    return int(report_id)


def detail_query() -> sa.Select[Any]:
    """Reports with their agency's name and their subject's code as it may be shown and name: one join."""
    return (
        sa.select(
            credit_report,
            api_client.c.name.label("agency_name"),
            subject.c.display_code.label("subject_code"),
            subject.c.name.label("subject_name"),
        )
        .join(api_client, api_client.c.id == credit_report.c.client_id)
        .join(subject, subject.c.id == credit_report.c.subject_id)
    )
