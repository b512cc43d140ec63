"""Complaints (投诉举报) in the database: filing, the department's actions, the tracking look-up.

Every function takes the connection of the caller's transaction, so that a mutation's checks, its
transition and its log entry commit together or not at all. Who may act is decided here, on the row:
only the admin and departments of the complaint's domain; to anyone else the complaint does not exist
(NOT_FOUND), so ids cannot be probed across domains. A department bound to a division handles only the
complaints about subjects registered in its division and below (the subject's registration area, read
from the code the complainant gave: a complaint may name a subject the gateway holds nothing about, and
most concern no record): it neither lists the others nor finds them (NOT_FOUND).

The complainant is given a random tracking token once; only its sha256 is stored. A token names
exactly one complaint and shows nothing of any other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.principal import Principal, Role
from gateway.db.divisions import within_division
from gateway.db.tables import credit_record, subject, workflow_transition
from gateway.features.lifecycle.common import state_since
from gateway.features.lifecycle.record_access import bound_division, check_jurisdiction, in_division, registration_area
from gateway.features.lifecycle.tables import complaint
from gateway.features.lifecycle.transitions import Actor, advance, create
from gateway.features.lifecycle.workflow import COMPLAINT, COMPLAINT_CONCLUSIONS, INVALID_TRANSITION
from gateway.kernel.errors import CONFLICT, FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import CodeType, SubjectCode
from gateway.kernel.limits import MAX_COMPLAINT_TOKEN_LENGTH as MAX_TOKEN_LENGTH

SUBSTANTIATED, UNSUBSTANTIATED = COMPLAINT_CONCLUSIONS
LINK_RECORD = "LINK_RECORD"  # logged like a transition, though the state stays CONCLUDED


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewComplaint:
    domain: str
    subject_code: SubjectCode
    subject_lookup_hash: str
    matter: str
    contact: str | None


def _masks_a_person(code: Any) -> sa.ColumnElement[bool]:
    """A stored ``subject_code`` is a person's: its birth date is masked (``110105********002X``); a
    USCC has digits there (its area)."""
    return sa.func.substr(code, 7, 1) == "*"


def complaint_subject_area() -> sa.ColumnElement[Any]:
    """The registration area of a complaint's subject, in SQL (see :func:`complaint_in_division`)."""
    return registration_area(complaint.c.subject_code, _masks_a_person(complaint.c.subject_code))


def complaint_in_division(principal: Principal, row: Any) -> bool:
    """Whether a complaint row's subject lies in the division of a bound department (others: True)."""
    code_type = CodeType.RESIDENT_ID if row.subject_code[6:7] == "*" else CodeType.USCC
    return in_division(principal, code_type.value, row.subject_code)


def _tracked() -> sa.Select[Any]:
    """The complaint's own columns and when it entered its state (its deadline counts from then)."""
    return sa.select(complaint, state_since(complaint, COMPLAINT))


async def file_complaint(conn: AsyncConnection, new: NewComplaint, *, actor: Actor, at: dt.datetime) -> tuple[Any, str]:
    """Store a complaint as RECEIVED; returns the row (with ``state_since``) and the tracking token (shown
    once, never stored)."""
    token = secrets.token_urlsafe(32)
    row = await create(
        conn,
        complaint,
        COMPLAINT,
        {
            "domain": new.domain,
            "subject_lookup_hash": new.subject_lookup_hash,
            "subject_code": new.subject_code.masked,
            "matter": new.matter,
            "contact": new.contact,
            "token_hash": token_hash(token),
            "filed_at": at,
            "updated_at": at,
        },
        actor=actor,
        at=at,
        action="FILE",
    )
    return (await conn.execute(_tracked().where(complaint.c.id == row.id))).one(), token


