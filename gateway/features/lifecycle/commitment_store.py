"""Credit commitments (信用承诺) in the database: making them, who may read which, fulfilment and breach.

Disclosure is enforced here, in SQL, so that every list and every look-up shows the same rows:

* PUBLIC commitments of organisations: everyone (the public, portals and partners included);
* RESTRICTED and NOT_DISCLOSABLE ones, and every commitment of a natural person: the subject itself,
  the departments of the domain it was made to, and the admin.

RESTRICTED and NOT_DISCLOSABLE differ in what may be *done* with them (a restricted commitment may be
shared under an authorisation, a non-disclosable one never), not yet in who reads them: partners read
only what a subject's authorisation covers, and no authorisation group covers commitments yet, so
partners read the public ones only. A partner group for restricted commitments is the place to add that.

A department bound to a division (``Principal.division_code``) is an insider only of the commitments made
to its domain by subjects registered in its division and below (the subject's registration area: a
commitment is the subject's, and concerns no record until it is broken); of the others it reads what the
public reads, and assessing them finds nothing (NOT_FOUND, as for another domain's). The breach record
belongs where records do: the breaching unit's area when its USCC is given, else the subject's; a bound
department may not write one outside its division (FORBIDDEN).

A breach becomes a NEGATIVE record in the commitment's domain, written in the same transaction as the
transition, after it: of two departments breaching one commitment at once, the loser's transition fails
(CONFLICT) before it writes anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.principal import Principal, Role
from gateway.db.bulk import any_of
from gateway.db.divisions import within_division
from gateway.db.queries import with_subject
from gateway.db.tables import credit_record, subject
from gateway.features.lifecycle.record_access import bound_division, in_division, registration_area
from gateway.features.lifecycle.tables import credit_commitment
from gateway.features.lifecycle.transitions import Actor, advance, create
from gateway.features.lifecycle.workflow import COMMITMENT, FULFILMENT_LEVELS, INVALID_TRANSITION
from gateway.graph.records import ENVELOPE_COLUMNS
from gateway.kernel.divisions import display_code_division, record_division
from gateway.kernel.errors import NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import CodeType
from gateway.kernel.rules import PublicityRules
from gateway.policy.access import check_record_jurisdiction
from gateway.records.publicity import lifecycle_values
from gateway.write.submissions import Envelope

COMMITMENT_TYPES = (
    "IN_PLACE_OF_APPROVAL",  # 审批替代型
    "MISSING_DOCUMENTS",  # 容缺受理型
    "IN_PLACE_OF_CERTIFICATE",  # 证明替代型
    "CREDIT_REPAIR",  # 信用修复型
    "INDUSTRY_SELF_REGULATION",  # 行业自律型
    "VOLUNTARY",  # 主动型
)
PUBLIC, RESTRICTED, NOT_DISCLOSABLE = DISCLOSURES = ("PUBLIC", "RESTRICTED", "NOT_DISCLOSABLE")
FULL, PARTIAL, NONE = FULFILMENT_LEVELS
BREACH_RECORD_TYPE = "commitment_breach"
BREACH_CATEGORY = "COMMITMENT_BREACH"


@dataclass(frozen=True, slots=True)
class NewCommitment:
    subject_id: int
    domain: str
    commitment_type: str
    content: str
    liability: str
    valid_from: dt.date
    valid_until: dt.date
    disclosure: str


async def make_commitment(conn: AsyncConnection, new: NewCommitment, *, actor: Actor, at: dt.datetime) -> Any:
    """Store an ACTIVE commitment: MAKE when the subject makes it, RECORD when a department or the admin does."""
    if new.commitment_type not in COMMITMENT_TYPES:
        raise BadUserInput(f"Unknown commitment type {new.commitment_type!r}", argument="commitmentType")
    if new.disclosure not in DISCLOSURES:
        raise BadUserInput(f"Unknown disclosure {new.disclosure!r}", argument="disclosure")
    values = {
        "subject_id": new.subject_id,
        "domain": new.domain,
        "commitment_type": new.commitment_type,
        "content": new.content,
        "liability": new.liability,
        "valid_from": new.valid_from,
        "valid_until": new.valid_until,
        "disclosure": new.disclosure,
        "made_by": actor.role,
        "made_at": at,
    }
    action = "MAKE" if actor.role == Role.SUBJECT.value else "RECORD"
    return await create(conn, credit_commitment, COMMITMENT, values, actor=actor, at=at, action=action)


def detail_query() -> sa.Select[Any]:
    """Commitments with their subject's code as it may be shown, name and code type (one join)."""
    return with_subject(
        credit_commitment,
        subject.c.code_type.label("subject_code_type"),
        subject.c.lookup_hash.label("subject_lookup_hash"),
    )


