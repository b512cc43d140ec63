"""What a partner may see of a subject in this request: contract ∩ current authorisations whose
purpose matches the request's ``X-Purpose``, or why not (``AUTHORIZATION_REQUIRED`` with a reason).

A credit service agency (``Role.AGENCY``) is admitted by the same rule as a partner with an empty
contract: a current authorisation for the purpose admits the subject with its public fields (the
public credit supervision information), none refuses it. Other features ask the same question with
:func:`is_authorized` (one subject, e.g. registering a report or producing an extract).

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
from strawberry.types import Info

from gateway.db.tables import partner_authorization
from gateway.features.audit.recorder import record_refused_access, request_purpose
from gateway.features.partners.store import GRANTEE_ROLES, authorizations_of, normalise_purpose, split_groups
from gateway.kernel.divisions import authority_division, covers, display_code_division
from gateway.kernel.errors import AUTHORIZATION_REQUIRED, GatewayError
from gateway.kernel.identifiers import SubjectCode

ACCESS_KEY = "gateway.features.partners.access"  # in GatewayContext.extras
AREAS_KEY = "gateway.features.partners.subject_areas"  # in GatewayContext.extras
# Stands for an unknown code: no subject has this id, so it is decided as one that authorised nothing.
NO_SUBJECT_ID = -1

# Why a subject is refused, from the most to the least actionable for the partner.
PURPOSE_MISSING = "PURPOSE_MISSING"
PURPOSE_MISMATCH = "PURPOSE_MISMATCH"
NOT_YET_VALID = "NOT_YET_VALID"
EXPIRED = "EXPIRED"
REVOKED = "REVOKED"
NOT_GRANTED = "NOT_GRANTED"

_MESSAGES = {
    PURPOSE_MISSING: "state the purpose of the query in the X-Purpose header",
    PURPOSE_MISMATCH: "its authorisation of this client is for another purpose",
    NOT_YET_VALID: "its authorisation of this client is not valid yet",
    EXPIRED: "its authorisation of this client has expired",
    REVOKED: "it has revoked its authorisation of this client",
    NOT_GRANTED: "it has not authorised this client",
}


def decide(
    authorizations: Sequence[Any], *, contract: frozenset[str], purpose: str, today: dt.date
) -> frozenset[str] | str:
    """The field groups allowed (possibly none beyond the public fields), or the reason of refusal.

    The reason is judged from the grants for the requested purpose first: a partner that holds a
    current grant for another purpose must still learn that this purpose's grant is not valid yet,
    has expired or was revoked. ``PURPOSE_MISMATCH`` only when the current grants are all for other
    purposes; ``NOT_GRANTED`` when nothing is current and nothing was ever granted for this purpose.
    """
    if not purpose:
        return PURPOSE_MISSING

    def is_current(a: Any) -> bool:
        return a.revoked_at is None and a.valid_from <= today <= a.valid_until

    for_purpose = [a for a in authorizations if a.purpose == purpose]
    matching = [a for a in for_purpose if is_current(a)]
    if matching:
        return frozenset().union(*(split_groups(a.field_groups) for a in matching)) & contract
    if for_purpose:
        return _why_not_current(for_purpose, today)
    if any(is_current(a) for a in authorizations):
        return PURPOSE_MISMATCH
    return NOT_GRANTED


def _why_not_current(authorizations: Sequence[Any], today: dt.date) -> str:
    """Why none of these grants (for one purpose, none current) is current, the most actionable first:
    one will start (wait), one ran out (ask for a renewal), all were revoked."""
    live = [a for a in authorizations if a.revoked_at is None]
    if any(a.valid_from > today for a in live):
        return NOT_YET_VALID
    return EXPIRED if live else REVOKED


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


async def is_authorized(context: Any, subject_id: int) -> bool:
    """Whether the request's partner or agency holds a current authorisation by this subject for the
    purpose in ``X-Purpose`` (its loader: batched with the request's other decisions). False for any
    other principal: ask this only where the caller is a partner or an agency. It records nothing: a
    feature that hands the subject out goes through ``SubjectAccess.admit`` (refusals become DENIED
    rows) and ``served`` (views), as the credit reports feature does."""
    if context.principal.role not in GRANTEE_ROLES:
        return False
    return not isinstance(await PartnerAccess.of(context).decision(subject_id), str)


async def in_department_division(context: Any, source: Any, subject_id: int | None) -> bool:
    """Whether a partner-grantable value lies in the division of the department that asks (bound to one):
    a record's by the rule of records (gateway.policy.access: its stored division, else its deciding
    authority's area, else its subject's registration area), a subject's by its registration area.

    A subject's area comes from what the request has loaded already (the subject rows of its entry
    point, the areas the record filter learnt), so this costs no statement in the usual request; any
    subject not known yet is looked up with the others of the same level, in one statement.
    """
    division: str = context.principal.division_code
    if hasattr(source, "deciding_authority_code"):  # a record
        area = getattr(source, "division_code", None) or authority_division(source.deciding_authority_code)
        if area is not None:
            return covers(division, area)
    elif type(source).__name__ == "CreditSubject" and getattr(source, "code", None) is not None:
        return covers(division, display_code_division(str(source.code_type.value), source.code))
    if subject_id is None:
        return False
    return covers(division, await _subject_areas(context).load(subject_id))


def _subject_areas(context: Any) -> DataLoader:
    """Subjects' registration areas by id, one batch per resolver level, for this request."""
    loader = context.extras.get(AREAS_KEY)
    if loader is None:

        async def batch(ids: list[int]) -> list[str | None]:
            found = await context.loaders.subject_divisions(ids)
            return [found.get(sid) for sid in ids]

        loader = context.extras[AREAS_KEY] = DataLoader(batch_load_fn=batch, max_batch_size=1_000)
    return loader


async def admit_subjects(info: Info, codes: Sequence[SubjectCode], rows: Sequence[Any]) -> list[Any]:
    """Subject rows as given (``None`` where a code is unknown or not shown to this principal), except
    for a partner or an agency: a subject it may not see becomes the ``AUTHORIZATION_REQUIRED`` error, in place,
    so the other subjects of a batch stand.

    For a partner an unknown code is refused exactly like a known subject that authorised nothing
    (same reason, message, masked code, path), for persons and organisations alike: a partner learns
    nothing about who is on file by asking. Refusals of known subjects go to the query record as
    ``DENIED``, so the subject sees who tried; an unknown code has nobody to tell and leaves no row.
    """
    context = info.context
    if context.principal.role not in GRANTEE_ROLES:
        return list(rows)
    # An unknown code is decided through the same loader, in the same batch, as a known subject: its
    # refusal comes out in the same turn, so even the order of a response's errors does not tell them apart.
    # An item another plugin already refused (an Exception) stays refused, and is decided like an unknown code.
    ids = [row.id if row is not None and not isinstance(row, Exception) else NO_SUBJECT_ID for row in rows]
    decisions = await PartnerAccess.of(context).decisions(ids)
    admitted: list[Any] = []
    refused: dict[int, str] = {}
    for code, row, decision in zip(codes, rows, decisions, strict=True):
        if isinstance(row, Exception):
            admitted.append(row)
        elif isinstance(decision, str):
            admitted.append(refusal(decision, code.masked))  # the code as asked: the same for known and unknown
            if row is not None:
                refused[row.id] = decision
        else:
            admitted.append(row)
    record_refused_access(info, refused)
    return admitted
