"""Reading and writing partner contracts and authorisations. Every check a person could get wrong
(unknown partner, groups outside the contract, dates) is made here, for the GraphQL API and the CLI.

A subject authorises a credit service agency (``Role.AGENCY``) through the same rows as a partner: the
grantee is an API client of either role (:data:`GRANTEE_ROLES`). An agency has no contract, so its
authorisations name no field groups: what it sees of a subject is fixed by its audience."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.auth.principal import Role
from gateway.db.tables import api_client, partner_authorization
from gateway.kernel.errors import CONFLICT, DUPLICATE_RECORD, NOT_FOUND, BadUserInput, GatewayError, LimitExceeded
from gateway.kernel.limits import MAX_AUTHORIZATION_PURPOSE as MAX_PURPOSE
from gateway.kernel.limits import MAX_CURRENT_PER_SUBJECT, MAX_GROUPS, MAX_REFERENCE

GRANTED_BY_SUBJECT = "subject"
GRANTED_BY_ADMIN = "admin"
# The clients a subject may authorise: partner banks and credit service agencies.
GRANTEE_ROLES = (Role.PARTNER, Role.AGENCY)


def normalise_purpose(text: str) -> str:
    """One spelling per purpose: whitespace collapsed, case folded (``Loan  Application`` = ``loan application``)."""
    return " ".join(text.split()).casefold()


def join_groups(groups: Iterable[str]) -> str:
    return ",".join(sorted(set(groups)))


def split_groups(value: str | None) -> frozenset[str]:
    return frozenset(group for group in (value or "").split(",") if group)


def check_groups(groups: Sequence[str], known: Collection[str], *, argument: str = "fieldGroups") -> list[str]:
    # No group at all is allowed: the authorised subject's public fields only (and an emptied contract).
    if len(groups) > MAX_GROUPS:
        raise LimitExceeded(argument, len(groups), MAX_GROUPS)
    unknown = sorted({g for g in groups if g not in known})
    if unknown:
        raise BadUserInput(
            f"unknown field groups: {', '.join(unknown)}; known: {', '.join(sorted(known)) or 'none'}",
            argument=argument,
            unknown=unknown,
        )
    return sorted(set(groups))


@dataclass(frozen=True, slots=True)
class Partner:
    """A client a subject may authorise: a partner bank, or a credit service agency (no contract)."""

    id: int
    name: str
    contract_groups: frozenset[str]
    role: Role = Role.PARTNER


async def set_contract(engine: AsyncEngine, client_id: int, groups: Sequence[str], known: Collection[str]) -> Partner:
    """Replace a partner client's contract. Groups a contract no longer covers stop at once."""
    checked = check_groups(groups, known, argument="groups")
    async with engine.begin() as conn:
        partner = await partner_by_id(conn, client_id)
        await conn.execute(
            api_client.update().where(api_client.c.id == client_id).values(contract_groups=join_groups(checked))
        )
    return Partner(partner.id, partner.name, frozenset(checked))


