"""The measures catalogue as data: the shipped file loads, a faulty one is refused with the line of the fault,
and the rule where rewards meet punishments (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.features.measures.catalogue import (
    DEFAULT_CATALOGUE,
    TRIGGER_KINDS,
    CatalogueError,
    ConflictRule,
    Matter,
    MeasureKind,
    default_catalogue,
    load_catalogue,
    trigger_kinds_without_source,
)
from gateway.features.measures.evaluate import evaluate, reward_withheld, withholding_kinds
from gateway.hooks.contributions import Fact

DAY = dt.date(2026, 11, 30)
GOOD = """version = "t1"

[[measure]]
id = "REWARD_ONE"
kind = "REWARD"
name = "a reward"
matters = ["ADMINISTRATIVE_APPROVAL", "FINANCING"]
effect = "faster"
departments = ["d"]
legal_basis = "law"
valid_from = 2020-01-01
triggers = [{ kind = "list", list_type = "RED" }]

[[measure]]
id = "PUNISHMENT_ONE"
kind = "PUNISHMENT"
name = "a punishment"
matters = ["ADMINISTRATIVE_APPROVAL"]
effect = "stricter"
departments = ["d"]
legal_basis = "law"
valid_from = 2020-01-01
valid_until = 2030-12-31
triggers = [{ kind = "list", domain = "tax", list_type = "BLACK" }, { kind = "tax_grade", grade = ["C", "D"] }]
"""


def red(domain: str = "culture") -> Fact:
    return Fact("list", {"domain": domain, "list_type": "RED"}, 1, "red")


def black(domain: str = "tax") -> Fact:
    return Fact("list", {"domain": domain, "list_type": "BLACK"}, 2, "black")


def test_the_shipped_catalogue_loads() -> None:
    catalogue = default_catalogue()
    assert catalogue.version and catalogue.conflict is ConflictRule.PUNISHMENT_WINS
    assert 8 <= len(catalogue.measures) <= 12
    kinds = {m.kind for m in catalogue.measures}
    assert kinds == {MeasureKind.REWARD, MeasureKind.PUNISHMENT}
    assert {t.kind for m in catalogue.measures for t in m.triggers} == set(TRIGGER_KINDS)
    # Each measure knows its line: the [[measure]] header in the file.
    lines = DEFAULT_CATALOGUE.read_text(encoding="utf-8").splitlines()
    assert all(lines[m.line - 1].strip() == "[[measure]]" for m in catalogue.measures)
    # Without a source of supervision grades (core.supervision's) that measure loads but could never fire.
    assert trigger_kinds_without_source(catalogue, ["list", "record", "broken_commitment", "tax_grade"]) == [
        "supervision_grade"
    ]


def test_a_good_catalogue_loads() -> None:
    catalogue = load_catalogue(GOOD)
    assert catalogue.version == "t1" and [m.id for m in catalogue.measures] == ["REWARD_ONE", "PUNISHMENT_ONE"]
    assert catalogue.measures[1].valid_until == dt.date(2030, 12, 31)
    assert catalogue.measures[0].line == 3 and catalogue.measures[1].line == 14


def _line_of(text: str, needle: str) -> int:
    """The line of the last occurrence (the faults are put in the second measure)."""
    return max(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "line_with", "message"),
    [
        (
            'kind = "tax_grade", grade',
            'kind = "credit_score", grade',
            "credit_score",
            "unknown trigger kind 'credit_score'",
        ),
        ('matters = ["ADMINISTRATIVE_APPROVAL"]', 'matters = ["PARKING"]', "PARKING", "unknown matter 'PARKING'"),
        ("valid_until = 2030-12-31", 'valid_until = "soon"', "soon", "valid_until must be a date"),
        ("valid_until = 2030-12-31", "valid_until = 2019-12-31", "2019-12-31", "before valid_from"),
        ('kind = "PUNISHMENT"', 'kind = "PENALTY"', "PENALTY", "unknown kind 'PENALTY'"),
        ('grade = ["C", "D"]', 'grade = ["C", "E"]', '"E"', "grade 'E' is not one of"),
        ('list_type = "BLACK" }', 'list_type = "BLACK", colour = "x" }', "colour", "no attribute 'colour'"),
        ('effect = "stricter"', 'effect = ""', 'effect = ""', "effect must be a text"),
        ('id = "PUNISHMENT_ONE"', 'id = "REWARD_ONE"', 'id = "REWARD_ONE"', "defined twice (first on line 3)"),
        ('legal_basis = "law"\nvalid_from = 2020-01-01\nvalid_until', 'legal_basis = "law"\nvalid_until', "", ""),
    ],
)
def test_a_faulty_measure_is_refused_with_its_line(old: str, new: str, line_with: str, message: str) -> None:
    assert old in GOOD
    text = GOOD[::-1].replace(old[::-1], new[::-1], 1)[::-1]  # the last occurrence: the second measure
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(text, "test.toml")
    if not line_with:  # a missing key: the measure's header line
        assert raised.value.line == 14 and "valid_from must be a date" in str(raised.value)
        return
    expected = _line_of(text, line_with)
    assert raised.value.line == expected, str(raised.value)
    assert message in str(raised.value) and str(raised.value).startswith(f"test.toml line {expected}:")


def test_not_toml_and_no_version_are_refused_with_a_line() -> None:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(GOOD.replace('name = "a punishment"', "name = a punishment"))
    assert raised.value.line == 17
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(GOOD.replace('version = "t1"', 'edition = "t1"'))
    assert raised.value.line == 1 and "unknown key 'edition'" in str(raised.value)


def test_punishment_wins_by_default_matter_by_matter() -> None:
    catalogue = load_catalogue(GOOD)
    alone = evaluate(catalogue, [red()], DAY)
    assert [(a.measure.id, a.matters) for a in alone.applied] == [
        ("REWARD_ONE", (Matter.ADMINISTRATIVE_APPROVAL, Matter.FINANCING))
    ]
    both = evaluate(catalogue, [red(), black()], DAY)
    reward, punishment = both.applied
    assert reward.matters == (Matter.FINANCING,) and reward.withheld_matters == (Matter.ADMINISTRATIVE_APPROVAL,)
    assert reward.withheld_by == ("PUNISHMENT_ONE",) and punishment.facts == (black(),)
    assert [a.measure.id for a in both.for_matter(Matter.ADMINISTRATIVE_APPROVAL)] == ["PUNISHMENT_ONE"]
    assert [a.measure.id for a in both.for_matter(Matter.FINANCING)] == ["REWARD_ONE"]
    # Withheld on every matter: the reward does not apply at all.
    narrow = load_catalogue(
        GOOD.replace('matters = ["ADMINISTRATIVE_APPROVAL", "FINANCING"]', 'matters = ["ADMINISTRATIVE_APPROVAL"]')
    )
    withheld = evaluate(narrow, [red(), black()], DAY)
    assert [a.measure.id for a in withheld.applied] == ["PUNISHMENT_ONE"]
    assert [a.measure.id for a in withheld.withheld] == ["REWARD_ONE"]
    assert reward_withheld(narrow, "REWARD_ONE", [black()], DAY)
    assert not reward_withheld(catalogue, "REWARD_ONE", [black()], DAY)  # FINANCING stays
    # A punishment no longer valid withholds nothing.
    assert not reward_withheld(narrow, "REWARD_ONE", [black()], dt.date(2031, 1, 1))


def test_only_the_kinds_of_punishments_bearing_on_a_rewards_matters_can_withhold_it() -> None:
    # What the green channel's rule reads: the trigger kinds of the punishments valid today on its matters.
    narrow = load_catalogue(
        GOOD.replace('matters = ["ADMINISTRATIVE_APPROVAL", "FINANCING"]', 'matters = ["ADMINISTRATIVE_APPROVAL"]')
    )
    assert withholding_kinds(narrow, "REWARD_ONE", DAY) == {"list", "tax_grade"}
    # FINANCING has no punishment: nothing can withhold the reward, so no fact need be read.
    assert withholding_kinds(load_catalogue(GOOD), "REWARD_ONE", DAY) == frozenset()
    assert withholding_kinds(narrow, "REWARD_ONE", dt.date(2031, 1, 1)) == frozenset()  # the punishment lapsed
    both = GOOD.replace('kind = "REWARD"', 'kind = "REWARD"\nconflict = "BOTH_APPLY"')
    assert withholding_kinds(load_catalogue(both), "REWARD_ONE", DAY) == frozenset()
    # The shipped green channel: lists (tax black list, any black list) and broken commitments, never grades.
    assert withholding_kinds(default_catalogue(), "CULTURE_GREEN_CHANNEL", DAY) == {"list", "broken_commitment"}
    with pytest.raises(LookupError):
        withholding_kinds(narrow, "PUNISHMENT_ONE", DAY)


def test_a_catalogue_or_a_reward_may_let_both_apply() -> None:
    text = GOOD.replace('version = "t1"', 'version = "t1"\nconflict = "BOTH_APPLY"').replace(
        'matters = ["ADMINISTRATIVE_APPROVAL", "FINANCING"]', 'matters = ["ADMINISTRATIVE_APPROVAL"]'
    )
    both = evaluate(load_catalogue(text), [red(), black()], DAY)
    assert [a.measure.id for a in both.applied] == ["REWARD_ONE", "PUNISHMENT_ONE"]
    own = GOOD.replace('kind = "REWARD"', 'kind = "REWARD"\nconflict = "BOTH_APPLY"')
    assert not evaluate(load_catalogue(own), [red(), black()], DAY).applied[0].withheld_matters
    with pytest.raises(CatalogueError, match="only a reward sets its own conflict rule"):
        load_catalogue(GOOD.replace('kind = "PUNISHMENT"', 'kind = "PUNISHMENT"\nconflict = "BOTH_APPLY"'))


def test_triggers_match_every_attribute_and_validity_bounds_the_measure() -> None:
    catalogue = load_catalogue(GOOD)
    assert [a.measure.id for a in evaluate(catalogue, [black("culture")], DAY).applied] == []
    grade_d = Fact("tax_grade", {"grade": "D", "year": "2025"}, 3, "D")
    assert [a.measure.id for a in evaluate(catalogue, [grade_d], DAY).applied] == ["PUNISHMENT_ONE"]
    assert evaluate(catalogue, [grade_d], dt.date(2031, 1, 1)).applied == ()
    assert evaluate(catalogue, [red()], dt.date(2019, 12, 31)).applied == ()
    # The shipped supervision-grade measure fires once such a fact exists (no source contributes it yet).
    shipped = default_catalogue()
    supervision = Fact("supervision_grade", {"grade": "D", "domain": "market"}, None, "D 类")
    assert [a.measure.id for a in evaluate(shipped, [supervision], DAY).applied] == ["SUPERVISION_GRADE_D_INSPECTION"]
