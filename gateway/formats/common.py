"""What the shared formats have in common: the party (subject) fields, the decision fields of the
envelope, natural keys by (source unit, document number), and fingerprints read back from rows."""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.bulk import keys_in
from gateway.db.tables import credit_record, subject
from gateway.kernel.identifiers import SubjectCode, SubjectKind, lookup_hash
from gateway.kernel.limits import MAX_DOCUMENT_NUMBER, MAX_NAME
from gateway.write.submissions import CreatedRecord, Envelope, FindExisting, Submission, SubmissionPolicy, WriteDetails
from gateway.write.validation import ItemReader

KEY_CHUNK = 500


class PartyType(enum.StrEnum):
    """行政相对人类别 of the double-publicity format."""

    LEGAL_PERSON = "LEGAL_PERSON"  # 法人及非法人组织
    NATURAL_PERSON = "NATURAL_PERSON"  # 自然人
    INDIVIDUAL_BUSINESS = "INDIVIDUAL_BUSINESS"  # 个体工商户


PARTY_TYPE_LABELS = {
    "法人及非法人组织": PartyType.LEGAL_PERSON,
    "法人": PartyType.LEGAL_PERSON,
    "非法人组织": PartyType.LEGAL_PERSON,
    "自然人": PartyType.NATURAL_PERSON,
    "个体工商户": PartyType.INDIVIDUAL_BUSINESS,
}

_KINDS_OF_PARTY = {
    PartyType.LEGAL_PERSON: {SubjectKind.LEGAL_PERSON, SubjectKind.OTHER_ORGANIZATION},
    PartyType.NATURAL_PERSON: {SubjectKind.NATURAL_PERSON},
    PartyType.INDIVIDUAL_BUSINESS: {SubjectKind.INDIVIDUAL_BUSINESS},
}


@dataclass(frozen=True, slots=True)
class Party:
    code: SubjectCode
    name: str
    kind: SubjectKind
    subject_hash: str


