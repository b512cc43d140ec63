"""GraphQL types of supervision grades and inspection draws.

No postponed annotations here: strawberry reads these annotations at class creation.
"""

import datetime as dt
import enum
from typing import Any, Optional

import strawberry

from gateway.features.supervision.grading import Grade, Grading, Scored
from gateway.graph.arguments import utc


@strawberry.enum(description="A supervision grade (信用分级): A is the most trustworthy, D the least.")
class SupervisionLevel(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


@strawberry.type(description="An attribute of a graded fact.")
class GradeFactAttribute:
    name: str
    value: str


@strawberry.type(description="A fact in force about the subject, and the points it scored.")
class GradeFact:
    kind: str = strawberry.field(
        description="The kind of fact, as the measures catalogue's triggers name it: list, record, broken_commitment, "
        "or a kind a plugin contributes."
    )
    domain: Optional[str] = strawberry.field(description="The domain it counts for; null: none.")  # noqa: UP045
    attributes: list[GradeFactAttribute]
    points: int = strawberry.field(description="Its points under the rules (0: no rule matched, or not counted).")
    counted: bool = strawberry.field(
        description="False when another fact of the same record scored instead: a record counts once."
    )
    caps_at: Optional[SupervisionLevel] = strawberry.field(  # noqa: UP045
        description="The best grade a subject with this fact may have, when the rule caps it."
    )
    record_id: Optional[strawberry.ID] = strawberry.field(  # noqa: UP045
        description="The record (CreditRecord.id) the fact comes from."
    )
    description: str
    since: Optional[dt.date]  # noqa: UP045

    @classmethod
    def of(cls, scored: Scored) -> "GradeFact":
        fact, rule = scored.fact, scored.rule
        return cls(
            kind=fact.kind,
            domain=scored.domain,
            attributes=[GradeFactAttribute(name=n, value=v) for n, v in sorted(fact.attributes.items())],
            points=scored.points,
            counted=scored.counted,
            caps_at=SupervisionLevel(rule.at_most) if rule is not None and rule.at_most else None,
            record_id=strawberry.ID(str(fact.record_id)) if fact.record_id is not None else None,
            description=fact.description,
            since=fact.since,
        )


@strawberry.type(description="The grade the subject's facts of one domain alone earn.")
class DomainGrade:
    domain: str
    grade: SupervisionLevel
    score: int

    @classmethod
    def of(cls, domain: str, found: Grade) -> "DomainGrade":
        return cls(domain=domain, grade=SupervisionLevel(found.grade), score=found.score)


@strawberry.type(description="The subject's supervision grade (信用分级分类监管) today, and why.")
class SupervisionGrade:
    grade: SupervisionLevel
    score: int = strawberry.field(description="The base plus every fact's points, within 0..100.")
    rules_version: str
    inspection_ratio: float = strawberry.field(description="The share of this grade's subjects inspected.")
    domains: list[DomainGrade] = strawberry.field(description="Per domain the subject has facts of.")
    facts: list[GradeFact] = strawberry.field(description="Every fact in force, with its points.")

    @classmethod
    def of(cls, grading: Grading, rules_version: str, ratio: float) -> "SupervisionGrade":
        return cls(
            grade=SupervisionLevel(grading.overall.grade),
            score=grading.overall.score,
            rules_version=rules_version,
            inspection_ratio=ratio,
            domains=[DomainGrade.of(d, g) for d, g in grading.domains],
            facts=[GradeFact.of(s) for s in grading.explanation],
        )


@strawberry.type(description="A grade's inspection ratio in a draw, and how many subjects of it there were.")
class DrawGradeShare:
    grade: SupervisionLevel
    ratio: float
    subjects: int = strawberry.field(description="Subjects of this grade in the population.")


@strawberry.type(description="A subject drawn for inspection.")
class DrawnSubject:
    code: str = strawberry.field(description="The subject's code as shown (a person's ID number masked).")
    name: Optional[str] = strawberry.field(  # noqa: UP045
        description="The organisation's name; null for a natural person, whose name is not published."
    )
    grade: SupervisionLevel = strawberry.field(description="Its grade when drawn.")


@strawberry.type(description="A draw of 双随机 inspections, as published (一公开).")
class InspectionDraw:
    id: strawberry.ID
    drawn_at: dt.datetime
    drawn_by: str = strawberry.field(description="Role and name of who drew it.")
    domain: str
    division: Optional[str] = strawberry.field(description="The division drawn in; null: everywhere.")  # noqa: UP045
    kind: str = strawberry.field(description="What is inspected (检查事项).")
    size: int
    seed: str = strawberry.field(description="The seed: the same inputs and data with it draw the same sample.")
    as_of: dt.date = strawberry.field(description="The day the grades were computed as of.")
    rules_version: str
    population: int = strawberry.field(description="Subjects the draw was made from.")
    shares: list[DrawGradeShare]
    sample: list[DrawnSubject] = strawberry.field(description="The subjects drawn, in draw order.")

    @classmethod
    def of(cls, row: Any) -> "InspectionDraw":
        ratios, counts = row.ratios, row.population
        return cls(
            id=strawberry.ID(str(row.id)),
            drawn_at=utc(row.drawn_at),  # type: ignore[arg-type]
            drawn_by=row.drawn_by,
            domain=row.domain,
            division=row.division_code,
            kind=row.kind,
            size=row.size,
            seed=row.seed,
            as_of=row.as_of,
            rules_version=row.rules_version,
            population=sum(counts.values()),
            shares=[
                DrawGradeShare(grade=SupervisionLevel(g), ratio=ratios[g], subjects=counts.get(g, 0))
                for g in sorted(ratios)
            ],
            sample=[
                DrawnSubject(
                    code=s["code"], name=None if s["person"] else s["name"], grade=SupervisionLevel(s["grade"])
                )
                for s in row.sample
            ],
        )
