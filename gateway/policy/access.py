"""Who may see which subjects and records, and who may write to a domain.

Field visibility (one schema per audience, gateway.policy.visibility) says which *fields* a role may
ever see; partner access (gateway.features.partners) narrows what a partner or an agency sees to what
subjects authorised. This module holds the rest: the rules for *rows*, and for *writes*.

Writes: only the admin and the departments of a domain call the domain's submission mutations
(:class:`CanWriteDomain`, which the core puts on every domain-gated ``MutationField``).

Rows: natural persons are not shown to the public or the portal (lists that publish
them do so through their own fields); a subject is shown itself. Records: the admin sees every
record, a department every record of its own domain, a subject every record about itself, everyone
else the published ones: ACTIVE (not repaired, not revoked), inside its publicity window, and not
withheld by the five-year rule (gateway.records.publicity), which also hides a record from its
department and its subject.

Divisions (jurisdictions): a department key or token bound to a division (``Principal.division_code``)
sees in full only its domain's records of that division and the divisions below it; elsewhere it sees
what the public sees. It writes only records of its division: submissions and imports are checked in
gateway.write.submissions, actions on a held record with :func:`check_record_jurisdiction`. No division
(the admin, every key made before divisions, a department bound to no division) is the whole platform.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.kernel.divisions import authority_division, covers
from gateway.kernel.errors import FORBIDDEN, UNAUTHENTICATED, GatewayError
from gateway.kernel.identifiers import CodeType
from gateway.kernel.rules import PublicityRules
from gateway.records.publicity import is_withheld, published_on

# Who sees natural persons as subjects: those whose work is about them. A partner's or an agency's sight of
# a person is further bounded by the person's authorisation (gateway.features.partners.access), decided after
# this rule.
# Everyone else (the public, portals, and any subject but the person itself) sees organisations only.
_PERSONS_SHOWN_TO = frozenset({Role.ADMIN, Role.DEPARTMENT, Role.PARTNER, Role.AGENCY})


def subject_visible(principal: Principal, row: Any) -> bool:
    """Whether a subject row may be shown at all (an invisible subject reads as unknown).

    The one rule of subject visibility, for rows already loaded; :func:`visible_subjects_clause` is the
    same rule as SQL, for entry points that select subjects themselves (search, lists). A test holds
    the two forms to the same answers for every role and subject kind.
    """
    if row.code_type != CodeType.RESIDENT_ID.value:
        return True
    if principal.role in _PERSONS_SHOWN_TO:
        return True
    return principal.role is Role.SUBJECT and row.lookup_hash == principal.subject_lookup_hash


def visible_subjects_clause(principal: Principal, table: sa.Table) -> sa.ColumnElement[bool]:
    """:func:`subject_visible` as a condition over a ``subject`` table (or an alias of it)."""
    if principal.role in _PERSONS_SHOWN_TO:
        return sa.true()
    organisation = table.c.code_type != CodeType.RESIDENT_ID.value
    if principal.role is Role.SUBJECT and principal.subject_lookup_hash is not None:
        return sa.or_(organisation, table.c.lookup_hash == principal.subject_lookup_hash)
    return organisation


# Where the record filter finds a subject's registration area when a record names no deciding authority's
# code: by subject id, from subject rows the request has loaded (see gateway.server.context).
SubjectDivisions = Callable[[int], str | None]


def needs_subject_division(principal: Principal, record: Any) -> bool:
    """Whether the filter must know the subject's area to judge ``record`` for this principal: only for
    a department bound to a division, only for its own domain's records that name no authority's code.
    The request context loads subject rows for these alone, so nobody else pays for divisions."""
    return (
        principal.role is Role.DEPARTMENT
        and principal.division_code is not None
        and record.domain == principal.domain
        and getattr(record, "division_code", None) is None
        and authority_division(record.deciding_authority_code) is None
    )


def record_division_of(subject_id: int, record: Any, subject_divisions: SubjectDivisions) -> str | None:
    """A loaded record's division: its stored ``division_code`` when the record type carries it, else the
    rule the column was filled by (:func:`gateway.kernel.divisions.record_division`)."""
    stored = getattr(record, "division_code", None)
    if stored is not None:
        return stored
    return authority_division(record.deciding_authority_code) or subject_divisions(subject_id)


def record_filter(
    principal: Principal,
    own_subject_id: int | None,
    day: dt.date,
    rules: PublicityRules,
    subject_divisions: SubjectDivisions | None = None,
) -> Callable[[int, Any], bool]:
    """A predicate over (subject id, record) for this principal's requests, as of ``day``.

    The admin sees everything. Dishonesty information past the five-year rule is the admin's alone.
    A department sees every record of its own domain (repaired and expired included) in its division
    and below (everywhere when it has none), a subject every record about itself; everyone else, and
    everyone for the rest, the published ones. ``subject_divisions``: the registration area of a subject
    by id, asked only where :func:`needs_subject_division` says so (unknown: outside every division).
    """
    role = principal.role
    if role is Role.ADMIN:
        return lambda _subject_id, _record: True

    published = published_on(day, rules)

    if role is Role.DEPARTMENT:
        division = principal.division_code
        if division is None:
            return lambda _sid, record: (
                published(record) or (record.domain == principal.domain and not is_withheld(record, day, rules))
            )
        areas: SubjectDivisions = subject_divisions or (lambda _sid: None)

        def in_jurisdiction(sid: int, record: Any) -> bool:
            return covers(division, record_division_of(sid, record, areas))

        return lambda sid, record: (
            published(record)
            or (
                record.domain == principal.domain
                and in_jurisdiction(sid, record)
                and not is_withheld(record, day, rules)
            )
        )
    if role is Role.SUBJECT:
        return lambda sid, record: published(record) or (sid == own_subject_id and not is_withheld(record, day, rules))
    return lambda _sid, record: published(record)


class CanWriteDomain(BasePermission):
    """Only the admin and departments of ``domain`` may call a domain's mutations."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if not principal.is_authenticated:
            raise GatewayError("This mutation needs an API key (Authorization: Bearer <key>).", UNAUTHENTICATED)
        if not principal.may_write(self.domain):
            raise GatewayError(
                f"Client {principal.name!r} ({principal.role.value}) may not write to domain {self.domain!r}.",
                FORBIDDEN,
                domain=self.domain,
            )
        return True


def outside_jurisdiction(principal: Principal, division_codes: Sequence[str | None]) -> list[int]:
    """The positions of records (by their division) a principal may not write: all of those outside its
    division for a department bound to one; none for anyone else (the admin, an unbound department)."""
    if principal.division_code is None or principal.role is not Role.DEPARTMENT:
        return []
    return [i for i, code in enumerate(division_codes) if not covers(principal.division_code, code)]


def check_record_jurisdiction(principal: Principal, division_code: str | None, what: str) -> None:
    """A department acts on a held record (verifies its dispute, decides its repair …) only inside its
    division: FORBIDDEN otherwise, before anything is written."""
    if outside_jurisdiction(principal, [division_code]):
        raise GatewayError(
            f"This {what} concerns a record of division {division_code or 'unknown'}, outside the division "
            f"{principal.division_code} that client {principal.name!r} acts for.",
            FORBIDDEN,
            division=division_code,
        )
