"""The record-level filter point: which subjects and which records a principal is shown.

Field visibility (one schema per audience) says which *fields* a role may ever see; this module
says which *rows*. Natural persons are not shown to the public or the portal (lists that publish
them do so through their own fields); a subject is shown itself. Records: the admin sees every
record, a department every record of its own domain, a subject every record about itself, everyone
else the published ones. "Published" is the lifecycle's to decide (publicity windows, repair, the
five-year rule); until it does, a record is published while its status is ACTIVE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.auth.principal import Principal, Role
from gateway.graph.enums import RecordStatus
from gateway.identifiers import CodeType

_PERSONS_HIDDEN_FROM = frozenset({Role.PUBLIC, Role.PORTAL})


def subject_visible(principal: Principal, row: Any) -> bool:
    """Whether a subject row may be shown at all (an invisible subject reads as unknown)."""
    if row.code_type != CodeType.RESIDENT_ID.value:
        return True
    if principal.role is Role.SUBJECT:
        return row.lookup_hash == principal.subject_lookup_hash
    return principal.role not in _PERSONS_HIDDEN_FROM


def is_published(record: Any) -> bool:
    return record.status is RecordStatus.ACTIVE


def record_filter(principal: Principal, own_subject_id: int | None) -> Callable[[int, Any], bool]:
    """A predicate over (subject id, record) for this principal's requests."""
    role = principal.role
    if role is Role.ADMIN:
        return lambda _subject_id, _record: True
    if role is Role.DEPARTMENT:
        return lambda _subject_id, record: record.domain == principal.domain or is_published(record)
    if role is Role.SUBJECT:
        return lambda subject_id, record: subject_id == own_subject_id or is_published(record)
    return lambda _subject_id, record: is_published(record)
