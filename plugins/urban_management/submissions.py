"""The record kinds urban management accepts, each validated in full before anything is written.

Penalties, licences and 红黑榜 entries are the shared formats declared in :mod:`rules`. Inspection
results are this domain's own kind: every problem of every item is reported (index, GraphQL field,
reason), then :func:`gateway.api.submit` writes all or nothing, idempotent on (source unit code,
inspection document number). The *fingerprint* of an inspection is every value it submits, as it
reads back from the database, so an identical re-submission is UNCHANGED and a different one a
DUPLICATE_RECORD error. The subject's name is not part of it: it belongs to the subject.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gateway.api import (
    MAX_NAME,
    MAX_TEXT,
    ItemError,
    ItemReader,
    Party,
    PartyType,
    RecordKind,
    Submission,
    SubmissionPolicy,
    Validated,
    detail_writer,
    document_key_finder,
    read_decision,
    read_party,
    read_sub_area,
    record_fingerprint,
)
from plugins.urban_management import rules
from plugins.urban_management.tables import urban_inspection
from plugins.urban_management.types import UrbanInspectionInput

MAX_SUB_AREA = 64

# The shared formats, as this domain holds them (each property access builds a new RecordKind).
PENALTIES = rules.URBAN.penalties
LICENSES = rules.URBAN.licenses
LIST_ENTRIES = rules.LISTS.entries


def _read_party(item: ItemReader, raw: UrbanInspectionInput, policy: SubmissionPolicy) -> Party | None:
    """The subject inspected, read as the shared formats read it. One difference is kept, so that
    inspections register subjects as they always have: where the policy knows a code as a kind the
    code cannot have (LEGAL_PERSON for a resident ID number, say), an inspection falls back to the
    kind the code implies, where the core keeps the policy's kind."""
    party = read_party(item, policy, raw.party_code, raw.party_name, PartyType(raw.party_type))
    if party is not None and party.kind not in party.code.allowed_kinds():
        return dataclasses.replace(party, kind=party.code.default_kind)
    return party


def _read_sub_area(item: ItemReader, value: str) -> str | None:
    """A sub-area code, given as the code or its label. Unlike the shared formats' optional sub-area,
    an inspection must name one (a NOT NULL column of at most 64 characters)."""
    given = item.string("subArea", value, MAX_SUB_AREA)
    return read_sub_area(item, rules.SUB_AREAS, given) if given is not None else None


def validate_inspections(inputs: Sequence[UrbanInspectionInput], policy: SubmissionPolicy) -> Validated:
    """Validate inspection results, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        party = _read_party(item, raw, policy)
        # The shared decision fields; an inspection's date is its inspectionDate.
        decision = read_decision(item, policy, raw, decided_on=raw.inspection_date, date_field="inspectionDate")
        sub_area = _read_sub_area(item, raw.sub_area)
        inspection_item = item.string("inspectionItem", raw.inspection_item, MAX_NAME)
        findings = item.string("findings", raw.findings, MAX_TEXT)
        inspector_unit = item.string("inspectorUnit", raw.inspector_unit, MAX_NAME)
        remarks = item.string("remarks", raw.remarks, MAX_TEXT, required=False)
        result = rules.InspectionResult(raw.result)
        for field_name, message in rules.deadline_problems(result, raw.inspection_date, raw.rectification_deadline):
            item.fail(field_name, message)
        if item.failed or party is None or decision is None:
            built.append(None)
            continue
        # Every field read without a failure holds a value; the assert tells the type checker so.
        assert sub_area
        severity = rules.inspection_severity(result)
        envelope = decision.envelope(
            rules.DOMAIN,
            rules.INSPECTION_RECORD_TYPE,
            rules.INSPECTION_CATEGORY,
            rules.inspection_polarity(result).value,
            severity.value if severity else None,
        )
        detail = {
            "party_type": PartyType(raw.party_type).value,
            "inspection_type": rules.InspectionType(raw.inspection_type).value,
            "sub_area": sub_area,
            "inspection_item": inspection_item,
            "result": result.value,
            "findings": findings,
            "rectification_deadline": raw.rectification_deadline,
            "inspector_unit": inspector_unit,
            "remarks": remarks,
        }
        built.append(
            Submission(
                subject_code=party.code,
                subject_name=party.name,
                subject_kind=party.kind,
                envelope=envelope,
                key=(decision.source_unit_code, decision.document_number),
                fingerprint=record_fingerprint(envelope, party.subject_hash, detail),
                detail=detail,
            )
        )
    return Validated(built, errors)


# Held records by (source unit code, document number) whatever their domain and type, with
# fingerprints built as above: a number taken by another kind of record is a clash, not a failed insert.
INSPECTIONS = RecordKind(
    "inspections", validate_inspections, document_key_finder(urban_inspection), detail_writer(urban_inspection)
)
