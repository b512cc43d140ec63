"""What a partner may see of a subject in this request: contract ∩ current authorisations whose
purpose matches the request's ``X-Purpose``, or why not (``AUTHORIZATION_REQUIRED`` with a reason).

One :class:`PartnerAccess` per request loads the authorisations of every subject the request
touches in one statement per resolver level (a DataLoader keyed by subject id), whether the
subject comes from ``subject``, ``subjects``, ``_entities`` or a record reached through a list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader

from gateway.audit.recorder import request_purpose
from gateway.auth.principal import Role
from gateway.db.tables import partner_authorization
from gateway.errors import AUTHORIZATION_REQUIRED, GatewayError
from gateway.partners.store import authorizations_of, normalise_purpose, split_groups

ACCESS_KEY = "gateway.partners.access"  # in GatewayContext.extras

# Why a subject is refused, from the most to the least actionable for the partner.
PURPOSE_MISSING = "PURPOSE_MISSING"
PURPOSE_MISMATCH = "PURPOSE_MISMATCH"
NOT_YET_VALID = "NOT_YET_VALID"
EXPIRED = "EXPIRED"
REVOKED = "REVOKED"
NOT_GRANTED = "NOT_GRANTED"

_MESSAGES = {
    PURPOSE_MISSING: "state the purpose of the query in the X-Purpose header",
    PURPOSE_MISMATCH: "its authorisation of this partner is for another purpose",
    NOT_YET_VALID: "its authorisation of this partner is not valid yet",
    EXPIRED: "its authorisation of this partner has expired",
    REVOKED: "it has revoked its authorisation of this partner",
    NOT_GRANTED: "it has not authorised this partner",
}


def decide(
    authorizations: Sequence[Any], *, contract: frozenset[str], purpose: str, today: dt.date
) -> frozenset[str] | str:
    """The field groups allowed (possibly none beyond the public fields), or the reason of refusal."""
    if not purpose:
        return PURPOSE_MISSING
    live = [a for a in authorizations if a.revoked_at is None]
    current = [a for a in live if a.valid_from <= today <= a.valid_until]
    matching = [a for a in current if a.purpose == purpose]
    if matching:
        return frozenset().union(*(split_groups(a.field_groups) for a in matching)) & contract
    if current:
        return PURPOSE_MISMATCH
    if any(a.valid_from > today for a in live):
        return NOT_YET_VALID
    if live:
        return EXPIRED
    return REVOKED if authorizations else NOT_GRANTED


def refusal(reason: str, subject_code: str) -> GatewayError:
    return GatewayError(
        f"Subject {subject_code}: {_MESSAGES[reason]}.",
        AUTHORIZATION_REQUIRED,
        reason=reason,
        subjectCode=subject_code,
    )


class PartnerAccess:
    """The partner's decisions for the subjects of one request."""

    def __init__(self, context: Any) -> None:
        principal = context.principal
        self.client_id: int | None = principal.client_id
        self.contract: frozenset[str] = principal.contract_groups
        self.purpose = normalise_purpose(request_purpose(context.request))
        self.today: dt.date = context.graph.clock.today()
        self._engine = context.engine
        self._loader = DataLoader(batch_load_fn=self._load, max_batch_size=1_000)

    @classmethod
    def of(cls, context: Any) -> PartnerAccess:
        access = context.extras.get(ACCESS_KEY)
        if access is None:
            access = context.extras[ACCESS_KEY] = cls(context)
        return access

    async def _load(self, subject_ids: list[int]) -> list[frozenset[str] | str]:
        if self.client_id is None:  # a partner from a token with no client row has no contract
            found: dict[int, list[Any]] = {}
        else:
            async with self._engine.connect() as conn:
                found = dict(await authorizations_of(conn, self.client_id, subject_ids))
        return [
            decide(found.get(sid, []), contract=self.contract, purpose=self.purpose, today=self.today)
            for sid in subject_ids
        ]

    def authorized_subject_ids(self) -> sa.Select:
        """The subjects with a current authorisation for this partner and purpose, as a subquery."""
        table = partner_authorization
        return sa.select(table.c.subject_id).where(
            table.c.client_id == (self.client_id or -1),
            table.c.purpose == self.purpose if self.purpose else sa.false(),  # no purpose: no subject
            table.c.revoked_at.is_(None),
            table.c.valid_from <= self.today,
            table.c.valid_until >= self.today,
        )

    async def decision(self, subject_id: int) -> frozenset[str] | str:
        return await self._loader.load(subject_id)

    async def decisions(self, subject_ids: Sequence[int]) -> list[frozenset[str] | str]:
        return await self._loader.load_many(list(subject_ids))


async def admit_subjects(context: Any, rows: Sequence[Any]) -> list[Any]:
    """Subject rows as given, except for a partner: a subject it may not see becomes the
    ``AUTHORIZATION_REQUIRED`` error, in place, so the other subjects of a batch stand."""
    if context.principal.role is not Role.PARTNER:
        return list(rows)
    present = [row for row in rows if row is not None]
    access = PartnerAccess.of(context)
    decisions = dict(zip((r.id for r in present), await access.decisions([r.id for r in present]), strict=True))
    admitted: list[Any] = []
    for row in rows:
        decision = decisions.get(row.id) if row is not None else None
        admitted.append(refusal(decision, row.display_code) if isinstance(decision, str) else row)
    return admitted