async def find_by_token(conn: AsyncConnection, token: str) -> Any | None:
    """The complaint a tracking token names, or None (whatever is wrong with the token)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (await conn.execute(_tracked().where(complaint.c.token_hash == token_hash(token)))).first()


def detail_query() -> sa.Select[Any]:
    """Complaints with the subject's name where the gateway knows the subject (null otherwise), and
    ``state_since``."""
    return sa.select(complaint, subject.c.name.label("subject_name"), state_since(complaint, COMPLAINT)).outerjoin(
        subject, subject.c.lookup_hash == complaint.c.subject_lookup_hash
    )


async def detail(conn: AsyncConnection, complaint_id: int) -> Any:
    return (await conn.execute(detail_query().where(complaint.c.id == complaint_id))).one()


def list_query(principal: Principal, *, domain: str | None, state: str | None) -> sa.Select[Any]:
    """The complaints a department (its domain's) or the admin (all) may list, newest first by id."""
    query = detail_query()
    if principal.role is Role.DEPARTMENT:
        if domain is not None and domain != principal.domain:
            raise GatewayError(
                f"A department of {principal.domain!r} lists only its own domain's complaints.", FORBIDDEN
            )
        domain = principal.domain
    elif principal.role is not Role.ADMIN:
        raise GatewayError("Complaints are listed to departments and the admin only.", FORBIDDEN)
    if domain is not None:
        query = query.where(complaint.c.domain == domain)
    division = bound_division(principal)
    if division is not None:
        query = query.where(within_division(complaint_subject_area(), division))
    if state is not None:
        query = query.where(complaint.c.state == state)
    return query


async def _load_for(conn: AsyncConnection, complaint_id: int, principal: Principal) -> Any:
    row = (await conn.execute(sa.select(complaint).where(complaint.c.id == complaint_id))).first()
    if row is None or not principal.may_write(row.domain) or not complaint_in_division(principal, row):
        raise GatewayError(f"No complaint {complaint_id} in your domain.", NOT_FOUND, argument="id")
    return row


async def investigate(
    conn: AsyncConnection, complaint_id: int, principal: Principal, *, at: dt.datetime, note: str | None = None
) -> Any:
    """RECEIVED → INVESTIGATING."""
    row = await _load_for(conn, complaint_id, principal)
    return await advance(
        conn,
        complaint,
        COMPLAINT,
        row,
        "INVESTIGATE",
        actor=Actor.of(principal),
        at=at,
        values={"updated_at": at},
        note=note,
    )


async def conclude(
    conn: AsyncConnection,
    complaint_id: int,
    principal: Principal,
    *,
    at: dt.datetime,
    conclusion: str,
    feedback: str,
    record_id: int | None = None,
    note: str | None = None,
) -> Any:
    """INVESTIGATING → CONCLUDED with a conclusion and the complainant's feedback, and for a substantiated
    complaint whose record is already submitted, the link to it."""
    if conclusion not in COMPLAINT_CONCLUSIONS:
        raise BadUserInput(f"conclusion must be one of {', '.join(COMPLAINT_CONCLUSIONS)}", argument="conclusion")
    if record_id is not None and conclusion != SUBSTANTIATED:
        raise BadUserInput("Only a substantiated complaint links to a record.", argument="recordId")
    row = await _load_for(conn, complaint_id, principal)
    values: dict[str, Any] = {"updated_at": at, "concluded_at": at, "conclusion": conclusion, "feedback": feedback}
    if record_id is not None:
        COMPLAINT.next_state(row.state, "CONCLUDE")  # an illegal step says so before the record is judged
        await _check_record(conn, row, record_id)
        await check_jurisdiction(conn, principal, record_id, "complaint's record")
        values["record_id"] = record_id
    return await advance(
        conn, complaint, COMPLAINT, row, "CONCLUDE", actor=Actor.of(principal), at=at, values=values, note=note
    )


async def link_record(
    conn: AsyncConnection, complaint_id: int, principal: Principal, *, record_id: int, at: dt.datetime
) -> Any:
    """Link a substantiated complaint to the record its department submitted afterwards.

    Not a change of state, but logged like one (LINK_RECORD), and guarded by the same version check.
    """
    row = await _load_for(conn, complaint_id, principal)
    if row.state != "CONCLUDED" or row.conclusion != SUBSTANTIATED:
        raise GatewayError(
            f"Only a substantiated, concluded complaint links to a record; this one is {row.state}"
            + (f" ({row.conclusion})" if row.conclusion else "")
            + ".",
            INVALID_TRANSITION,
            workflow=COMPLAINT.name,
            fromState=row.state,
            action=LINK_RECORD,
        )
    if row.record_id is not None:
        if row.record_id == record_id:
            return row
        raise GatewayError(
            f"This complaint is already linked to record {row.record_id}.", CONFLICT, recordId=str(row.record_id)
        )
    await _check_record(conn, row, record_id)
    await check_jurisdiction(conn, principal, record_id, "complaint's record")
    result = await conn.execute(
        complaint.update()
        .where(complaint.c.id == row.id, complaint.c.version == row.version)
        .values(record_id=record_id, updated_at=at, version=row.version + 1)
    )
    if result.rowcount != 1:
        raise GatewayError("Another action changed this complaint at the same time; reload it.", CONFLICT)
    actor = Actor.of(principal)
    await conn.execute(
        workflow_transition.insert().values(
            workflow=COMPLAINT.name,
            item_id=row.id,
            action=LINK_RECORD,
            from_state=row.state,
            to_state=row.state,
            actor_role=actor.role,
            actor_client_id=actor.client_id,
            actor_name=actor.name,
            at=at,
            note=f"record {record_id}",
        )
    )
    return (await conn.execute(sa.select(complaint).where(complaint.c.id == row.id))).one()


async def _check_record(conn: AsyncConnection, row: Any, record_id: int) -> None:
    """The record must exist, be in the complaint's domain and be about the complained subject."""
    found = (
        await conn.execute(
            sa.select(credit_record.c.domain, subject.c.lookup_hash)
            .join(subject, subject.c.id == credit_record.c.subject_id)
            .where(credit_record.c.id == record_id)
        )
    ).first()
    if found is None:
        raise GatewayError(f"No record {record_id}.", NOT_FOUND, argument="recordId")
    if found.domain != row.domain:
        raise BadUserInput(
            f"Record {record_id} is in {found.domain!r}, not in the complaint's domain {row.domain!r}.",
            argument="recordId",
        )
    if found.lookup_hash != row.subject_lookup_hash:
        raise BadUserInput(f"Record {record_id} is not about the subject complained of.", argument="recordId")