def read_party(
    reader: ItemReader, policy: SubmissionPolicy, code: str, name: str, party_type: PartyType | None
) -> Party | None:
    """The subject a record is about; its code must fit the stated party type (a natural person has a
    resident ID number, an individual business a 92… code, an organisation any other USCC)."""
    parsed = reader.subject_code("partyCode", code, policy.uscc_allow_list)
    checked_name = reader.string("partyName", name, MAX_NAME)
    if parsed is None or checked_name is None:
        return None
    kind = policy.kinds.get(parsed.value, parsed.default_kind)
    if party_type is not None and not (_KINDS_OF_PARTY[party_type] & parsed.allowed_kinds()):
        reader.fail("partyType", f"a {party_type.value} cannot have the code {parsed.masked}")
        return None
    if party_type is PartyType.LEGAL_PERSON and kind not in _KINDS_OF_PARTY[party_type]:
        kind = SubjectKind.LEGAL_PERSON
    return Party(parsed, checked_name, kind, lookup_hash(parsed, policy.secret_key))


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision fields every shared-format record carries into the envelope."""

    document_number: str
    decision_date: date
    deciding_authority: str
    deciding_authority_code: str | None
    source_unit: str
    source_unit_code: str

    def envelope(self, domain: str, record_type: str, category: str, polarity: str, severity: str | None) -> Envelope:
        return Envelope(
            domain=domain,
            record_type=record_type,
            category=category,
            polarity=polarity,
            severity=severity,
            decision_date=self.decision_date,
            document_number=self.document_number,
            deciding_authority=self.deciding_authority,
            deciding_authority_code=self.deciding_authority_code,
            source_unit=self.source_unit,
            source_unit_code=self.source_unit_code,
        )


def read_decision(
    reader: ItemReader,
    policy: SubmissionPolicy,
    raw: Any,
    *,
    decided_on: date | None = None,
    date_field: str = "decisionDate",
) -> Decision | None:
    """Document number, decision date (not in the future), authority and source unit with their codes.

    A format whose date has another name (an inspection's ``inspectionDate``) passes it as ``decided_on``,
    and ``date_field`` for the error to name it: ``read_decision(item, policy, raw,
    decided_on=raw.inspection_date, date_field="inspectionDate")``.
    """
    if decided_on is None:
        decided_on = raw.decision_date
    number = reader.string("documentNumber", raw.document_number, MAX_DOCUMENT_NUMBER)
    authority = reader.string("decidingAuthority", raw.deciding_authority, MAX_NAME)
    authority_code = (
        reader.uscc("decidingAuthorityCode", raw.deciding_authority_code, policy.uscc_allow_list)
        if (raw.deciding_authority_code or "").strip()
        else None
    )
    unit = reader.string("sourceUnit", raw.source_unit, MAX_NAME)
    unit_code = reader.uscc("sourceUnitCode", raw.source_unit_code, policy.uscc_allow_list)
    today = policy.reference_date()
    if decided_on > today:
        reader.fail(date_field, f"must not be in the future (today is {today.isoformat()})")
    if reader.failed & {"documentNumber", "decidingAuthority", "decidingAuthorityCode", "sourceUnit", "sourceUnitCode"}:
        return None
    if number is None or authority is None or unit is None or unit_code is None:
        return None
    return Decision(number, decided_on, authority, authority_code, unit, unit_code)


def normal(value: Any) -> Any:
    """Values as they read back from the database, so fingerprints compare equal on both sides."""
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def fingerprint(envelope: Envelope, subject_hash: str, detail: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        subject_hash,
        envelope.domain,
        envelope.record_type,
        envelope.category,
        normal(envelope.polarity),
        normal(envelope.severity),
        envelope.decision_date,
        envelope.deciding_authority,
        envelope.deciding_authority_code,
        envelope.source_unit,
        *(normal(detail[name]) for name in sorted(detail)),
    )


def document_key_finder(detail_table: sa.Table) -> FindExisting:
    """Held records by (source unit code, document number), whatever their domain (the envelope's
    unique constraint spans domains), with fingerprints built exactly as for a submission."""
    detail_columns = [c for c in detail_table.c if c.name != "record_id"]

    async def find(conn: AsyncConnection, keys: Sequence[Hashable]) -> Mapping[Hashable, tuple[int, Hashable]]:
        found: dict[Hashable, tuple[int, Hashable]] = {}
        joined = credit_record.join(subject, subject.c.id == credit_record.c.subject_id).outerjoin(
            detail_table, detail_table.c.record_id == credit_record.c.id
        )
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = list(keys[start : start + KEY_CHUNK])
            rows = await conn.execute(
                sa.select(credit_record, subject.c.lookup_hash, *detail_columns)
                .select_from(joined)
                .where(keys_in((credit_record.c.source_unit_code, credit_record.c.document_number), chunk))
            )
            wanted = set(chunk)
            for row in rows:
                m = row._mapping
                if (m["source_unit_code"], m["document_number"]) not in wanted:
                    continue
                held = Envelope.from_row(m)
                detail = {c.name: m[c.name] for c in detail_columns}
                found[(m["source_unit_code"], m["document_number"])] = (
                    m["id"],
                    fingerprint(held, m["lookup_hash"], detail),
                )
        return found

    return find


def detail_writer(detail_table: sa.Table) -> WriteDetails:
    async def write(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
        await conn.execute(detail_table.insert(), [{"record_id": c.record_id, **c.submission.detail} for c in created])

    return write


def read_sub_area(reader: ItemReader, sub_areas: Mapping[str, str], value: str | None) -> str | None:
    """A domain's sub-area code, given as the code or its label; refused when the domain has none."""
    if value is None or not value.strip():
        return None
    given = value.strip()
    code = {label: key for key, label in sub_areas.items()}.get(given, given)
    if code not in sub_areas:
        reader.fail(
            "subArea", f"unknown sub-area {given[:40]!r}; known: {', '.join(sub_areas) or 'none in this domain'}"
        )
        return None
    return code


def document_submission(party: Party, envelope: Envelope, detail: dict[str, Any]) -> Submission:
    """A shared-format record keyed by (source unit, document number), fingerprinted as held rows are."""
    return Submission(
        subject_code=party.code,
        subject_name=party.name,
        subject_kind=party.kind,
        envelope=envelope,
        key=(envelope.source_unit_code, envelope.document_number),
        fingerprint=fingerprint(envelope, party.subject_hash, detail),
        detail=detail,
    )