def subject_area() -> sa.ColumnElement[Any]:
    """The registration area of a commitment's subject, in SQL, on :func:`detail_query` (which joins it)."""
    return registration_area(subject.c.display_code, subject.c.code_type == CodeType.RESIDENT_ID.value)


def visible_clause(principal: Principal, own_subject_id: int | None) -> sa.ColumnElement[bool]:
    """Which commitments a principal reads (see the module docstring); to be used on :func:`detail_query`."""
    if principal.role is Role.ADMIN:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [
        sa.and_(credit_commitment.c.disclosure == PUBLIC, subject.c.code_type != CodeType.RESIDENT_ID.value)
    ]
    if principal.role is Role.DEPARTMENT and principal.domain:
        own = credit_commitment.c.domain == principal.domain
        division = bound_division(principal)
        if division is not None:
            own = sa.and_(own, within_division(subject_area(), division))
        clauses.append(own)
    if principal.role is Role.SUBJECT and own_subject_id is not None:
        clauses.append(credit_commitment.c.subject_id == own_subject_id)
    return sa.or_(*clauses)


def is_visible(principal: Principal, row: Any, own_subject_id: int | None) -> bool:
    """:func:`visible_clause` for one row read with :func:`detail_query`."""
    if principal.role is Role.ADMIN or is_insider(principal, row, own_subject_id):
        return True
    return row.disclosure == PUBLIC and row.subject_code_type != CodeType.RESIDENT_ID.value


