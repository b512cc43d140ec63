"""Which measures apply to a subject today, from its facts: the catalogue's rule, free of GraphQL and SQL.

A measure applies while it is valid and one of the subject's facts matches one of its triggers. Where a
reward and a punishment that apply meet on a matter, the reward's conflict rule (its own, else the
catalogue's) decides: under PUNISHMENT_WINS the reward is withheld for that matter, and a reward withheld
for every one of its matters does not apply at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.features.measures.catalogue import Catalogue, ConflictRule, Matter, Measure, MeasureKind
from gateway.hooks.contributions import Fact


@dataclass(frozen=True, slots=True)
class Applied:
    """A measure triggered for a subject: the matters it applies to, the facts that triggered it, and (for a
    reward) the matters withheld by punishments, naming them."""

    measure: Measure
    matters: tuple[Matter, ...]
    facts: tuple[Fact, ...]
    withheld_matters: tuple[Matter, ...] = ()
    withheld_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    applied: tuple[Applied, ...]  # catalogue order
    withheld: tuple[Applied, ...]  # rewards triggered but withheld for every matter

    def for_matter(self, matter: Matter | None) -> list[Applied]:
        return [a for a in self.applied if matter is None or matter in a.matters]

    def withheld_for(self, matter: Matter | None) -> list[Applied]:
        return [a for a in self.withheld if matter is None or matter in a.withheld_matters]


def evaluate(catalogue: Catalogue, facts: Sequence[Fact], day: dt.date) -> Evaluation:
    triggered: list[tuple[Measure, tuple[Fact, ...]]] = []
    for measure in catalogue.measures:
        if not measure.valid_on(day):
            continue
        matching = tuple(f for f in facts if any(t.matches(f) for t in measure.triggers))
        if matching:
            triggered.append((measure, matching))
    punishments = [m for m, _ in triggered if m.kind is MeasureKind.PUNISHMENT]
    applied: list[Applied] = []
    withheld: list[Applied] = []
    for measure, matching in triggered:
        if measure.kind is MeasureKind.PUNISHMENT or catalogue.rule_for(measure) is ConflictRule.BOTH_APPLY:
            applied.append(Applied(measure, measure.matters, matching))
            continue
        blocking = [p for p in punishments if set(p.matters) & set(measure.matters)]
        lost = tuple(m for m in measure.matters if any(m in p.matters for p in blocking))
        kept = tuple(m for m in measure.matters if m not in lost)
        result = Applied(measure, kept, matching, lost, tuple(p.id for p in blocking))
        (applied if kept else withheld).append(result)
    return Evaluation(tuple(applied), tuple(withheld))


def _bearing_punishments(catalogue: Catalogue, measure_id: str, day: dt.date) -> tuple[Measure, list[Measure]] | None:
    """The reward ``measure_id`` and the punishments valid on ``day`` that bear on one of its matters; None
    when nothing can withhold it (its rule is BOTH_APPLY, or one of its matters has no such punishment)."""
    measure = catalogue.get(measure_id)
    if measure is None or measure.kind is not MeasureKind.REWARD:
        raise LookupError(f"the measures catalogue has no reward {measure_id!r}")
    if catalogue.rule_for(measure) is ConflictRule.BOTH_APPLY:
        return None
    bearing = [
        p
        for p in catalogue.measures
        if p.kind is MeasureKind.PUNISHMENT and p.valid_on(day) and set(p.matters) & set(measure.matters)
    ]
    if not all(any(m in p.matters for p in bearing) for m in measure.matters):
        return None
    return measure, bearing


def withholding_kinds(catalogue: Catalogue, measure_id: str, day: dt.date) -> frozenset[str]:
    """The fact kinds that could withhold the reward ``measure_id`` on ``day``: the trigger kinds of the
    punishments valid that day that bear on one of its matters. Empty when nothing can withhold it, so a
    caller need load no facts at all, and otherwise only those of these kinds (the green channel's rule
    reads the lists, not the tax grades)."""
    found = _bearing_punishments(catalogue, measure_id, day)
    return frozenset() if found is None else frozenset(t.kind for p in found[1] for t in p.triggers)


def reward_withheld(catalogue: Catalogue, measure_id: str, facts: Sequence[Fact], day: dt.date) -> bool:
    """Whether the catalogue's rule withholds the reward ``measure_id`` (for every one of its matters) from a
    subject with these facts, whether or not the reward itself is triggered: a domain's own reward (the
    culture green channel) asks this before granting it."""
    found = _bearing_punishments(catalogue, measure_id, day)
    if found is None:
        return False
    measure, bearing = found
    punished = {m for p in bearing if any(t.matches(f) for f in facts for t in p.triggers) for m in p.matters}
    return all(m in punished for m in measure.matters)
