"""GraphQL for partner authorisations: the subject grants and revokes, the admin records paper ones,
each side lists what concerns it.

``authorizations`` is one query for four audiences, scoped by who asks: a subject sees the
authorisations it gave, a partner or a credit service agency those given to it, the admin every one
(optionally of one subject). A subject authorises an agency with the same ``grantAuthorization``, naming
no field groups (an agency has no contract).
"""

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.queries import with_subject
from gateway.db.tables import api_client, partner_authorization
from gateway.features.partners.store import (
    GRANTED_BY_ADMIN,
    GRANTED_BY_SUBJECT,
    Grant,
    grant_authorization,
    list_partners,
    revoke_authorization,
    split_groups,
)
from gateway.graph.arguments import int_id, require, utc
from gateway.graph.pagination import Connection, newest_first_page
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, GatewayError
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.settings import Settings


@strawberry.type(
    description="A partner bank or a credit service agency a subject can authorise, with the field groups of its "
    "contract (an agency has none)."
)
class Partner:
    id: strawberry.ID
    name: str
    contract_groups: list[str] = strawberry.field(description="Field groups the partner's contract covers.")
    kind: str = strawberry.field(
        description="partner (a bank, authorised for field groups of its contract) or agency (a credit service "
        "agency, authorised without field groups: it reads the public credit supervision information)."
    )


@strawberry.type(
    description="A subject's authorisation of a partner: which field groups, for which purpose, between two dates."
)
class PartnerAuthorization:
    id: strawberry.ID
    partner_id: strawberry.ID
    partner_name: str
    subject_code: str = strawberry.field(description="The subject's code as it may be shown (masked for persons).")
    subject_name: str
    field_groups: list[str]
    purpose: str = strawberry.field(description="The purpose every query must state in X-Purpose (normalised).")
    valid_from: dt.date
    valid_until: dt.date
    granted_by: str = strawberry.field(description="subject (granted online) or admin (a paper authorisation).")
    reference_number: str | None = strawberry.field(description="The paper authorisation's reference number.")
    granted_at: dt.datetime
    revoked_at: dt.datetime | None
    is_current: bool = strawberry.field(description="Not revoked, and valid today.")

    @classmethod
    def from_row(cls, row: Any, today: dt.date) -> "PartnerAuthorization":
        return cls(
            id=strawberry.ID(str(row.id)),
            partner_id=strawberry.ID(str(row.client_id)),
            partner_name=row.partner_name,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            field_groups=sorted(split_groups(row.field_groups)),
            purpose=row.purpose,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            granted_by=row.granted_by,
            reference_number=row.reference_number,
            granted_at=utc(row.granted_at),  # type: ignore[arg-type]
            revoked_at=utc(row.revoked_at),
            is_current=row.revoked_at is None and row.valid_from <= today <= row.valid_until,
        )


@strawberry.input(description="What the subject authorises a partner to see.")
class GrantAuthorizationInput:
    partner_id: strawberry.ID = strawberry.field(description="The partner's or the agency's id (see partners).")
    field_groups: list[str] = strawberry.field(
        description="Groups within the partner's contract (see partners); none for an agency."
    )
    purpose: str = strawberry.field(description="E.g. 'loan application'; queries must state it in X-Purpose.")
    valid_until: dt.date
    valid_from: dt.date | None = strawberry.field(default=None, description="Default: today.")


@strawberry.input(description="A signed paper authorisation, recorded by the credit centre.")
class PaperAuthorizationInput:
    subject_code: str
    partner_id: strawberry.ID
    field_groups: list[str]
    purpose: str
    valid_until: dt.date
    reference_number: str = strawberry.field(description="The paper authorisation's reference number (unique).")
    valid_from: dt.date | None = None


async def _subject_id(info: Info, code: str, *, must_exist: bool = True) -> int | None:
    settings: Settings = info.context.settings
    parsed = parse_subject_code(code, uscc_allow_list=settings.uscc_allow_list)
    row = await info.context.loaders.load(SUBJECT_BY_HASH, lookup_hash(parsed, settings.secret_key))
    if row is None and must_exist:
        raise GatewayError("No subject with this code is known.", NOT_FOUND, argument="subjectCode")
    return row.id if row is not None else None


async def _own_subject_id(info: Info) -> int:
    principal: Principal = info.context.principal
    if principal.subject_lookup_hash is None:
        raise GatewayError("This subject key is not bound to a subject.", FORBIDDEN)
    row = await info.context.loaders.load(SUBJECT_BY_HASH, principal.subject_lookup_hash)
    if row is None:
        raise GatewayError("No record of your subject is held yet, so there is nothing to authorise.", NOT_FOUND)
    return row.id


def _detail_query() -> sa.Select:
    return with_subject(partner_authorization, api_client.c.name.label("partner_name")).join(
        api_client, api_client.c.id == partner_authorization.c.client_id
    )


async def _detail(info: Info, authorization_id: int) -> PartnerAuthorization:
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(_detail_query().where(partner_authorization.c.id == authorization_id))).one()
    return PartnerAuthorization.from_row(row, info.context.graph.clock.today())