def is_insider(principal: Principal, row: Any, own_subject_id: int | None) -> bool:
    """The subject itself, a department of the commitment's domain, or the admin: they read its history too."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.DEPARTMENT:
        return principal.domain == row.domain and in_division(principal, row.subject_code_type, row.subject_code)
    return principal.role is Role.SUBJECT and own_subject_id is not None and own_subject_id == row.subject_id


async def detail(conn: AsyncConnection, commitment_id: int) -> Any:
    return (await conn.execute(detail_query().where(credit_commitment.c.id == commitment_id))).one()


async def _load_for(conn: AsyncConnection, commitment_id: int, principal: Principal) -> Any:
    """The commitment, if the principal may assess it (the admin, a department of its domain and, bound to a
    division, of the subject's), with its subject's ``code_type`` and ``display_code``."""
    query = (
        sa.select(credit_commitment, subject.c.code_type, subject.c.display_code)
        .join(subject, subject.c.id == credit_commitment.c.subject_id)
        .where(credit_commitment.c.id == commitment_id)
    )
    row = (await conn.execute(query)).first()
    if row is None or not principal.may_write(row.domain):
        raise GatewayError(f"No commitment {commitment_id} in your domain.", NOT_FOUND, argument="id")
    if not in_division(principal, row.code_type, row.display_code):
        raise GatewayError(f"No commitment {commitment_id} in your domain.", NOT_FOUND, argument="id")
    return row


async def fulfil(
    conn: AsyncConnection,
    commitment_id: int,
    principal: Principal,
    *,
    level: str,
    at: dt.datetime,
    note: str | None = None,
) -> Any:
    """ACTIVE → FULFILLED, fully or partially (no fulfilment at all is a breach)."""
    if level not in (FULL, PARTIAL):
        raise BadUserInput("A commitment is fulfilled FULL or PARTIAL; NONE is a breach.", argument="fulfilment")
    row = await _load_for(conn, commitment_id, principal)
    return await advance(
        conn,
        credit_commitment,
        COMMITMENT,
        row,
        "FULFIL",
        actor=Actor.of(principal),
        at=at,
        values={"fulfilment": level},
        note=note,
    )


@dataclass(frozen=True, slots=True)
class BreachingUnit:
    """Who records the breach: the deciding authority and source unit of the negative record."""

    name: str
    code: str | None  # its USCC, if the department gave one

    def source_code(self, actor: Actor) -> str:
        # The envelope needs a source unit code; a department key carries no USCC, so without one
        # given, the acting client stands in for it (never a valid USCC, so it cannot be mistaken).
        if self.code is not None:
            return self.code
        return f"client-{actor.client_id}" if actor.client_id is not None else f"{actor.role}-client"


async def breach(
    conn: AsyncConnection,
    commitment_id: int,
    principal: Principal,
    *,
    level: str,
    unit: BreachingUnit,
    today: dt.date,
    at: dt.datetime,
    rules: PublicityRules,
    note: str | None = None,
) -> Any:
    """ACTIVE → BREACHED, and a NEGATIVE record of the breach in the commitment's domain, linked to it."""
    if level not in (PARTIAL, NONE):
        raise BadUserInput("A breached commitment was fulfilled PARTIAL or NONE.", argument="fulfilment")
    row = await _load_for(conn, commitment_id, principal)
    division = record_division(unit.code, display_code_division(row.code_type, row.display_code))
    check_record_jurisdiction(principal, division, "breach record")  # before anything is written
    actor = Actor.of(principal)
    breached = await advance(
        conn,
        credit_commitment,
        COMMITMENT,
        row,
        "BREACH",
        actor=actor,
        at=at,
        values={"fulfilment": level},
        note=note,
    )
    envelope = Envelope(
        domain=row.domain,
        record_type=BREACH_RECORD_TYPE,
        category=BREACH_CATEGORY,
        polarity="NEGATIVE",
        severity="GENERAL",
        decision_date=today,
        document_number=f"commitment-{row.id}-breach",
        deciding_authority=unit.name,
        deciding_authority_code=unit.code,
        source_unit=unit.name,
        source_unit_code=unit.source_code(actor),
    )
    record_id = (
        await conn.execute(
            credit_record.insert()
            .values(
                subject_id=row.subject_id,
                division_code=division,
                **envelope.values(),
                **lifecycle_values(envelope, rules),
            )
            .returning(credit_record.c.id)
        )
    ).scalar_one()
    await conn.execute(
        credit_commitment.update().where(credit_commitment.c.id == row.id).values(breach_record_id=record_id)
    )
    return breached


async def expire(
    conn: AsyncConnection,
    commitment_id: int,
    principal: Principal,
    *,
    today: dt.date,
    at: dt.datetime,
    note: str | None = None,
) -> Any:
    """ACTIVE → EXPIRED, once its validity is over and nobody assessed it."""
    row = await _load_for(conn, commitment_id, principal)
    COMMITMENT.next_state(row.state, "EXPIRE")  # a commitment already over says so first
    if today <= row.valid_until:
        raise GatewayError(
            f"This commitment is valid until {row.valid_until.isoformat()}; it can expire only after that day.",
            INVALID_TRANSITION,
            workflow=COMMITMENT.name,
            fromState=row.state,
            action="EXPIRE",
            validUntil=row.valid_until.isoformat(),
        )
    return await advance(
        conn, credit_commitment, COMMITMENT, row, "EXPIRE", actor=Actor.of(principal), at=at, note=note
    )


# Built once, one SQL text for any number of subjects (gateway.db.bulk.any_of).
_BREACH_RECORDS = (
    sa.select(*ENVELOPE_COLUMNS)
    .where(credit_record.c.record_type == BREACH_RECORD_TYPE, any_of(credit_record.c.subject_id, name="subject_ids"))
    .order_by(credit_record.c.decision_date.desc(), credit_record.c.id.desc())
)


async def load_breach_records(conn: AsyncConnection, subject_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The negative records breaches of commitments created, by subject id, newest decision first: one
    statement, rows with :data:`gateway.graph.records.ENVELOPE_COLUMNS` (for the cross-domain records)."""
    if not subject_ids:
        return {}
    rows = (await conn.execute(_BREACH_RECORDS, {"subject_ids": subject_ids})).all()
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.subject_id, []).append(row)
    return found
