"""The grade rules (rules.toml) checked on load with the line of each fault, the grading arithmetic, and the
weighted draw's reproducibility and weights: no database needed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from gateway.features.supervision.contributed import merged
from gateway.features.supervision.grading import grade
from gateway.features.supervision.rules import DEFAULT_RULES, RulesError, default_rules, load_rules
from gateway.features.supervision.sampling import draw, uniform
from gateway.hooks.contributions import Fact
from plugins.tax.grading import GRADE_RULES as TAX_GRADE_RULES


def _with_tax_rules():  # type: ignore[no-untyped-def]
    """The shipped rules with the tax plugin's (hook grade_rules), as a gateway with the tax domain grades."""
    return merged(default_rules(), [("tax", TAX_GRADE_RULES)])


HEAD = """version = "t1"
base = 80

[grades]
A = 90
B = 70
C = 50

[ratios]
A = 0.03
B = 0.05
C = 0.10
D = 0.30
"""


def _error(text: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        load_rules(text, "test.toml")
    return caught.value


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_rules_load_with_the_default_ratios() -> None:
    rules = default_rules()
    assert rules.ratios == {"A": 0.03, "B": 0.05, "C": 0.10, "D": 0.30}
    assert rules.grade_of(95) == "A" and rules.grade_of(70) == "B" and rules.grade_of(49) == "D"
    assert load_rules(DEFAULT_RULES.read_text(encoding="utf-8")) == rules


@pytest.mark.parametrize(
    ("rule", "needle", "message"),
    [
        ('[[rule]]\nkind = "lists"\npoints = -40\n', 'kind = "lists"', "unknown fact kind 'lists'"),
        ('[[rule]]\nkind = "list"\npoints = -400\n', "points = -400", "points must be a whole number"),
        ('[[rule]]\nkind = "list"\nlist_type = "GREY"\npoints = 1\n', "GREY", "list_type 'GREY' is not one of"),
        ('[[rule]]\nkind = "list"\ncolour = "RED"\npoints = 1\n', "colour", "a list rule has no key 'colour'"),
        ('[[rule]]\nkind = "list"\npoints = 1\nat_most = "E"\n', 'at_most = "E"', "at_most must be one of"),
        (
            '[[domain]]\nname = "tax"\n\n[[domain.rule]]\nkind = "tax_grade"\npoints = 1\n\n'
            '[[domain.rule]]\nkind = "list"\ndomain = "tax"\npoints = 1\n',
            'domain = "tax"',
            "a rule of a domain section names no domain",
        ),
        ('[[domain]]\nname = "tax"\nkinds = ["record"]\n', "kinds =", "kinds lists fact kinds without a domain"),
        ('[[domain]]\nname = "Tax"\n', 'name = "Tax"', "needs a name"),
    ],
)
def test_a_bad_rule_is_refused_with_its_line(rule: str, needle: str, message: str) -> None:
    text = HEAD + "\n" + rule
    error = _error(text)
    assert message in str(error)
    assert error.line == _line_of(text, needle) and f"test.toml line {error.line}:" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("B = 70", "B = 95", "B (95) must be below the grade above it"),
        ("D = 0.30", "D = 1.5", "[ratios] D must be a share above 0 and at most 1"),
        ("C = 0.10", "C = 0", "[ratios] C must be a share"),
        ("base = 80", "base = 180", "base must be a whole number"),
        ('version = "t1"', "version = 1", "the rules need a version"),
    ],
)
def test_bad_headings_are_refused_with_their_line(old: str, new: str, message: str) -> None:
    text = (HEAD + '\n[[rule]]\nkind = "list"\npoints = 1\n').replace(old, new, 1)
    error = _error(text)
    assert message in str(error) and error.line == _line_of(text, new)


def test_unknown_tables_and_invalid_toml_name_their_line() -> None:
    text = HEAD + "\n[thresholds]\nA = 1\n"
    error = _error(text)
    assert "unknown key 'thresholds'" in str(error) and error.line == _line_of(text, "[thresholds]")
    broken = HEAD + '\n[[rule]]\nkind = "list\n'
    assert _error(broken).line == _line_of(broken, 'kind = "list')


def _fact(kind: str, record_id: int, **attributes: str) -> Fact:
    return Fact(kind, attributes, record_id, f"{kind} {record_id}", dt.date(2026, 1, 1))


