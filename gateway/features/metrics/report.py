"""What the collection metrics report: GraphQL types, also what the export writes (one shape for both)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import strawberry


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four places; None for an empty whole (no records: no rate, not 0%)."""
    return round(part / whole, 4) if whole else None


@strawberry.type(name="CollectionKindVolume", description="Records of one kind (record type and category).")
class KindVolume:
    record_type: str
    category: str
    records: int


@strawberry.type(description="Counts and rates of a department or of one of its source units, for the year.")
class CollectionFigures:
    records: int = strawberry.field(description="Records decided in the year (by decision date).")
    by_kind: list[KindVolume] = strawberry.field(description="The records by kind, by record type and category.")
    timely: int = strawberry.field(description="Of them, published within 7 working days of the decision.")
    late: int = strawberry.field(description="Of them, published later, or never (arrived past their window).")
    timely_share: float | None = strawberry.field(description="timely / records; null without records.")
    disputed: int = strawberry.field(description="Of them, records a dispute (异议) was ever filed about.")
    dispute_rate: float | None
    corrected: int = strawberry.field(description="Of them, records a dispute corrected (an earlier revision kept).")
    correction_rate: float | None
    revoked: int = strawberry.field(description="Of them, records revoked (by a dispute or otherwise).")
    revocation_rate: float | None
    disputes_forwarded: int = strawberry.field(
        description="Disputes about the unit's records (of any year) forwarded to the department in the year."
    )
    disputes_answered_late: int = strawberry.field(
        description="Of them, verified after the verification deadline, or still unverified past it."
    )
    repairs_approved: int = strawberry.field(description="Credit repair applications approved in the year.")
    repairs_rejected: int = strawberry.field(description="Credit repair applications rejected in the year.")


@strawberry.type(description="A record published later than 7 working days after its decision.")
class LateRecord:
    record_id: strawberry.ID
    record_type: str
    category: str
    document_number: str | None
    decision_date: dt.date
    deadline: dt.date = strawberry.field(description="The 7th working day after the decision.")
    submitted_at: dt.datetime
    published_at: dt.datetime | None = strawberry.field(
        description="The submission when the record was public on arrival; null when it arrived already past its "
        "publicity window (or withheld by the five-year rule) and was never published."
    )
    working_days: int | None = strawberry.field(
        description="Working days from the decision to the submission; null beyond twenty years."
    )


@strawberry.type(description="One data source unit of a department.")
class SourceUnitMetrics:
    source_unit_code: str
    source_unit: str
    figures: CollectionFigures
    late_records: list[LateRecord] = strawberry.field(
        description="The late records, earliest decision first, at most lateFirst of them (figures.late counts all)."
    )


@strawberry.type(description="Credit commitments (信用承诺) of a department's domain in the year.")
class CommitmentFigures:
    made: int = strawberry.field(description="Commitments made in the year.")
    broken: int = strawberry.field(description="Commitments found broken (breached) in the year.")


@strawberry.type(description="One department (domain), over its source units.")
class DepartmentMetrics:
    domain: str
    figures: CollectionFigures = strawberry.field(description="Over every source unit in scope, listed or not.")
    commitments: CommitmentFigures | None = strawberry.field(
        description="Null when a division was asked for: commitments are made to a domain, not in a division."
    )
    source_unit_count: int = strawberry.field(description="Source units with figures, listed or not.")
    source_units: list[SourceUnitMetrics] = strawberry.field(
        description="By source unit code, at most 1000 of them (sourceUnitCount counts all)."
    )


@strawberry.type(description="How departments collected and reported credit information in a year (年度评估).")
class CollectionMetrics:
    year: int
    division: str | None
    source_unit_code: str | None
    timely_working_days: int = strawberry.field(description="The timeliness limit: 7 working days.")
    as_of: dt.date = strawberry.field(
        description="The day the figures were worked out (open disputes are late as of it)."
    )
    departments: list[DepartmentMetrics]


@dataclass
class Tally:
    """Figures being added up (mutable), made a :class:`CollectionFigures` at the end."""

    records: int = 0
    by_kind: dict[tuple[str, str], int] = field(default_factory=dict)
    timely: int = 0
    disputed: int = 0
    corrected: int = 0
    revoked: int = 0
    disputes_forwarded: int = 0
    disputes_answered_late: int = 0
    repairs_approved: int = 0
    repairs_rejected: int = 0

    def add(self, other: Tally) -> None:
        for name in (
            "records",
            "timely",
            "disputed",
            "corrected",
            "revoked",
            "disputes_forwarded",
            "disputes_answered_late",
            "repairs_approved",
            "repairs_rejected",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for kind, count in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + count

    def figures(self) -> CollectionFigures:
        return CollectionFigures(
            records=self.records,
            by_kind=[KindVolume(record_type=t, category=c, records=n) for (t, c), n in sorted(self.by_kind.items())],
            timely=self.timely,
            late=self.records - self.timely,
            timely_share=share(self.timely, self.records),
            disputed=self.disputed,
            dispute_rate=share(self.disputed, self.records),
            corrected=self.corrected,
            correction_rate=share(self.corrected, self.records),
            revoked=self.revoked,
            revocation_rate=share(self.revoked, self.records),
            disputes_forwarded=self.disputes_forwarded,
            disputes_answered_late=self.disputes_answered_late,
            repairs_approved=self.repairs_approved,
            repairs_rejected=self.repairs_rejected,
        )