async def partners(info: Info) -> list[Partner]:
    require(info.context.principal, (Role.SUBJECT, Role.ADMIN), "partners")
    async with info.context.engine.connect() as conn:
        found = await list_partners(conn)
    return [
        Partner(id=strawberry.ID(str(p.id)), name=p.name, contract_groups=sorted(p.contract_groups), kind=p.role.value)
        for p in found
    ]


async def authorizations(
    info: Info,
    subject_code: Optional[str] = None,  # noqa: UP045 (runtime type)
    current: bool = False,
    first: int | None = None,
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[PartnerAuthorization]:
    principal: Principal = info.context.principal
    require(principal, (Role.SUBJECT, Role.PARTNER, Role.AGENCY, Role.ADMIN), "authorizations")
    today = info.context.graph.clock.today()
    query = _detail_query()
    if principal.role is Role.SUBJECT:
        query = query.where(partner_authorization.c.subject_id == await _own_subject_id(info))
    elif principal.role in (Role.PARTNER, Role.AGENCY):
        query = query.where(partner_authorization.c.client_id == (principal.client_id or -1))
    if subject_code is not None:
        sid = await _subject_id(info, subject_code, must_exist=False)
        query = query.where(partner_authorization.c.subject_id == (sid or -1))
    if current:
        query = query.where(
            partner_authorization.c.revoked_at.is_(None),
            partner_authorization.c.valid_from <= today,
            partner_authorization.c.valid_until >= today,
        )
    make = lambda row: PartnerAuthorization.from_row(row, today)  # noqa: E731
    return await newest_first_page(info, query, partner_authorization.c.id, first, after, make)


async def grant_authorization_mutation(info: Info, input: GrantAuthorizationInput) -> PartnerAuthorization:
    require(info.context.principal, (Role.SUBJECT,), "grantAuthorization")
    subject_id = await _own_subject_id(info)
    return await _grant(info, subject_id, input, GRANTED_BY_SUBJECT, None)


async def record_paper_authorization(info: Info, input: PaperAuthorizationInput) -> PartnerAuthorization:
    require(info.context.principal, (Role.ADMIN,), "recordPaperAuthorization")
    subject_id = await _subject_id(info, input.subject_code)
    assert subject_id is not None
    return await _grant(info, subject_id, input, GRANTED_BY_ADMIN, input.reference_number)


async def _grant(info: Info, subject_id: int, given: Any, granted_by: str, reference: str | None) -> Any:
    clock = info.context.graph.clock
    row = await grant_authorization(
        info.context.engine,
        subject_id=subject_id,
        grant=Grant(
            partner_id=int_id(given.partner_id, "partnerId"),
            field_groups=list(given.field_groups),
            purpose=given.purpose,
            valid_until=given.valid_until,
            valid_from=given.valid_from,
            reference_number=reference,
        ),
        granted_by=granted_by,
        today=clock.today(),
        now=clock.now(),
        max_days=info.context.settings.max_authorization_days,
    )
    return await _detail(info, row.id)


async def revoke_authorization_mutation(info: Info, id: strawberry.ID) -> PartnerAuthorization:
    principal: Principal = info.context.principal
    require(principal, (Role.SUBJECT, Role.ADMIN), "revokeAuthorization")
    own = await _own_subject_id(info) if principal.role is Role.SUBJECT else None
    row = await revoke_authorization(
        info.context.engine,
        int_id(id, "id"),
        by=principal.role.value,
        subject_id=own,
        now=info.context.graph.clock.now(),
    )
    return await _detail(info, row.id)


PARTNER_QUERY_FIELDS: dict[str, Any] = {
    "partners": strawberry.field(
        resolver=partners, description="Partner banks and credit service agencies a subject may authorise."
    ),
    "authorizations": strawberry.field(
        resolver=authorizations,
        description="Authorisations, newest first: a subject's own, those given to a partner or an agency, or "
        "(admin) all.",
    ),
}

PARTNER_MUTATION_FIELDS: dict[str, Any] = {
    "grant_authorization": strawberry.mutation(
        resolver=grant_authorization_mutation,
        description="Subject: authorise a partner to see field groups of your profile (or a credit service agency "
        "to read your public credit supervision information) for a purpose, until a date.",
    ),
    "revoke_authorization": strawberry.mutation(
        resolver=revoke_authorization_mutation,
        description="Subject (your own) or admin: revoke an authorisation; it stops at once.",
    ),
    "record_paper_authorization": strawberry.mutation(
        resolver=record_paper_authorization,
        description="Admin: record a signed paper authorisation with its reference number.",
    ),
}

PARTNER_POLICIES: dict[str, str] = {
    "Query.partners": "subject",
    "Partner": "subject",
    "Query.authorizations": "subject,partner,agency",
    "PartnerAuthorization": "subject,partner,agency",
    "PartnerAuthorizationConnection": "subject,partner,agency",
    "PartnerAuthorizationEdge": "subject,partner,agency",
    "Mutation.grantAuthorization": "subject",
    "Mutation.revokeAuthorization": "subject",
    "Mutation.recordPaperAuthorization": "admin",
}