def test_a_black_list_entry_grades_d_whatever_else_the_subject_has() -> None:
    rules = _with_tax_rules()
    facts = [
        _fact("list", 1, domain="culture", list_type="RED"),
        _fact("list", 2, domain="tax", list_type="BLACK"),
        _fact("tax_grade", 3, grade="A", year="2025"),
        _fact("record", 4, domain="culture", category="X", polarity="POSITIVE"),
    ]
    graded = grade(rules, facts)
    # 80 + 10 - 40 + 10 + 5 = 65 (C by score), capped at D by the black list.
    assert (graded.overall.grade, graded.overall.score) == ("D", 65)
    assert [(s.fact.record_id, s.points, s.domain) for s in graded.explanation] == [
        (1, 10, "culture"),
        (2, -40, "tax"),
        (3, 10, "tax"),  # a tax grade has no domain attribute: the tax section claims the kind
        (4, 5, "culture"),
    ]
    assert dict(graded.domains) == {"culture": graded.domains[0][1], "tax": graded.domains[1][1]}
    assert graded.domains[0][1].grade == "A" and graded.domains[0][1].score == 95
    assert graded.domains[1][1].grade == "D" and graded.domains[1][1].score == 50


def test_the_first_matching_rule_scores_and_unmatched_facts_score_nothing() -> None:
    rules = default_rules()
    facts = [
        _fact("record", 1, domain="tax", category="P", polarity="NEGATIVE", severity="SERIOUS"),
        _fact("record", 2, domain="tax", category="P", polarity="NEGATIVE"),
        _fact("tax_grade", 3, grade="M", year="2025"),
        _fact("broken_commitment", 4, domain="culture"),
    ]
    graded = grade(rules, facts)
    assert [s.points for s in graded.explanation] == [-20, -5, 0, -15]
    assert graded.explanation[2].rule is None
    assert (graded.overall.grade, graded.overall.score) == ("D", 40)
    assert grade(rules, []).overall.grade == "B" and grade(rules, []).domains == ()


def test_a_draw_is_reproducible_and_depends_on_the_seed() -> None:
    population = [(sid, "ABCD"[sid % 4]) for sid in range(1, 501)]
    ratios = default_rules().ratios
    first = draw("2026-11-30#1", population, ratios, 25)
    assert first == draw("2026-11-30#1", list(reversed(population)), ratios, 25)  # order of the rows: no matter
    assert len({sid for sid, _ in first}) == 25
    assert first != draw("2026-11-30#2", population, ratios, 25)
    assert 0 < uniform("s", 1) < 1 and uniform("s", 1) != uniform("s", 2)


def test_a_d_heavy_population_draws_d_subjects_far_more_often_than_a() -> None:
    # 300 A and 300 D subjects; D is inspected ten times as often (0.30 against 0.03). Over 40 fixed seeds of
    # 30 draws each, A's expected share is about 1/11: the bounds below leave a wide margin either way.
    population = [(sid, "A" if sid <= 300 else "D") for sid in range(1, 601)]
    totals: Counter[str] = Counter()
    for n in range(40):
        totals.update(g for _, g in draw(f"seed-{n}", population, default_rules().ratios, 30))
    assert totals["A"] + totals["D"] == 1200
    assert 800 / 1200 < totals["D"] / 1200 < 0.99
    assert totals["D"] > 5 * totals["A"]
    # Equal weights: both halves are drawn alike.
    even = Counter(g for n in range(40) for _, g in draw(f"seed-{n}", population, {"A": 0.1, "D": 0.1}, 30))
    assert 0.4 < even["D"] / 1200 < 0.6


def test_a_record_stated_by_two_sources_counts_once_by_its_weightiest_fact() -> None:
    rules = default_rules()
    facts = [
        _fact("record", 7, domain="tax", category="V", polarity="NEGATIVE", severity="SERIOUS"),
        _fact("list", 7, domain="tax", list_type="BLACK"),
        _fact("list", 8, domain="culture", list_type="RED"),
    ]
    graded = grade(rules, facts)
    assert [(s.points, s.counted) for s in graded.explanation] == [(0, False), (-40, True), (10, True)]
    assert (graded.overall.grade, graded.overall.score) == ("D", 50)