async def partner_by_id(conn: AsyncConnection, client_id: int, roles: Sequence[Role] = (Role.PARTNER,)) -> Partner:
    """The active client ``client_id`` of one of ``roles`` (a contract is a partner's alone; an
    authorisation may name a partner or an agency, :data:`GRANTEE_ROLES`)."""
    row = (
        await conn.execute(
            sa.select(api_client).where(
                api_client.c.id == client_id,
                api_client.c.role.in_([role.value for role in roles]),
                api_client.c.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None:
        kinds = " or ".join(role.value for role in roles)
        raise GatewayError(f"No active {kinds} client with id {client_id}.", NOT_FOUND, argument="partnerId")
    return _partner(row)


def _partner(row: Any) -> Partner:
    return Partner(row.id, row.name, split_groups(row.contract_groups), Role(row.role))


async def list_partners(conn: AsyncConnection, roles: Sequence[Role] = GRANTEE_ROLES) -> list[Partner]:
    rows = (
        await conn.execute(
            sa.select(api_client)
            .where(api_client.c.role.in_([role.value for role in roles]), api_client.c.revoked_at.is_(None))
            .order_by(api_client.c.name, api_client.c.id)
        )
    ).all()
    return [_partner(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Grant:
    """What a subject (or the admin, from paper) authorises."""

    partner_id: int
    field_groups: Sequence[str]
    purpose: str
    valid_until: dt.date
    valid_from: dt.date | None = None
    reference_number: str | None = None


def _check_grant(grant: Grant, partner: Partner, today: dt.date, max_days: int) -> tuple[list[str], str, dt.date]:
    if len(grant.field_groups) > MAX_GROUPS:
        raise LimitExceeded("fieldGroups", len(grant.field_groups), MAX_GROUPS)
    if partner.role is Role.AGENCY and grant.field_groups:
        raise BadUserInput(
            f"{partner.name!r} is a credit service agency: it is authorised without field groups (it reads the "
            "public credit supervision information of the subjects that authorised it)",
            argument="fieldGroups",
        )
    outside = sorted(set(grant.field_groups) - partner.contract_groups)
    if grant.field_groups and outside:
        raise BadUserInput(
            f"partner {partner.name!r} has no contract for: {', '.join(outside)}; "
            f"its contract covers: {', '.join(sorted(partner.contract_groups)) or 'nothing'}",
            argument="fieldGroups",
            outside=outside,
        )
    groups = check_groups(grant.field_groups, partner.contract_groups)
    purpose = normalise_purpose(grant.purpose)
    if not purpose or len(purpose) > MAX_PURPOSE or not purpose.isprintable():
        raise BadUserInput(f"purpose must have 1 to {MAX_PURPOSE} printable characters", argument="purpose")
    valid_from = grant.valid_from or today
    if grant.valid_until < valid_from:
        raise BadUserInput("validUntil must not be before validFrom", argument="validUntil")
    if grant.valid_until < today:
        raise BadUserInput("validUntil is in the past", argument="validUntil")
    if (grant.valid_until - valid_from).days > max_days:
        raise BadUserInput(f"an authorisation lasts at most {max_days} days", argument="validUntil", maximum=max_days)
    return groups, purpose, valid_from


async def grant_authorization(
    engine: AsyncEngine,
    *,
    subject_id: int,
    grant: Grant,
    granted_by: str,
    today: dt.date,
    now: dt.datetime,
    max_days: int,
) -> Any:
    """Store an authorisation and return its row. Paper ones (admin) need a unique reference number."""
    reference = (grant.reference_number or "").strip() or None
    if granted_by == GRANTED_BY_ADMIN and reference is None:
        raise BadUserInput("a paper authorisation needs its reference number", argument="referenceNumber")
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise BadUserInput(f"referenceNumber has at most {MAX_REFERENCE} characters", argument="referenceNumber")
    async with engine.begin() as conn:
        partner = await partner_by_id(conn, grant.partner_id, GRANTEE_ROLES)
        groups, purpose, valid_from = _check_grant(grant, partner, today, max_days)
        current = (
            await conn.execute(
                sa.select(sa.func.count()).where(
                    partner_authorization.c.subject_id == subject_id,
                    partner_authorization.c.revoked_at.is_(None),
                    partner_authorization.c.valid_until >= today,
                )
            )
        ).scalar_one()
        if current >= MAX_CURRENT_PER_SUBJECT:
            raise LimitExceeded("current authorisations of one subject", current + 1, MAX_CURRENT_PER_SUBJECT)
        if reference is not None:
            taken = (
                await conn.execute(
                    sa.select(partner_authorization.c.id).where(partner_authorization.c.reference_number == reference)
                )
            ).first()
            if taken is not None:
                raise GatewayError(
                    f"A paper authorisation with reference number {reference!r} is already recorded (id {taken.id}).",
                    DUPLICATE_RECORD,
                    argument="referenceNumber",
                )
        row = (
            await conn.execute(
                partner_authorization.insert()
                .values(
                    subject_id=subject_id,
                    client_id=partner.id,
                    field_groups=join_groups(groups),
                    purpose=purpose,
                    valid_from=valid_from,
                    valid_until=grant.valid_until,
                    granted_by=granted_by,
                    reference_number=reference,
                    granted_at=now,
                )
                .returning(partner_authorization)
            )
        ).one()
    return row


async def revoke_authorization(
    engine: AsyncEngine, authorization_id: int, *, by: str, subject_id: int | None, now: dt.datetime
) -> Any:
    """Revoke one authorisation; a subject (``subject_id``) may revoke only its own. Returns the row."""
    async with engine.begin() as conn:
        query = sa.select(partner_authorization).where(partner_authorization.c.id == authorization_id)
        if subject_id is not None:
            query = query.where(partner_authorization.c.subject_id == subject_id)
        row = (await conn.execute(query)).first()
        if row is None:
            raise GatewayError(f"No authorisation {authorization_id} of yours.", NOT_FOUND, argument="id")
        # The WHERE makes a concurrent second revocation a no-op that we can detect.
        done = await conn.execute(
            partner_authorization.update()
            .where(partner_authorization.c.id == authorization_id, partner_authorization.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by)
        )
        if done.rowcount != 1:
            raise GatewayError(f"Authorisation {authorization_id} is already revoked.", CONFLICT, argument="id")
        return (
            await conn.execute(sa.select(partner_authorization).where(partner_authorization.c.id == authorization_id))
        ).one()


async def authorizations_of(
    conn: AsyncConnection, client_id: int, subject_ids: Sequence[int]
) -> Mapping[int, list[Any]]:
    """Every authorisation (current or not) of these subjects for one partner: one statement."""
    rows = (
        await conn.execute(
            sa.select(partner_authorization).where(
                partner_authorization.c.client_id == client_id, partner_authorization.c.subject_id.in_(subject_ids)
            )
        )
    ).all()
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.subject_id, []).append(row)
    return found
