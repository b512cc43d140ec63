"""A subject's supervision grade from its facts: the rules' arithmetic, free of GraphQL and SQL.

The overall score is the base plus the points of every fact; a domain's score the base plus the points of
that domain's facts. Scores are kept within 0..100; a fact whose rule sets ``at_most`` caps the grade
(overall, and its domain's).

A record counts once: where several sources state facts of the same record (a major tax violation is a
negative record to the core and a black-list entry to the tax plugin), only the fact of the most points
either way scores; the others are shown with ``counted`` false (their caps still hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from gateway.features.supervision.rules import GRADES, GradeRules, Rule
from gateway.hooks.contributions import Fact


@dataclass(frozen=True, slots=True)
class Scored:
    fact: Fact
    domain: str | None
    rule: Rule | None  # None: no rule matched (0 points)
    counted: bool = True  # False: another fact of the same record scored

    @property
    def points(self) -> int:
        return self.rule.points if self.rule and self.counted else 0


@dataclass(frozen=True, slots=True)
class Grade:
    grade: str
    score: int


@dataclass(frozen=True, slots=True)
class Grading:
    overall: Grade
    domains: tuple[tuple[str, Grade], ...]  # by domain name
    explanation: tuple[Scored, ...]  # every fact, in the order given


def _grade(rules: GradeRules, scored: Sequence[Scored]) -> Grade:
    score = max(0, min(100, rules.base + sum(s.points for s in scored)))
    grade = rules.grade_of(score)
    caps = [s.rule.at_most for s in scored if s.rule is not None and s.rule.at_most is not None]
    worst = max([GRADES.index(grade), *(GRADES.index(c) for c in caps)])
    return Grade(GRADES[worst], score)


def grade(rules: GradeRules, facts: Sequence[Fact]) -> Grading:
    scored = _once_per_record([Scored(f, rules.domain_of(f), rules.rule_for(f)) for f in facts])
    domains = sorted({s.domain for s in scored if s.domain})
    per_domain = tuple((d, _grade(rules, [s for s in scored if s.domain == d])) for d in domains)
    return Grading(_grade(rules, scored), per_domain, scored)


def _once_per_record(scored: list[Scored]) -> tuple[Scored, ...]:
    best: dict[int, int] = {}  # record id → index of the fact that scores
    for index, item in enumerate(scored):
        record = item.fact.record_id
        if record is None:
            continue
        if record not in best or abs(item.points) > abs(scored[best[record]].points):
            best[record] = index
    return tuple(
        item if item.fact.record_id is None or best[item.fact.record_id] == index else replace(item, counted=False)
        for index, item in enumerate(scored)
    )
