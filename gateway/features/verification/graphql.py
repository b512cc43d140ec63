"""Resolvers: ``requestCreditVerification``, ``answerCreditVerification``, ``creditVerification`` and
``creditVerifications``.

A request is idempotent on (requester, requestId) (gateway.db.idempotency). It costs the same number of
statements for one subject or the most a batch takes: the subjects in one loader call, then the sources of
:mod:`gateway.features.verification.opinion`, then the row. Every subject checked, and every subject whose
item an opinion shows, goes to the query record through the ``served`` callbacks of ``subject_access``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.idempotency import insert_once
from gateway.features.lifecycle.common import WorkflowView
from gateway.features.lifecycle.workflow import Workflow
from gateway.features.measures.catalogue import Matter
from gateway.features.verification.opinion import Asked, find
from gateway.features.verification.tables import credit_verification, credit_verification_subject
from gateway.features.verification.types import ANSWERED, PENDING, CreditVerification, VerificationState
from gateway.graph.arguments import require, subject_codes, text
from gateway.graph.pagination import Connection, newest_first_page
from gateway.graph.records import SUBJECT_BY_ID
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.graph.subject_access import note_served
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import lookup_hash
from gateway.kernel.limits import (
    MAX_REQUEST_ID,
    MAX_VERIFICATION_DEPARTMENT,
    MAX_VERIFICATION_NOTE,
    MAX_VERIFICATION_PURPOSE,
)
from gateway.policy.access import subject_visible

REQUESTERS = (Role.ADMIN, Role.DEPARTMENT, Role.SUBJECT)
ANSWER_WORKING_DAYS = 5  # a verification a person must look at is due 5 working days after it was asked
NUMBER_PREFIX = "XYHC"
# The one step of a verification's life: the credit centre answers a pending one (INVALID_TRANSITION after).
VERIFICATION = Workflow(
    name="verification",
    initial=PENDING,
    transitions={(PENDING, "ANSWER"): ANSWERED},
    terminal=frozenset({ANSWERED}),
)


@strawberry.input(description="A check of subjects for a matter (信用核查).")
class CreditVerificationInput:
    subject_codes: list[str] = strawberry.field(description="The subjects, at most as many as `subjects` takes.")
    request_id: str = strawberry.field(
        description="The client's id for this request (at most 64 characters): a repeat returns the same opinion."
    )
    matter: Optional[Matter] = strawberry.field(  # noqa: UP045
        default=None, description="The matter handled; measures and commitments bearing on it. Null: all."
    )
    purpose: Optional[str] = strawberry.field(  # noqa: UP045
        default=None, description="What the check is for (a case number …), at most 200 characters."
    )
    requesting_department: Optional[str] = strawberry.field(  # noqa: UP045
        default=None, description="Required of a subject asking for itself: the department that asked it to."
    )


def _requester(principal: Principal) -> str:
    # The API client, or a token's issuer and subject: never a display name, which two people may share.
    return principal.requester


def _served(info: Info, subject_ids: Collection[int]) -> None:
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return
    note_served(info, ids)  # the query record notes who was looked at


def _digest(hashes: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _department(principal: Principal, value: str | None) -> str | None:
    department = text(value, "requestingDepartment", MAX_VERIFICATION_DEPARTMENT, required=False)
    if principal.role is Role.SUBJECT and department is None:
        raise BadUserInput(
            "A subject checks itself on a department's request: name it in requestingDepartment",
            argument="requestingDepartment",
        )
    if principal.role is not Role.SUBJECT and department is not None:
        raise BadUserInput("requestingDepartment is for a subject asking for itself", argument="requestingDepartment")
    return department


async def _asked(info: Info, codes: list[str]) -> tuple[list[Asked], list[str]]:
    """The subjects asked for, and their keyed hashes, each code checked first (nothing is written for a
    bad one)."""
    settings, principal = info.context.settings, info.context.principal
    if not codes:
        raise BadUserInput("subjectCodes must name at least one subject", argument="subjectCodes")
    parsed = subject_codes(codes, settings.max_batch_subjects, settings.uscc_allow_list)
    hashes = [lookup_hash(code, settings.secret_key) for code in parsed]
    if len(set(hashes)) != len(hashes):
        raise BadUserInput("subjectCodes names a subject more than once", argument="subjectCodes")
    if principal.role is Role.SUBJECT and any(h != principal.subject_lookup_hash for h in hashes):
        raise GatewayError("A subject may ask for a check of itself only", FORBIDDEN, argument="subjectCodes")
    rows = await info.context.loaders.load_all(SUBJECT_BY_HASH, hashes)
    asked = []
    for code, row in zip(parsed, rows, strict=True):
        shown = row if row is not None and subject_visible(principal, row) else None  # invisible: unknown
        asked.append(Asked(shown.display_code if shown is not None else code.masked, shown))
    return asked, hashes


async def request_credit_verification(info: Info, input: CreditVerificationInput) -> CreditVerification:
    principal: Principal = info.context.principal
    require(principal, REQUESTERS, "requestCreditVerification")
    request_id = text(input.request_id, "requestId", MAX_REQUEST_ID)
    purpose = text(input.purpose, "purpose", MAX_VERIFICATION_PURPOSE, required=False)
    department = _department(principal, input.requesting_department)
    asked, hashes = await _asked(info, input.subject_codes)
    ids = [a.row.id for a in asked if a.row is not None]
    _served(info, ids)
    clock, view = info.context.graph.clock, WorkflowView.of(info)
    requested_at, requested_on = clock.now(), clock.today()
    findings = await find(info, asked, input.matter, requested_on, requested_on)
    pending = bool(findings.review)
    content = {
        "subjects_digest": _digest(hashes),
        "matter": input.matter.value if input.matter is not None else None,
        "purpose": purpose,
        "requesting_department": department,
    }
    first_only = {
        "requester_role": principal.role.value,
        "requester_domain": principal.domain if principal.role is Role.DEPARTMENT else None,
        "requested_by": principal.name[:200],
        "requested_at": requested_at,
        "requested_on": requested_on,
        "state": PENDING if pending else ANSWERED,
        "due_on": view.due_on(requested_on, ANSWER_WORKING_DAYS) if pending else None,
        "subjects": [a.as_json() for a in asked],
        "review": findings.review,
        "content": None if pending else {"asOf": requested_on.isoformat(), "items": findings.items},
        "answered_at": None if pending else requested_at,
    }
    key = {"requester": _requester(principal), "request_id": request_id}

    async def number_and_subjects(conn: AsyncConnection) -> None:
        where = sa.and_(*(credit_verification.c[name] == value for name, value in key.items()))
        new_id = (await conn.execute(sa.select(credit_verification.c.id).where(where))).scalar_one()
        number = f"{NUMBER_PREFIX}-{requested_on:%Y%m%d}-{new_id:06d}"
        await conn.execute(credit_verification.update().where(credit_verification.c.id == new_id).values(number=number))
        if ids:
            rows = [{"verification_id": new_id, "subject_id": sid} for sid in ids]
            await conn.execute(credit_verification_subject.insert(), rows)

    stored = await insert_once(
        info.context.engine, credit_verification, key, content, first_only, also_write=number_and_subjects
    )  # CONFLICT when the request id was used for another request
    return CreditVerification.of(stored, view, await _shown_to(info, stored))


async def _shown_to(info: Info, row: Any) -> frozenset[int] | None:
    """The subject ids whose items the reader sees: a subject its own, everyone else all of them."""
    if info.context.principal.role is not Role.SUBJECT:
        return None
    own = await info.context.loaders.own_subject_id()
    return frozenset({own}) if own is not None else frozenset()


def _subject_ids(row: Any, shown: frozenset[int] | None) -> list[int]:
    ids = [e["subjectId"] for e in row.subjects if e["subjectId"] is not None]
    return [i for i in ids if shown is None or i in shown]


async def _readable(info: Info) -> sa.Select[Any]:
    """The verifications the principal may read: the admin all; a department those it asked; a subject
    those it asked and those about it."""
    principal: Principal = info.context.principal
    query = sa.select(credit_verification).where(credit_verification.c.number.is_not(None))
    if principal.role is Role.ADMIN:
        return query
    mine = credit_verification.c.requester == _requester(principal)
    if principal.role is Role.SUBJECT:
        own = await info.context.loaders.own_subject_id()
        about = credit_verification.c.id.in_(
            sa.select(credit_verification_subject.c.verification_id).where(
                credit_verification_subject.c.subject_id == (own if own is not None else -1)
            )
        )
        return query.where(sa.or_(mine, about))
    return query.where(mine)


def _not_found(number: str) -> GatewayError:
    return GatewayError(f"No credit verification {number[:40]!r} that this key may read", NOT_FOUND)


async def credit_verification_by_number(info: Info, number: str) -> CreditVerification:
    require(info.context.principal, REQUESTERS, "creditVerification")
    query = (await _readable(info)).where(credit_verification.c.number == number[:32])
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        raise _not_found(number)
    shown = await _shown_to(info, row)
    if row.content is not None:
        _served(info, _subject_ids(row, shown))
    return CreditVerification.of(row, WorkflowView.of(info), shown)


async def credit_verifications(
    info: Info,
    state: Optional[VerificationState] = None,  # noqa: UP045
    first: Optional[int] = None,  # noqa: UP045
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[CreditVerification]:
    require(info.context.principal, REQUESTERS, "creditVerifications")
    query = await _readable(info)
    if state is not None:
        query = query.where(credit_verification.c.state == state.value)
    view = WorkflowView.of(info)
    shown = await _shown_to(info, None)
    read: list[int] = []

    def node(row: Any) -> CreditVerification:
        if row.content is not None:
            read.extend(_subject_ids(row, shown))
        return CreditVerification.of(row, view, shown)

    page = await newest_first_page(info, query, credit_verification.c.id, first, after, node)
    _served(info, read)
    return page


async def answer_credit_verification(info: Info, number: str, note: str) -> CreditVerification:
    """The credit centre issues a pending opinion: the sources are read again now and kept as issued."""
    principal: Principal = info.context.principal
    require(principal, (Role.ADMIN,), "answerCreditVerification")
    note = text(note, "note", MAX_VERIFICATION_NOTE)
    query = sa.select(credit_verification).where(credit_verification.c.number == number[:32])
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        raise _not_found(number)
    VERIFICATION.next_state(row.state, "ANSWER")  # INVALID_TRANSITION once answered
    ids = _subject_ids(row, None)
    rows = dict(zip(ids, await info.context.loaders.load_all(SUBJECT_BY_ID, ids), strict=True)) if ids else {}
    asked = [Asked(e["code"], rows.get(e["subjectId"])) for e in row.subjects]
    _served(info, ids)
    clock = info.context.graph.clock
    matter = Matter(row.matter) if row.matter is not None else None
    findings = await find(info, asked, matter, row.requested_on, clock.today())
    values = {
        "state": ANSWERED,
        "content": {"asOf": clock.today().isoformat(), "items": findings.items},
        "answered_at": clock.now(),
        "answered_by": f"{principal.role.value}:{principal.name}"[:200],
        "note": note,
    }
    guarded = sa.and_(credit_verification.c.id == row.id, credit_verification.c.state == PENDING)
    async with info.context.engine.begin() as conn:
        updated = await conn.execute(credit_verification.update().where(guarded).values(**values))
        if updated.rowcount != 1:  # answered meanwhile by another request
            VERIFICATION.next_state(ANSWERED, "ANSWER")
        stored = (await conn.execute(sa.select(credit_verification).where(credit_verification.c.id == row.id))).one()
    return CreditVerification.of(stored, WorkflowView.of(info), None)


QUERY_FIELDS: dict[str, Any] = {
    "credit_verification": strawberry.field(
        resolver=credit_verification_by_number,
        description="One credit verification by its number: for the key that asked, the subject it is about "
        "(its own item), and the admin. NOT_FOUND otherwise.",
    ),
    "credit_verifications": strawberry.field(
        resolver=credit_verifications,
        description="Credit verifications, newest first: the admin's all, a department's those it asked, a "
        "subject's those it asked and those about it. first: at most the API's largest page.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "request_credit_verification": strawberry.mutation(
        resolver=request_credit_verification,
        description="A department (any subject it may see), the admin, or a subject for itself on a department's "
        "request: check subjects for a matter. The query opinion is ANSWERED at once, or PENDING (due in 5 "
        "working days) when a dishonesty record is disputed or awaits a repair decision. Idempotent on "
        "requestId: a repeat returns the same opinion; other content with the same id is CONFLICT.",
    ),
    "answer_credit_verification": strawberry.mutation(
        resolver=answer_credit_verification,
        description="The admin (credit centre): issue a pending verification's opinion, read from the sources "
        "now, with a note on what it looked at. INVALID_TRANSITION once answered.",
    ),
}
