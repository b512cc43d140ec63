"""GraphQL types of the measures catalogue and of the measures in force for a subject.

No postponed annotations here: strawberry reads these annotations at class creation.
"""

import datetime as dt
from collections.abc import Collection
from typing import Optional

import strawberry

from gateway.features.measures.catalogue import (
    MATTER_LABELS,
    Catalogue,
    ConflictRule,
    Matter,
    Measure,
    MeasureKind,
    Trigger,
)
from gateway.features.measures.evaluate import Applied
from gateway.hooks.contributions import Fact


@strawberry.type(description="A matter (事项) with its Chinese label.")
class MatterLabel:
    matter: Matter
    label: str


@strawberry.type(description="One attribute a trigger matches on, and the values it accepts (any of them).")
class TriggerCondition:
    name: str
    values: list[str]


@strawberry.type(description="What makes a measure apply: a fact of this kind whose attributes match every condition.")
class MeasureTrigger:
    kind: str = strawberry.field(
        description="The kind of fact it matches: list, record, broken_commitment, or a kind a domain provides."
    )
    conditions: list[TriggerCondition]
    sourced: bool = strawberry.field(
        description="Whether a loaded plugin contributes facts of this kind: if not, the trigger never fires."
    )

    @classmethod
    def of(cls, trigger: Trigger, sourced: Collection[str]) -> "MeasureTrigger":
        conditions = [TriggerCondition(name=n, values=sorted(v)) for n, v in sorted(trigger.conditions.items())]
        return cls(kind=trigger.kind, conditions=conditions, sourced=trigger.kind in sourced)


@strawberry.type(name="Measure", description="A joint reward or punishment measure (联合奖惩措施) of the catalogue.")
class MeasureType:
    id: str
    kind: MeasureKind
    name: str
    matters: list[Matter] = strawberry.field(description="The matters it bears on.")
    effect: str = strawberry.field(description="What the implementing departments do.")
    departments: list[str] = strawberry.field(description="The implementing departments.")
    legal_basis: str
    valid_from: dt.date
    valid_until: Optional[dt.date] = strawberry.field(description="The last day it applies; null: open-ended.")  # noqa: UP045
    triggers: list[MeasureTrigger] = strawberry.field(description="Any one of them makes the measure apply.")
    conflict: ConflictRule = strawberry.field(
        description="For a reward, what happens where a punishment bears on the same matter."
    )

    @classmethod
    def of(cls, measure: Measure, catalogue: Catalogue, sourced: Collection[str]) -> "MeasureType":
        return cls(
            id=measure.id,
            kind=measure.kind,
            name=measure.name,
            matters=list(measure.matters),
            effect=measure.effect,
            departments=list(measure.departments),
            legal_basis=measure.legal_basis,
            valid_from=measure.valid_from,
            valid_until=measure.valid_until,
            triggers=[MeasureTrigger.of(t, sourced) for t in measure.triggers],
            conflict=catalogue.rule_for(measure),
        )


@strawberry.type(description="The catalogue of joint rewards and punishments (联合奖惩措施清单) the gateway applies.")
class MeasureCatalogue:
    version: str
    conflict: ConflictRule = strawberry.field(description="The default rule where a reward meets a punishment.")
    matters: list[MatterLabel]
    measures: list[MeasureType]
    number: int = strawberry.field(
        default=0, description="The version's number: 0 for the catalogue the gateway ships, then 1, 2, … as published."
    )
    published_at: Optional[dt.datetime] = strawberry.field(  # noqa: UP045
        default=None, description="When the admin published it; null for the shipped catalogue."
    )

    @classmethod
    def of(
        cls,
        catalogue: Catalogue,
        sourced: Collection[str],
        number: int = 0,
        published_at: Optional[dt.datetime] = None,  # noqa: UP045
    ) -> "MeasureCatalogue":
        return cls(
            number=number,
            published_at=published_at,
            version=catalogue.version,
            conflict=catalogue.conflict,
            matters=[MatterLabel(matter=m, label=label) for m, label in MATTER_LABELS.items()],
            measures=[MeasureType.of(m, catalogue, sourced) for m in catalogue.measures],
        )


@strawberry.type(description="An attribute of a fact, as a trigger matches it.")
class FactAttribute:
    name: str
    value: str


@strawberry.type(description="A fact about the subject that triggered a measure, and the record it comes from.")
class MeasureFact:
    kind: str
    attributes: list[FactAttribute]
    record_id: Optional[strawberry.ID] = strawberry.field(  # noqa: UP045
        description="The record (CreditRecord.id) the fact comes from."
    )
    description: str
    since: Optional[dt.date] = strawberry.field(description="When the fact began (the decision date).")  # noqa: UP045

    @classmethod
    def of(cls, fact: Fact) -> "MeasureFact":
        return cls(
            kind=fact.kind,
            attributes=[FactAttribute(name=n, value=v) for n, v in sorted(fact.attributes.items())],
            record_id=strawberry.ID(str(fact.record_id)) if fact.record_id is not None else None,
            description=fact.description,
            since=fact.since,
        )


@strawberry.type(description="A measure that applies to the subject today, and why.")
class MeasureInForce:
    measure: MeasureType
    matters: list[Matter] = strawberry.field(description="The matters it applies to for this subject.")
    facts: list[MeasureFact] = strawberry.field(description="The subject's facts in force that triggered it.")
    withheld_matters: list[Matter] = strawberry.field(
        description="For a reward: the matters on which a punishment withholds it (the catalogue's conflict rule)."
    )
    withheld_by: list[str] = strawberry.field(description="The ids of the punishments that withhold it.")

    @classmethod
    def of(cls, applied: Applied, catalogue: Catalogue, sourced: Collection[str]) -> "MeasureInForce":
        return cls(
            measure=MeasureType.of(applied.measure, catalogue, sourced),
            matters=list(applied.matters),
            facts=[MeasureFact.of(f) for f in applied.facts],
            withheld_matters=list(applied.withheld_matters),
            withheld_by=list(applied.withheld_by),
        )


@strawberry.type(description="The measures a department must apply to one subject when handling a matter.")
class MeasureCheck:
    code: str = strawberry.field(description="The code as asked.")
    known: bool = strawberry.field(description="Whether the subject is on file (an unknown one has no measures).")
    name: Optional[str]  # noqa: UP045
    restricted: bool = strawberry.field(description="Whether a punishment applies to the subject for the matter.")
    rewarded: bool = strawberry.field(description="Whether a reward applies to the subject for the matter.")
    measures: list[MeasureInForce] = strawberry.field(description="The measures that apply for the matter.")
    withheld_rewards: list[MeasureInForce] = strawberry.field(
        description="Rewards the subject would have for the matter, withheld by a punishment."
    )
