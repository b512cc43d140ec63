"""Validating construction submissions and handing them to the core's shared write path.

Every item is checked in full and every problem reported (index, GraphQL field, reason) before
anything is written; :class:`gateway.api.RecordKind` then writes all or nothing. Every kind is
identified by (source unit, document number): the certificate number of a qualification or a
registration, the record or decision number of a conduct record or a listing. The *fingerprint*
of an item is every value it submits, normalised exactly as it reads back from the database, so an
identical re-submission is UNCHANGED and a different one a DUPLICATE_RECORD error. Names of the
subject and of the employer are not part of it: they belong to those subjects (which may have been
registered by another domain), not to the record.

A registration names two subjects: the practitioner (the record's subject, created by the core)
and the employer, which :func:`write_registration_details` finds or creates in the same
transaction, one look-up and at most one insert per batch.

Over 400 lines on purpose: one module per domain's write path, as in every built-in; construction has
four record kinds (qualifications, registrations, conduct records, black-list entries).
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import (
    MAX_DOCUMENT_NUMBER,
    MAX_NAME,
    MAX_TEXT,
    CreatedRecord,
    CreditLists,
    Envelope,
    EnvelopeFields,
    ItemError,
    ItemReader,
    Polarity,
    RecordKind,
    Severity,
    SubjectCode,
    SubjectKind,
    Submission,
    SubmissionPolicy,
    Validated,
    credit_record,
    detail_writer,
    document_key_finder,
    keys_in,
    lookup_hash,
    query_chunks,
    read_envelope_fields,
    record_fingerprint,
    subject,
)
from plugins.construction import rules
from plugins.construction.tables import (
    construction_blacklist,
    construction_conduct,
    construction_qualification,
    construction_registration,
)
from plugins.construction.types import (
    ConstructionBlacklistEntryInput,
    ConstructionConductRecordInput,
    ConstructionQualificationInput,
    RegisteredPractitionerInput,
)

MAX_SPECIALTY = 100

AnyInput = (
    ConstructionQualificationInput
    | ConstructionConductRecordInput
    | ConstructionBlacklistEntryInput
    | RegisteredPractitionerInput
)


@dataclass(frozen=True, slots=True)
class Employer:
    """The organisation a practitioner is registered with, validated and hashed."""

    lookup_hash: str
    code: SubjectCode
    name: str
    kind: SubjectKind


def _describe(code: SubjectCode) -> str:
    if code.is_natural_person:
        return "a resident ID number"
    if code.default_kind is SubjectKind.INDIVIDUAL_BUSINESS:
        return "the code of an individual business (92…)"
    return "the code of an organisation"


def _read_common(
    item: ItemReader,
    raw: AnyInput,
    policy: SubmissionPolicy,
    today: datetime.date,
    *,
    accepted: frozenset[SubjectKind],
    refusal: str = "",
    party_type: SubjectKind | None = None,
) -> EnvelopeFields | None:
    """The envelope-level values, or ``None`` when any of them is invalid.

    The subject's kind is ``party_type`` when the input states it (the code must fit it), else the
    kind the policy knows or the code implies; it must be one of ``accepted`` (``refusal`` says why not).

    Not the shared formats' ``read_party`` and ``read_decision``, on purpose: construction inputs name
    the subject ``subjectCode``/``subjectName``, state its kind as a ``SubjectKind`` (so a party may be
    an OTHER_ORGANIZATION), require the authority's code, and refuse dates before the Construction Law.
    The core's ``read_envelope_fields`` reads inputs named so; this hands it construction's rules.
    """

    def check_kind(code: SubjectCode, kind: SubjectKind) -> str | None:
        if kind not in code.allowed_kinds():
            return f"{_describe(code)} does not fit a party of type {kind.value}"
        return refusal if kind not in accepted else None

    return read_envelope_fields(
        item,
        raw,
        policy,
        today=today,
        stated_kind=party_type,
        check_kind=check_kind,
        earliest=rules.EARLIEST_DECISION,
        too_early=f"must not be before {rules.EARLIEST_DECISION.isoformat()}, when the Construction Law took effect",
    )


def _submission(
    common: EnvelopeFields,
    envelope: Envelope,
    detail: dict[str, Any],
    fingerprinted: Mapping[str, Any] | None = None,
) -> Submission:
    """The fingerprint covers the detail row, or ``fingerprinted`` where the row holds more than its
    values (a registration's employer counts by its lookup hash, not by its name)."""
    return common.submission(
        envelope,
        key=(common.source_unit_code, envelope.document_number),
        fingerprint=record_fingerprint(
            envelope, common.subject_hash, detail if fingerprinted is None else fingerprinted
        ),
        detail=detail,
    )


def validate_qualifications(inputs: Sequence[ConstructionQualificationInput], policy: SubmissionPolicy) -> Validated:
    """Validate enterprise qualifications, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    today = policy.reference_date()
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        common = _read_common(
            item,
            raw,
            policy,
            today,
            accepted=rules.QUALIFICATION_HOLDERS,
            refusal="qualifications are held by enterprises and institutions, not by individual businesses or persons",
        )
        number = item.string("certificateNumber", raw.certificate_number, MAX_DOCUMENT_NUMBER)
        specialty = item.string("specialty", raw.specialty, MAX_SPECIALTY)
        category = rules.QualificationCategory(raw.qualification_category)
        grade = rules.QualificationGrade(raw.grade)
        for field_name, message in rules.grade_problems(category, grade):
            item.fail(field_name, message)
        if raw.valid_from < raw.decision_date:
            item.fail("validFrom", f"must not be before the date of issue ({raw.decision_date.isoformat()})")
        if raw.valid_until <= raw.valid_from:
            item.fail("validUntil", f"must be after validFrom ({raw.valid_from.isoformat()})")
        if item.failed or common is None:
            built.append(None)
            continue
        assert number and specialty
        envelope = common.envelope(
            rules.DOMAIN,
            rules.QUALIFICATION_RECORD_TYPE,
            rules.QUALIFICATION_CATEGORY,
            Polarity.NEUTRAL.value,
            None,
            number,
        )
        detail = {
            "qualification_category": category.value,
            "specialty": specialty,
            "grade": grade.value,
            "valid_from": raw.valid_from,
            "valid_until": raw.valid_until,
        }
        built.append(_submission(common, envelope, detail))
    return Validated(built, errors)


def validate_conduct_records(inputs: Sequence[ConstructionConductRecordInput], policy: SubmissionPolicy) -> Validated:
    """Validate good- and bad-conduct records, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    today = policy.reference_date()
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        common = _read_common(
            item, raw, policy, today, accepted=rules.ANY_PARTY, party_type=SubjectKind(raw.party_type)
        )
        number = item.string("documentNumber", raw.document_number, MAX_DOCUMENT_NUMBER)
        facts = item.string("facts", raw.facts, MAX_TEXT)
        content = item.string("decisionContent", raw.decision_content, MAX_TEXT)
        fine = item.decimal("fineAmount", raw.fine_amount)
        conduct = rules.ConductType(raw.conduct)
        behaviour = rules.BehaviourCategory(raw.behaviour_category)
        severity = Severity(raw.severity) if raw.severity is not None else None
        publicity = raw.publicity_months
        if publicity is None and conduct is rules.ConductType.GOOD:
            publicity = rules.GOOD_CONDUCT_PUBLICITY_MONTHS
        for field_name, message in rules.conduct_problems(
            conduct, behaviour, severity, publicity, raw.penalty_months, raw.fine_amount
        ):
            item.fail(field_name, message)
        if item.failed or common is None:
            built.append(None)
            continue
        assert number and facts and content and publicity is not None
        envelope = common.envelope(
            rules.DOMAIN,
            rules.CONDUCT_RECORD_TYPE,
            rules.conduct_category(conduct),
            rules.conduct_polarity(conduct).value,
            severity.value if severity is not None else None,
            number,
        )
        if conduct is rules.ConductType.BAD:
            envelope.publicity_months = publicity  # the domain's own window, not the severity's default
        detail = {
            "conduct": conduct.value,
            "behaviour_category": behaviour.value,
            "facts": facts,
            "decision_content": content,
            "fine_amount": fine,
            "penalty_months": raw.penalty_months,
            "publicity_months": publicity,
        }
        built.append(_submission(common, envelope, detail))
    return Validated(built, errors)


def validate_blacklist_entries(
    inputs: Sequence[ConstructionBlacklistEntryInput], policy: SubmissionPolicy
) -> Validated:
    """Validate black-list entries, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    today = policy.reference_date()
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        common = _read_common(
            item, raw, policy, today, accepted=rules.ANY_PARTY, party_type=SubjectKind(raw.party_type)
        )
        number = item.string("documentNumber", raw.document_number, MAX_DOCUMENT_NUMBER)
        facts = item.string("facts", raw.facts, MAX_TEXT)
        if raw.removal_due <= raw.decision_date:
            item.fail("removalDue", f"must be after the listing date ({raw.decision_date.isoformat()})")
        if item.failed or common is None:
            built.append(None)
            continue
        assert number and facts
        envelope = common.envelope(
            rules.DOMAIN,
            rules.BLACKLIST_RECORD_TYPE,
            rules.BLACKLIST_CATEGORY,
            Polarity.NEGATIVE.value,
            rules.BLACKLIST_SEVERITY.value,
            number,
        )
        detail = {
            "criterion": rules.BlacklistCriterion(raw.criterion).value,
            "facts": facts,
            "removal_due": raw.removal_due,
        }
        built.append(_submission(common, envelope, detail))
    return Validated(built, errors)


def _read_employer(item: ItemReader, raw: RegisteredPractitionerInput, policy: SubmissionPolicy) -> Employer | None:
    code = item.subject_code("employerCode", raw.employer_code, policy.uscc_allow_list)
    name = item.string("employerName", raw.employer_name, MAX_NAME)
    if code is None:
        return None
    if code.is_natural_person:
        item.fail("employerCode", "must be the unified social credit code of an organisation, not an ID number")
        return None
    kind = policy.kinds.get(code.value, code.default_kind)
    if kind not in rules.EMPLOYER_KINDS:
        item.fail(
            "employerCode",
            "practitioners are registered with enterprises and institutions, not with individual businesses",
        )
        return None
    if name is None:
        return None
    return Employer(lookup_hash(code, policy.secret_key), code, name, kind)


def validate_registrations(inputs: Sequence[RegisteredPractitionerInput], policy: SubmissionPolicy) -> Validated:
    """Validate practitioner registrations, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    today = policy.reference_date()
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        common = _read_common(
            item,
            raw,
            policy,
            today,
            accepted=rules.PRACTITIONER_KINDS,
            refusal="a registered practitioner is a natural person: give the resident ID number, "
            "not a unified social credit code",
        )
        number = item.string("certificateNumber", raw.certificate_number, MAX_DOCUMENT_NUMBER)
        specialty = item.string("specialty", raw.specialty, MAX_SPECIALTY, required=False)
        employer = _read_employer(item, raw, policy)
        if raw.valid_until <= raw.decision_date:
            item.fail("validUntil", f"must be after the date of registration ({raw.decision_date.isoformat()})")
        if item.failed or common is None or employer is None:
            built.append(None)
            continue
        assert number
        envelope = common.envelope(
            rules.DOMAIN,
            rules.REGISTRATION_RECORD_TYPE,
            rules.REGISTRATION_CATEGORY,
            Polarity.NEUTRAL.value,
            None,
            number,
        )
        detail = {
            "registration_type": rules.RegistrationType(raw.registration_type).value,
            "specialty": specialty,
            "valid_until": raw.valid_until,
        }
        fingerprinted = {**detail, "employer_hash": employer.lookup_hash}
        # The employer is resolved to employer_subject_id when written.
        built.append(_submission(common, envelope, {**detail, "employer": employer}, fingerprinted))
    return Validated(built, errors)


# A registration's detail columns, and its employer's lookup hash in place of the employer's id.
_REGISTRATION_COLUMNS = [c for c in construction_registration.c if c.name not in ("record_id", "employer_subject_id")]


async def find_existing_registrations(
    conn: AsyncConnection, keys: Sequence[Hashable]
) -> Mapping[Hashable, tuple[int, Hashable]]:
    """What ``document_key_finder`` finds, with the employer joined in: a registration's fingerprint
    covers its employer, which the detail row holds as a subject id."""
    employer = subject.alias("employer")
    joined = (
        credit_record.join(subject, subject.c.id == credit_record.c.subject_id)
        .outerjoin(construction_registration, construction_registration.c.record_id == credit_record.c.id)
        .outerjoin(employer, employer.c.id == construction_registration.c.employer_subject_id)
    )
    found: dict[Hashable, tuple[int, Hashable]] = {}
    for chunk in query_chunks(keys):
        query = (
            sa.select(
                credit_record,
                subject.c.lookup_hash,
                *_REGISTRATION_COLUMNS,
                employer.c.lookup_hash.label("employer_hash"),
            )
            .select_from(joined)
            .where(keys_in((credit_record.c.source_unit_code, credit_record.c.document_number), chunk))
        )
        wanted = set(chunk)
        for row in await conn.execute(query):
            m = row._mapping
            key = (m["source_unit_code"], m["document_number"])
            if key not in wanted:
                continue  # keys_in also matches the unit of one key with the number of another
            held = Envelope.from_row(m)
            detail = {name: m[name] for name in (*(c.name for c in _REGISTRATION_COLUMNS), "employer_hash")}
            found[key] = (m["id"], record_fingerprint(held, m["lookup_hash"], detail))
    return found


async def ensure_employers(conn: AsyncConnection, employers: Sequence[Employer]) -> dict[str, int]:
    """Subject ids of the employers by lookup hash, registering those not yet known (one select per
    chunk, at most one insert), as the core registers the subjects of records."""
    wanted = {e.lookup_hash: e for e in employers}
    ids: dict[str, int] = {}
    for chunk in query_chunks(list(wanted)):
        rows = await conn.execute(
            sa.select(subject.c.lookup_hash, subject.c.id).where(subject.c.lookup_hash.in_(list(chunk)))
        )
        ids.update({h: i for h, i in rows.all()})
    missing = [wanted[h] for h in wanted if h not in ids]
    if missing:
        rows = await conn.execute(
            subject.insert().returning(subject.c.lookup_hash, subject.c.id),
            [
                {
                    "lookup_hash": e.lookup_hash,
                    "code_type": e.code.type.value,
                    "display_code": e.code.masked,
                    "name": e.name,
                    "kind": e.kind.value,
                }
                for e in missing
            ],
        )
        ids.update({h: i for h, i in rows.all()})
    return ids


async def write_registration_details(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
    employer_ids = await ensure_employers(conn, [c.submission.detail["employer"] for c in created])
    rows = []
    for c in created:
        detail = dict(c.submission.detail)
        employer: Employer = detail.pop("employer")
        rows.append({"record_id": c.record_id, "employer_subject_id": employer_ids[employer.lookup_hash], **detail})
    await conn.execute(construction_registration.insert(), rows)


QUALIFICATIONS = RecordKind(
    "qualifications",
    validate_qualifications,
    document_key_finder(construction_qualification),
    detail_writer(construction_qualification),
)
CONDUCT_RECORDS = RecordKind(
    "conduct",
    validate_conduct_records,
    document_key_finder(construction_conduct),
    detail_writer(construction_conduct),
)
_write_listings = detail_writer(construction_blacklist)
# The shared list format's writer (credit_list_entry), so the listing is on the published lists too.
_write_list_entries = CreditLists(domain=rules.DOMAIN, measures=rules.BLACK_LIST_MEASURES).entries.write_details


async def write_blacklist_details(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
    """The listing's own row, and its shared-format list entry derived from it (not fingerprinted: it
    holds nothing the listing does not)."""
    await _write_listings(conn, created)
    entries = [
        replace(c, submission=replace(c.submission, detail=rules.black_list_entry(**_entry_values(c)))) for c in created
    ]
    await _write_list_entries(conn, entries)


def _entry_values(created: CreatedRecord) -> dict[str, Any]:
    detail = created.submission.detail
    return {"facts": detail["facts"], "removal_due": detail["removal_due"]}


BLACKLIST_ENTRIES = RecordKind(
    "blacklist",
    validate_blacklist_entries,
    document_key_finder(construction_blacklist),
    write_blacklist_details,
)
REGISTRATIONS = RecordKind(
    "practitioners",
    validate_registrations,
    find_existing_registrations,
    write_registration_details,
)
