"""Credit commitments (信用承诺): the subject makes one to a domain (or a department of that domain, or the
admin, records it); the domain's departments assess it: fulfilled, breached (a negative record in that
domain) or expired once its validity is over.

``commitments`` is one query for every audience; the rows each principal reads follow the commitment's
disclosure (see :mod:`gateway.features.lifecycle.commitment_store`); a department bound to a division reads
its domain's undisclosed commitments, assesses them and records new ones only for subjects registered in its
division and below. Whether a commitment is past its validity is also derived from the clock (``isExpired``),
since nobody may have taken the EXPIRE action yet.
"""

from typing import Any

import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.tables import subject as subject_table
from gateway.features.lifecycle import commitment_store as store
from gateway.features.lifecycle.commitment_types import (
    Commitment,
    CommitmentState,
    FulfilmentLevel,
    MakeCommitmentInput,
)
from gateway.features.lifecycle.common import int_id, known_domain, require, text
from gateway.features.lifecycle.record_access import in_division
from gateway.features.lifecycle.tables import credit_commitment
from gateway.features.lifecycle.transitions import Actor
from gateway.graph.pagination import Connection, newest_first_page
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.kernel.divisions import display_code_division
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import CodeType, lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_COMMITMENT_VALIDITY as MAX_VALIDITY
from gateway.kernel.settings import Settings

MAKERS = (Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN)
ASSESSORS = (Role.DEPARTMENT, Role.ADMIN)


def _subject_hash(info: Info, code: str) -> str:
    settings: Settings = info.context.settings
    return lookup_hash(parse_subject_code(code, uscc_allow_list=settings.uscc_allow_list), settings.secret_key)


async def commitments(
    info: Info,
    subject_code: str | None = None,
    domain: str | None = None,
    state: CommitmentState | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Commitment]:
    principal: Principal = info.context.principal
    own = await info.context.loaders.own_subject_id()
    query = store.detail_query().where(store.visible_clause(principal, own))
    if subject_code is not None:
        query = query.where(subject_table.c.lookup_hash == _subject_hash(info, subject_code))
    if domain is not None:
        query = query.where(credit_commitment.c.domain == known_domain(info, domain))
    if state is not None:
        query = query.where(credit_commitment.c.state == state.value)
    today = info.context.graph.clock.today()
    return await newest_first_page(
        info,
        query,
        credit_commitment.c.id,
        first,
        after,
        lambda row: Commitment.from_row(row, today=today, insider=store.is_insider(principal, row, own)),
    )


async def _maker_subject_and_domain(info: Info, given: MakeCommitmentInput) -> tuple[int, str]:
    """Whose commitment, to which domain: a subject makes its own; a department records one in its domain."""
    principal: Principal = info.context.principal
    if principal.role is Role.SUBJECT:
        if given.subject_code is not None and _subject_hash(info, given.subject_code) != principal.subject_lookup_hash:
            raise GatewayError("A subject makes commitments of its own only.", FORBIDDEN, argument="subjectCode")
        if given.domain is None:
            raise BadUserInput("domain is required: the domain the commitment is made to", argument="domain")
        subject_id = await info.context.loaders.own_subject_id()
        if subject_id is None:
            raise GatewayError("No record of your subject is held yet.", NOT_FOUND)
        return subject_id, known_domain(info, given.domain)
    if principal.role is Role.DEPARTMENT:
        domain = given.domain or principal.domain or ""
        if domain != principal.domain:
            raise GatewayError(
                f"A department of {principal.domain!r} records commitments made to its own domain only.",
                FORBIDDEN,
                argument="domain",
            )
    elif given.domain is None:
        raise BadUserInput("domain is required: the domain the commitment is made to", argument="domain")
    else:
        domain = known_domain(info, given.domain)
    if given.subject_code is None:
        raise BadUserInput("subjectCode is required: whose commitment this is", argument="subjectCode")
    row = await info.context.loaders.load(SUBJECT_BY_HASH, _subject_hash(info, given.subject_code))
    if row is None:
        raise GatewayError("No subject with this code is known.", NOT_FOUND, argument="subjectCode")
    if not in_division(principal, row.code_type, row.display_code):
        # As a submission about a subject outside the division would be: refused before anything is written.
        area = display_code_division(row.code_type, row.display_code)
        raise GatewayError(
            f"This subject is registered in division {area or 'unknown'}, outside the division "
            f"{principal.division_code} that client {principal.name!r} acts for.",
            FORBIDDEN,
            argument="subjectCode",
            division=area,
        )
    return row.id, domain


