"""``grade_rules``: a plugin's grade rules for its own domain score its facts before the general rules of
tiered supervision (core.supervision), change the rules version shown with every grade, and a bad one
(an unknown kind, a rule for another domain, a kind two plugins claim) stops the start naming the plugin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pytest
import sqlalchemy as sa
from fixture_plugins import started
from sqlalchemy.ext.asyncio import AsyncConnection
from test_hook_startup import lifespan

from gateway.api import ConfigurationError, Fact, FactSource, GradeRule, any_of, hookimpl, subject
from gateway.features.supervision.contributed import merged
from gateway.features.supervision.rules import default_rules
from gateway.host.demo import demo_subjects

QUERY = """query($c: [String!]!) { subjects(codes: $c) { supervisionGrade {
  grade score rulesVersion domains { domain grade score } facts { kind domain points capsAt } } } }"""


class GradedDomain:
    """The ``hookfix`` domain: every subject has one general negative record of it, which its own rule makes
    weigh -30 and cap the grade at C (the general rules would take 10 points off, leaving a B)."""

    def __init__(self, rules: Sequence[object]) -> None:
        self.rules = rules

    async def load(self, conn: AsyncConnection, subject_ids: Sequence[int], today: dt.date) -> Mapping[int, list[Fact]]:
        rows = await conn.execute(
            sa.select(subject.c.id).where(any_of(subject.c.id, name="ids")), {"ids": list(subject_ids)}
        )
        attributes = {"domain": "hookfix", "category": "LATE_FILING", "polarity": "NEGATIVE", "severity": "GENERAL"}
        return {row.id: [Fact("record", attributes, None, "逾期申报")] for row in rows}

    @hookimpl
    def measure_facts(self) -> Sequence[FactSource]:
        return [FactSource(("record",), self.load)]

    @hookimpl
    def grade_rules(self) -> Sequence[object]:
        return self.rules


OWN_RULES = [GradeRule("record", -30, at_most="C", polarity="NEGATIVE", category=["LATE_FILING", "NO_FILING"])]


async def test_hook_grade_rules(database_url: str | None) -> None:
    async with started(database_url, ("hookfix", GradedDomain(OWN_RULES))) as gw:
        admin = await gw.create_key("admin")
        codes = [s.code.value for s in demo_subjects(20)][:3]
        body = await gw.graphql(QUERY, {"c": codes}, key=admin)
        assert "errors" not in body, body
        for found in body["data"]["subjects"]:
            grade = found["supervisionGrade"]
            assert (grade["grade"], grade["score"]) == ("C", 50)
            assert grade["domains"] == [{"domain": "hookfix", "grade": "C", "score": 50}]
            assert grade["facts"] == [{"kind": "record", "domain": "hookfix", "points": -30, "capsAt": "C"}]
            assert grade["rulesVersion"] == merged(default_rules(), [("hookfix", OWN_RULES)]).version
            assert grade["rulesVersion"].startswith(f"{default_rules().version}+")
        async with lifespan(gw.app):  # good rules start
            pass


def test_the_rules_version_changes_with_a_plugins_rules() -> None:
    base = default_rules()
    versions = {
        merged(base, [("hookfix", OWN_RULES)]).version,
        merged(base, [("hookfix", [GradeRule("record", -31, at_most="C", polarity="NEGATIVE")])]).version,
        merged(base, [("hookfix", [GradeRule("record", -30, polarity="NEGATIVE")])]).version,
        merged(base, [("other", OWN_RULES)]).version,
    }
    assert len(versions) == 4 and merged(base, []).version == base.version
    assert merged(base, [("hookfix", list(OWN_RULES))]).version == merged(base, [("hookfix", OWN_RULES)]).version


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            [GradeRule("credit_score", 5)],
            r"Plugin 'hookfix': hook grade_rules, rule 1: .*unknown fact kind 'credit_score'",
        ),
        (
            [GradeRule("list", -40, list_type="BLACK", domain="tax")],
            r"Plugin 'hookfix': hook grade_rules, rule 1: a plugin contributes rules for its own domain only",
        ),
        ([GradeRule("record", 500)], r"Plugin 'hookfix': .*points must be a whole number from -100 to 100"),
        ([GradeRule("record", 5, colour="RED")], r"Plugin 'hookfix': .*a record rule has no key 'colour'"),
        (["not a rule"], r"Plugin 'hookfix': hook grade_rules, rule 1: a GradeRule is needed"),
    ],
)
async def test_a_bad_contribution_stops_the_start(database_url: str | None, rules: list[object], message: str) -> None:
    async with started(database_url, ("hookfix", GradedDomain(rules))) as gw:
        with pytest.raises(ConfigurationError, match=message):
            async with lifespan(gw.app):
                pass


def test_a_kind_two_plugins_claim_is_refused() -> None:
    claims = [("hookfix", [GradeRule("tax_grade", 5, grade="A")]), ("tax", [GradeRule("tax_grade", 10, grade="A")])]
    with pytest.raises(ConfigurationError, match=r"Plugin 'tax': hook grade_rules: fact kind 'tax_grade' is already"):
        merged(default_rules(), claims)
