"""Who may see which subjects and records, and who may write to a domain.

Field visibility (one schema per audience, gateway.policy.visibility) says which *fields* a role may
ever see; partner access (gateway.features.partners) narrows what a partner sees to what subjects
authorised. This module holds the rest: the rules for *rows*, and for *writes*.

Writes: only the admin and the departments of a domain call the domain's submission mutations
(:class:`CanWriteDomain`, which the core puts on every domain-gated ``MutationField``).

Rows: natural persons are not shown to the public or the portal (lists that publish
them do so through their own fields); a subject is shown itself. Records: the admin sees every
record, a department every record of its own domain, a subject every record about itself, everyone
else the published ones: ACTIVE (not repaired, not revoked), inside its publicity window, and not
withheld by the five-year rule (gateway.records.publicity), which also hides a record from its
department and its subject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.kernel.errors import FORBIDDEN, UNAUTHENTICATED, GatewayError
from gateway.kernel.identifiers import CodeType
from gateway.kernel.rules import PublicityRules
from gateway.records.publicity import is_published, is_withheld

# Who sees natural persons as subjects: those whose work is about them. A partner's sight of a person
# is further bounded by the person's authorisation (gateway.features.partners.access), decided after this rule.
# Everyone else (the public, portals, and any subject but the person itself) sees organisations only.
_PERSONS_SHOWN_TO = frozenset({Role.ADMIN, Role.DEPARTMENT, Role.PARTNER})


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


def record_filter(
    principal: Principal, own_subject_id: int | None, day: dt.date, rules: PublicityRules
) -> Callable[[int, Any], bool]:
    """A predicate over (subject id, record) for this principal's requests, as of ``day``.

    The admin sees everything. Dishonesty information past the five-year rule is the admin's alone.
    A department sees every record of its own domain (repaired and expired included), a subject
    every record about itself; everyone else, and everyone for the rest, the published ones.
    """
    role = principal.role
    if role is Role.ADMIN:
        return lambda _subject_id, _record: True

    def published(record: Any) -> bool:
        return is_published(record, day, rules)

    if role is Role.DEPARTMENT:
        return lambda _sid, record: (
            published(record) or (record.domain == principal.domain and not is_withheld(record, day, rules))
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