async def make_commitment(info: Info, input: MakeCommitmentInput) -> Commitment:
    principal: Principal = info.context.principal
    require(principal, MAKERS, "makeCommitment")
    clock = info.context.graph.clock
    today = clock.today()
    valid_from = input.valid_from or today
    if input.valid_until < valid_from:
        raise BadUserInput("validUntil must not be before validFrom", argument="validUntil")
    if input.valid_until < today:
        raise BadUserInput("validUntil is already past", argument="validUntil")
    if input.valid_until - valid_from > MAX_VALIDITY:
        raise BadUserInput("A commitment is valid for at most ten years", argument="validUntil")
    content = text(input.content, "content")
    liability = text(input.liability, "liability")
    subject_id, domain = await _maker_subject_and_domain(info, input)
    new = store.NewCommitment(
        subject_id=subject_id,
        domain=domain,
        commitment_type=input.commitment_type.value,
        content=content,
        liability=liability,
        valid_from=valid_from,
        valid_until=input.valid_until,
        disclosure=input.disclosure.value,
    )
    async with info.context.engine.begin() as conn:
        row = await store.make_commitment(conn, new, actor=Actor.of(principal), at=clock.now())
        return Commitment.from_row(await store.detail(conn, row.id), today=today, insider=True)


async def fulfil_commitment(
    info: Info, id: strawberry.ID, fulfilment: FulfilmentLevel = FulfilmentLevel.FULL, note: str | None = None
) -> Commitment:
    principal: Principal = info.context.principal
    require(principal, ASSESSORS, "fulfilCommitment")
    commitment_id = int_id(id, "id")
    checked_note = text(note, "note", required=False)
    clock = info.context.graph.clock
    async with info.context.engine.begin() as conn:
        await store.fulfil(conn, commitment_id, principal, level=fulfilment.value, at=clock.now(), note=checked_note)
        return Commitment.from_row(await store.detail(conn, commitment_id), today=clock.today(), insider=True)


async def breach_commitment(
    info: Info,
    id: strawberry.ID,
    fulfilment: FulfilmentLevel = FulfilmentLevel.NONE,
    unit_code: str | None = None,
    note: str | None = None,
) -> Commitment:
    principal: Principal = info.context.principal
    require(principal, ASSESSORS, "breachCommitment")
    commitment_id = int_id(id, "id")
    checked_note = text(note, "note", required=False)
    code = None
    if unit_code is not None:
        parsed = parse_subject_code(unit_code, uscc_allow_list=info.context.settings.uscc_allow_list)
        if parsed.type is not CodeType.USCC:
            raise BadUserInput("unitCode is the deciding unit's unified social credit code", argument="unitCode")
        code = parsed.value
    clock = info.context.graph.clock
    async with info.context.engine.begin() as conn:
        await store.breach(
            conn,
            commitment_id,
            principal,
            level=fulfilment.value,
            unit=store.BreachingUnit(name=principal.name, code=code),
            today=clock.today(),
            at=clock.now(),
            rules=info.context.settings.publicity,
            note=checked_note,
        )
        return Commitment.from_row(await store.detail(conn, commitment_id), today=clock.today(), insider=True)


async def expire_commitment(info: Info, id: strawberry.ID, note: str | None = None) -> Commitment:
    principal: Principal = info.context.principal
    require(principal, ASSESSORS, "expireCommitment")
    commitment_id = int_id(id, "id")
    checked_note = text(note, "note", required=False)
    clock = info.context.graph.clock
    async with info.context.engine.begin() as conn:
        await store.expire(conn, commitment_id, principal, today=clock.today(), at=clock.now(), note=checked_note)
        return Commitment.from_row(await store.detail(conn, commitment_id), today=clock.today(), insider=True)


QUERY_FIELDS: dict[str, Any] = {
    "commitments": strawberry.field(
        resolver=commitments,
        description="Credit commitments you may read, newest first: public ones of organisations for everyone; "
        "restricted and non-disclosable ones for their subject, departments of their domain and the admin.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "make_commitment": strawberry.mutation(
        resolver=make_commitment,
        description="Subject: make a commitment to a domain. Department (its own domain) or admin: record one a "
        "subject made.",
    ),
    "fulfil_commitment": strawberry.mutation(
        resolver=fulfil_commitment,
        description="Department of the commitment's domain, or admin: it was kept, FULL or PARTIAL.",
    ),
    "breach_commitment": strawberry.mutation(
        resolver=breach_commitment,
        description="Department of the commitment's domain, or admin: it was broken; writes a NEGATIVE record "
        "in that domain (unitCode: your unit's USCC, for the record's deciding authority and source unit).",
    ),
    "expire_commitment": strawberry.mutation(
        resolver=expire_commitment,
        description="Department of the commitment's domain, or admin: take an unassessed commitment out of force "
        "after its validUntil.",
    ),
}

POLICIES: dict[str, str] = {
    "Query.commitments": "public",
    "Commitment": "public",
    "Commitment.transitions": "subject,department",
    "CommitmentConnection": "public",
    "CommitmentEdge": "public",
    "Mutation.makeCommitment": "subject,department",
    "Mutation.fulfilCommitment": "department",
    "Mutation.breachCommitment": "department",
    "Mutation.expireCommitment": "department",
}
