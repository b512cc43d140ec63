"""Reading construction records: one statement for all subjects of a request level, rows into GraphQL
objects. Two loaders: a subject's own records (all four kinds), and the practitioners registered
with an employer."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import (
    ENVELOPE_COLUMNS,
    LoaderSpec,
    any_of,
    credit_record,
    envelope_kwargs,
    published_clause,
    record_from,
    stored_enum,
    subject,
)
from gateway.api import today as clock_today
from plugins.construction import rules
from plugins.construction.tables import (
    construction_blacklist,
    construction_conduct,
    construction_qualification,
    construction_registration,
)
from plugins.construction.types import (
    ConstructionBlacklistEntry,
    ConstructionConductRecord,
    ConstructionQualification,
    RegisteredPractitioner,
)

RECORDS = rules.RECORDS_LOADER
PRACTITIONERS = rules.PRACTITIONERS_LOADER

# The practitioner is the record's subject; the employer is another subject.
practitioner = subject.alias("practitioner")
employer = subject.alias("employer")

# Detail columns; those whose names recur across the detail tables (or clash with the envelope's)
# are labelled, so that one row can carry the columns of any detail.
QUALIFICATION_COLUMNS = (
    construction_qualification.c.qualification_category,
    construction_qualification.c.specialty.label("qualification_specialty"),
    construction_qualification.c.grade,
    construction_qualification.c.valid_from,
    construction_qualification.c.valid_until.label("qualification_valid_until"),
)
CONDUCT_COLUMNS = (
    construction_conduct.c.conduct,
    construction_conduct.c.behaviour_category,
    construction_conduct.c.facts.label("conduct_facts"),
    construction_conduct.c.decision_content,
    construction_conduct.c.fine_amount,
    construction_conduct.c.penalty_months,
    construction_conduct.c.publicity_months,
)
BLACKLIST_COLUMNS = (
    construction_blacklist.c.criterion,
    construction_blacklist.c.facts.label("blacklist_facts"),
    construction_blacklist.c.removal_due,
)
REGISTRATION_COLUMNS = (
    construction_registration.c.registration_type,
    construction_registration.c.specialty.label("registration_specialty"),
    construction_registration.c.valid_until.label("registration_valid_until"),
    construction_registration.c.employer_subject_id,
    practitioner.c.name.label("practitioner_name"),
    practitioner.c.display_code.label("practitioner_code"),
    employer.c.name.label("employer_name"),
    employer.c.display_code.label("employer_code"),
)

ConstructionRecord = (
    ConstructionQualification | ConstructionConductRecord | ConstructionBlacklistEntry | RegisteredPractitioner
)


# Every record row of a level comes through here: the enums by dict look-up.
_QUALIFICATION_CATEGORY = stored_enum(rules.QualificationCategory)
_QUALIFICATION_GRADE = stored_enum(rules.QualificationGrade)
_CONDUCT = stored_enum(rules.ConductType)
_BEHAVIOUR_CATEGORY = stored_enum(rules.BehaviourCategory)


def qualification_from_row(row: Any) -> ConstructionQualification:
    m = row
    return record_from(
        ConstructionQualification,
        envelope_kwargs(row),
        qualification_category=_QUALIFICATION_CATEGORY(m.qualification_category),
        specialty=m.qualification_specialty,
        grade=_QUALIFICATION_GRADE(m.grade),
        valid_from=m.valid_from,
        valid_until=m.qualification_valid_until,
    )


def conduct_from_row(row: Any) -> ConstructionConductRecord:
    m = row
    return record_from(
        ConstructionConductRecord,
        envelope_kwargs(row),
        conduct=_CONDUCT(m.conduct),
        behaviour_category=_BEHAVIOUR_CATEGORY(m.behaviour_category),
        facts=m.conduct_facts,
        decision_content=m.decision_content,
        fine_amount=m.fine_amount,
        penalty_months=m.penalty_months,
        publicity_months=m.publicity_months,
    )


def blacklist_from_row(row: Any) -> ConstructionBlacklistEntry:
    m = row
    return record_from(
        ConstructionBlacklistEntry,
        envelope_kwargs(row),
        criterion=rules.BlacklistCriterion(m.criterion),
        facts=m.blacklist_facts,
        removal_due=m.removal_due,
    )


def registration_from_row(row: Any) -> RegisteredPractitioner:
    m = row
    return record_from(
        RegisteredPractitioner,
        envelope_kwargs(row),
        registration_type=rules.RegistrationType(m.registration_type),
        specialty=m.registration_specialty,
        valid_until=m.registration_valid_until,
        practitioner_name=m.practitioner_name,
        practitioner_code=m.practitioner_code,
        employer_name=m.employer_name,
        employer_code=m.employer_code,
    )


# Which detail a row has: its record type, and a non-null column of that detail.
_READERS = (
    (rules.QUALIFICATION_RECORD_TYPE, "grade", qualification_from_row),
    (rules.CONDUCT_RECORD_TYPE, "conduct", conduct_from_row),
    (rules.BLACKLIST_RECORD_TYPE, "criterion", blacklist_from_row),
    (rules.REGISTRATION_RECORD_TYPE, "registration_type", registration_from_row),
)


def records_query() -> sa.Select[Any]:
    """All four record types of the subjects in the parameter ``subject_ids`` in one statement: the
    envelope left-joined to each detail table (and a registration to its employer), so a row carries
    the columns of the one detail it has."""
    joined = (
        credit_record.join(practitioner, practitioner.c.id == credit_record.c.subject_id)
        .outerjoin(construction_qualification, construction_qualification.c.record_id == credit_record.c.id)
        .outerjoin(construction_conduct, construction_conduct.c.record_id == credit_record.c.id)
        .outerjoin(construction_blacklist, construction_blacklist.c.record_id == credit_record.c.id)
        .outerjoin(construction_registration, construction_registration.c.record_id == credit_record.c.id)
        .outerjoin(employer, employer.c.id == construction_registration.c.employer_subject_id)
    )
    return (
        sa.select(
            *ENVELOPE_COLUMNS,
            credit_record.c.record_type,
            *QUALIFICATION_COLUMNS,
            *CONDUCT_COLUMNS,
            *BLACKLIST_COLUMNS,
            *REGISTRATION_COLUMNS,
        )
        .select_from(joined)
        .where(credit_record.c.domain == rules.DOMAIN, any_of(credit_record.c.subject_id, name="subject_ids"))
    )


# Built once: the same SQL text for every batch, so it is compiled once and prepared once.
RECORDS_QUERY = records_query()


def _newest_first(records: list[Any]) -> tuple[Any, ...]:
    # Newest decision first, as CreditSubject.records lists them.
    return tuple(sorted(records, key=lambda r: (r.decision_date, int(r.id)), reverse=True))


async def load_construction_records(
    conn: AsyncConnection, subject_ids: Sequence[int]
) -> Mapping[int, tuple[ConstructionRecord, ...]]:
    rows = (await conn.execute(RECORDS_QUERY, {"subject_ids": subject_ids})).all()
    found: dict[int, list[ConstructionRecord]] = defaultdict(list)
    for row in rows:
        for record_type, marker, read in _READERS:
            if row.record_type == record_type and getattr(row, marker) is not None:
                found[row.subject_id].append(read(row))
                break
    return {subject_id: _newest_first(records) for subject_id, records in found.items()}


def practitioners_query(employer_ids: Sequence[int], today: datetime.date) -> sa.Select[Any]:
    """The registrations in force today (active, not expired) with the given employers, in one statement."""
    joined = (
        construction_registration.join(credit_record, credit_record.c.id == construction_registration.c.record_id)
        .join(practitioner, practitioner.c.id == credit_record.c.subject_id)
        .join(employer, employer.c.id == construction_registration.c.employer_subject_id)
    )
    return (
        sa.select(*ENVELOPE_COLUMNS, *REGISTRATION_COLUMNS)
        .select_from(joined)
        .where(
            any_of(construction_registration.c.employer_subject_id, employer_ids),
            construction_registration.c.valid_until >= today,
            published_clause(),
        )
    )


_TYPE_ORDER = {member: position for position, member in enumerate(rules.RegistrationType)}


async def load_practitioners(
    conn: AsyncConnection, employer_ids: Sequence[int]
) -> Mapping[int, tuple[RegisteredPractitioner, ...]]:
    rows = (await conn.execute(practitioners_query(employer_ids, clock_today()))).all()
    found: dict[int, list[RegisteredPractitioner]] = defaultdict(list)
    for row in rows:
        found[row.employer_subject_id].append(registration_from_row(row))
    return {
        employer_id: tuple(
            sorted(registrations, key=lambda r: (_TYPE_ORDER[r.registration_type], r.practitioner_name, int(r.id)))
        )
        for employer_id, registrations in found.items()
    }


CONSTRUCTION_RECORDS = LoaderSpec(RECORDS, load_construction_records, default=())
CONSTRUCTION_PRACTITIONERS = LoaderSpec(PRACTITIONERS, load_practitioners, default=())
