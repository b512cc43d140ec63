"""What a query opinion (信用信息查询意见) says about each subject, read in a constant number of statements.

For the subjects of one verification, whatever their number: one statement for the records (dishonesty
information and list memberships, with whether a person must look at them first), one for the
commitments, and the measures' own (one per fact source, and the catalogue in force once per request).

- Dishonesty information: negative records in force (active: not repaired or revoked; inside their
  publicity window) whose decision lies within the five years before the request day (the rule that
  withholds older dishonesty information, ``dishonesty_withheld_after_years``).
- List memberships: red and black list entries in force, not removed.
- Measures: those the catalogue applies for the matter (all when no matter is named), with their facts.
- Commitments: ACTIVE ones valid on the day, not NOT_DISCLOSABLE (an opinion is read by a department of any
  domain), of a type that bears on the matter (:data:`COMMITMENT_MATTERS`).

A person must look (the opinion is PENDING) where a dishonesty record is disputed (异议 open) or has a
repair application awaiting its decision: its outcome changes what the opinion says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.db.bulk import any_of
from gateway.db.tables import credit_list_entry, credit_record, repair_application
from gateway.features.lifecycle.commitment_store import COMMITMENT_TYPES, NOT_DISCLOSABLE
from gateway.features.lifecycle.tables import credit_commitment
from gateway.features.measures.catalogue import Matter
from gateway.features.measures.evaluate import Applied, evaluate
from gateway.features.measures.facts import in_force_clause
from gateway.features.measures.queries import facts_of_all
from gateway.features.measures.versions import catalogue_in_force
from gateway.records.enums import Polarity
from gateway.records.publicity import current_rules, withheld_cutoff

DISPUTED = "DISPUTED"  # a dispute about the record is open
REPAIR_APPLIED = "REPAIR_APPLIED"  # a repair application awaits its decision

_ALL_MATTERS = frozenset(Matter)
# Which matters a commitment of each type bears on. The types made in place of an approval, a missing
# document or a certificate are made when a matter is handled, so they bear on the matters that ask for
# approvals and certificates; the others (repair, industry self-regulation, voluntary) speak to the
# subject's conduct in general and bear on every matter.
COMMITMENT_MATTERS: Mapping[str, frozenset[Matter]] = {
    "IN_PLACE_OF_APPROVAL": frozenset({Matter.ADMINISTRATIVE_APPROVAL, Matter.MARKET_ACCESS}),
    "MISSING_DOCUMENTS": frozenset({Matter.ADMINISTRATIVE_APPROVAL, Matter.MARKET_ACCESS, Matter.PUBLIC_FUNDING}),
    "IN_PLACE_OF_CERTIFICATE": frozenset(
        {
            Matter.ADMINISTRATIVE_APPROVAL,
            Matter.MARKET_ACCESS,
            Matter.PUBLIC_PROCUREMENT,
            Matter.PUBLIC_RESOURCE_TRADING,
            Matter.PUBLIC_FUNDING,
            Matter.AWARDS_AND_HONOURS,
        }
    ),
    "CREDIT_REPAIR": _ALL_MATTERS,
    "INDUSTRY_SELF_REGULATION": _ALL_MATTERS,
    "VOLUNTARY": _ALL_MATTERS,
}
# A commitment type the lifecycle adds must be placed here, or the start fails.
assert set(COMMITMENT_MATTERS) == set(COMMITMENT_TYPES), "every commitment type needs its matters"

_REPAIR_AWAITED = (
    sa.exists()
    .where(repair_application.c.record_id == credit_record.c.id, repair_application.c.state == "APPLIED")
    .label("repair_applied")
)
# Built once: one SQL text for any number of subjects (gateway.db.bulk.any_of).
_RECORDS = (
    sa.select(
        credit_record.c.id,
        credit_record.c.subject_id,
        credit_record.c.domain,
        credit_record.c.category,
        credit_record.c.polarity,
        credit_record.c.severity,
        credit_record.c.decision_date,
        credit_record.c.document_number,
        credit_record.c.deciding_authority,
        credit_record.c.published_until,
        credit_record.c.disputed,
        credit_list_entry.c.record_id.label("list_record_id"),
        credit_list_entry.c.list_type,
        credit_list_entry.c.list_name,
        credit_list_entry.c.removal_date,
        _REPAIR_AWAITED,
    )
    .select_from(credit_record.outerjoin(credit_list_entry, credit_list_entry.c.record_id == credit_record.c.id))
    .where(
        any_of(credit_record.c.subject_id, name="subject_ids"),
        in_force_clause(),
        sa.or_(credit_record.c.polarity == Polarity.NEGATIVE.value, credit_list_entry.c.record_id.is_not(None)),
        sa.or_(
            credit_list_entry.c.removal_date.is_(None),
            credit_list_entry.c.removal_date > sa.bindparam("day", type_=sa.Date),
        ),
    )
    .order_by(credit_record.c.subject_id, credit_record.c.decision_date.desc(), credit_record.c.id.desc())
)
_COMMITMENTS = (
    sa.select(
        credit_commitment.c.id,
        credit_commitment.c.subject_id,
        credit_commitment.c.domain,
        credit_commitment.c.commitment_type,
        credit_commitment.c.content,
        credit_commitment.c.valid_from,
        credit_commitment.c.valid_until,
        credit_commitment.c.disclosure,
    )
    .where(
        any_of(credit_commitment.c.subject_id, name="subject_ids"),
        credit_commitment.c.state == "ACTIVE",
        credit_commitment.c.valid_from <= sa.bindparam("day", type_=sa.Date),
        credit_commitment.c.valid_until >= sa.bindparam("day", type_=sa.Date),
        credit_commitment.c.disclosure != NOT_DISCLOSABLE,
    )
    .order_by(credit_commitment.c.subject_id, credit_commitment.c.id)
)


@dataclass(frozen=True, slots=True)
class Asked:
    """One subject as asked: the code as it may be shown, and its row (None: not on file)."""

    code: str
    row: Any

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "subjectId": self.row.id if self.row is not None else None}


@dataclass(frozen=True, slots=True)
class Findings:
    """What the sources hold about the subjects: the items of the opinion, and what a person must look at."""

    items: list[dict[str, Any]]
    review: list[dict[str, Any]]


async def find(
    info: Info, asked: Sequence[Asked], matter: Matter | None, requested_on: dt.date, day: dt.date
) -> Findings:
    """The opinion's items as of ``day``, dishonesty counted back five years from ``requested_on``."""
    ids = list(dict.fromkeys(a.row.id for a in asked if a.row is not None))
    records: dict[int, list[Any]] = {}
    commitments: dict[int, list[Any]] = {}
    facts: dict[int, Any] = {}
    catalogue_version = None
    if ids:
        cutoff = withheld_cutoff(requested_on, current_rules().dishonesty_withheld_after_years)
        async with info.context.engine.connect() as conn:
            params = {"subject_ids": ids, "day": day, "withheld_cutoff": cutoff}
            for row in await conn.execute(_RECORDS, params):
                records.setdefault(row.subject_id, []).append(row)
            for row in await conn.execute(_COMMITMENTS, {"subject_ids": ids, "day": day}):
                commitments.setdefault(row.subject_id, []).append(row)
        facts = dict(zip(ids, await facts_of_all(info, ids), strict=True))
        in_force = await catalogue_in_force(info)
        catalogue_version = in_force.catalogue.version
        evaluations = {sid: evaluate(in_force.catalogue, facts[sid], day) for sid in ids}
    items: list[dict[str, Any]] = []
    review: list[dict[str, Any]] = []
    for one in asked:
        if one.row is None:
            items.append({"code": one.code, "subjectId": None, "found": False, "name": None})
            continue
        sid = one.row.id
        held = records.get(sid, [])
        dishonesty = [r for r in held if r.polarity == Polarity.NEGATIVE.value]
        review.extend(
            {"subjectId": sid, "recordId": int(r.id), "reason": reason}
            for r in dishonesty
            for reason, flagged in ((DISPUTED, r.disputed), (REPAIR_APPLIED, r.repair_applied))
            if flagged
        )
        items.append(
            {
                "code": one.code,
                "subjectId": sid,
                "found": True,
                "name": one.row.name,
                "dishonesty": [_record(r) for r in dishonesty],
                "lists": [_listing(r) for r in held if r.list_record_id is not None],
                "measures": [_measure(a) for a in evaluations[sid].for_matter(matter)],
                "commitments": [
                    _commitment(c)
                    for c in commitments.get(sid, [])
                    if matter is None or matter in COMMITMENT_MATTERS.get(c.commitment_type, _ALL_MATTERS)
                ],
                "catalogueVersion": catalogue_version,
            }
        )
    return Findings(items, review)


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _record(row: Any) -> dict[str, Any]:
    return {
        "recordId": int(row.id),
        "domain": row.domain,
        "category": row.category,
        "severity": row.severity,
        "decisionDate": _day(row.decision_date),
        "documentNumber": row.document_number,
        "decidingAuthority": row.deciding_authority,
        "publishedUntil": _day(row.published_until),
    }


def _listing(row: Any) -> dict[str, Any]:
    return {
        "recordId": int(row.id),
        "domain": row.domain,
        "listType": row.list_type,
        "listName": row.list_name,
        "decisionDate": _day(row.decision_date),
        "removalDate": _day(row.removal_date),
    }


def _measure(applied: Applied) -> dict[str, Any]:
    measure = applied.measure
    return {
        "id": measure.id,
        "name": measure.name,
        "kind": measure.kind.value,
        "effect": measure.effect,
        "legalBasis": measure.legal_basis,
        "matters": [m.value for m in applied.matters],
        "facts": [
            {
                "kind": f.kind,
                "recordId": f.record_id,
                "description": f.description,
                "since": _day(f.since),
            }
            for f in applied.facts
        ],
    }


def _commitment(row: Any) -> dict[str, Any]:
    return {
        "id": int(row.id),
        "domain": row.domain,
        "commitmentType": row.commitment_type,
        "content": row.content,
        "validFrom": _day(row.valid_from),
        "validUntil": _day(row.valid_until),
        "disclosure": row.disclosure,
    }
