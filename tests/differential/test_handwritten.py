"""Hand-written operations for what generated ones rarely reach: fragments (named, inline, nested, on the
CreditRecord interface and the _Entity union), aliases, @include/@skip, variables with defaults and
missing, enum and list arguments, __typename everywhere, and errors at several depths (invalid codes,
a partner's unauthorised subject and forbidden field, a page size over the maximum, and a plugin whose
resolvers raise: null must bubble to the nearest nullable parent). Each runs on both backends as every
kind of caller, and graphql-core's answer is the oracle.

Where a case is there for an error, ``EXPECTED`` also checks that the oracle's answer has it, so that
a change of the seeded data cannot quietly turn the case into one that compares nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from differential.pair import OTHER, PERSON, SHOWCASE, THIRD, Answer, EnginePair

CALLERS = ["admin", "public", "department:tax", "subject", "partner"]

WHO = """fragment Who on CreditSubject { __typename code name kind region { __typename code name } }"""
ENVELOPE = """fragment Envelope on CreditRecord { __typename id domain polarity decisionDate status }"""
PROBE = """probe { __typename label asyncLabel inner { value note } strict { value } items { value }
  looseItems { value note } tags(first: 3) }"""

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "named fragments": (
        f"""query Profile($c: String!) {{ subject(code: $c) {{ ...Who records {{ ...Envelope }} }} }}
        {WHO} {ENVELOPE}""",
        {"c": SHOWCASE},
    ),
    "inline fragments on the record interface": (
        """query($c: String!) { subject(code: $c) { records { __typename id
          ... on TaxCreditRating { year grade } ... on MajorTaxViolation { amountInvolved facts }
          ... on CreditRecord { status polarity } ... { subjectName } } } }""",
        {"c": SHOWCASE},
    ),
    "nested fragments": (
        f"""query($c: [String!]!) {{ subjects(codes: $c) {{ ...Outer }} }}
        fragment Outer on CreditSubject {{ ...Who tax {{ ...Tax }} records(first: 3) {{ ...Envelope }} }}
        fragment Tax on TaxProfile {{ isMajorViolator latestRating {{ ...Rating }} ratings {{ ...Rating }} }}
        fragment Rating on TaxCreditRating {{ year grade ... on CreditRecord {{ ...Envelope }} }}
        {WHO} {ENVELOPE}""",
        {"c": [SHOWCASE, OTHER]},
    ),
    "fragments on the entity union": (
        f"""query($r: [_Any!]!) {{ _entities(representations: $r) {{ __typename ... on CreditSubject {{ ...Who
          records(first: 2) {{ ... on TaxCreditRating {{ grade }} ...Envelope }} }} }} }} {WHO} {ENVELOPE}""",
        {"r": [{"__typename": "CreditSubject", "code": code} for code in (SHOWCASE, OTHER, THIRD, PERSON)]},
    ),
    "entities with an invalid and an unknown representation": (
        """{ _entities(representations: [{__typename: "CreditSubject", code: "91350100M000100Y43"},
          {__typename: "CreditSubject", code: "nope"}, {__typename: "Nope", code: "x"}]) {
          ... on CreditSubject { name } } }""",
        {},
    ),
    "aliases of one field with different arguments": (
        """query($c: String!) { a: subject(code: $c) { name negative: records(polarity: NEGATIVE) { id }
          positive: records(polarity: POSITIVE) { id } two: records(first: 2) { id } tax: records(domain: "tax")
          { id } records { id } } b: subject(code: "91110000600037341L") { code name } }""",
        {"c": SHOWCASE},
    ),
    "the same field twice, merged": (
        """query($c: String!) { subject(code: $c) { name name tax { ratings { year } ratings { grade year } }
          ... on CreditSubject { name code } } }""",
        {"c": SHOWCASE},
    ),
    "include and skip with variables and literals": (
        """query($c: String!, $withTax: Boolean!, $noName: Boolean = true, $unset: Boolean = false) {
          subject(code: $c) { name @skip(if: $noName) code @skip(if: false) kind @include(if: true)
            tax @include(if: $withTax) { isMajorViolator } records @include(if: false) { id }
            region @skip(if: $unset) @include(if: $withTax) { name } } }""",
        {"c": SHOWCASE, "withTax": True},
    ),
    "include and skip on fragments": (
        f"""query($c: String!, $yes: Boolean!) {{ subject(code: $c) {{ ...Who @include(if: $yes)
          ... on CreditSubject @skip(if: $yes) {{ kind }} ... @include(if: $yes) {{ records(first: 1) {{ id }} }}
          tax {{ ... on TaxProfile @skip(if: true) {{ isMajorViolator }} }} }}
          skipped: subject(code: $c) @skip(if: $yes) {{ name }} }} {WHO}""",
        {"c": SHOWCASE, "yes": True},
    ),
    "variables with defaults, and optional ones missing": (
        """query($c: String! = "91350100M000100Y43", $first: Int, $polarity: Polarity = NEGATIVE, $domain: String,
          $none: String = null) { subject(code: $c) { records(polarity: $polarity, domain: $domain, first: $first)
          { id polarity } all: records(domain: $none) { id } } }""",
        {},
    ),
    "an explicit null variable": (
        """query($c: String!, $d: String, $p: Polarity) { subject(code: $c) { records(domain: $d, polarity: $p)
          { id } } }""",
        {"c": SHOWCASE, "d": None, "p": None},
    ),
    "enum and list arguments": (
        """{ cultureRedBlackList(listType: BLACK, first: 3) { edges { cursor subjectName node { id category } }
          pageInfo { hasNextPage endCursor } } red: cultureRedBlackList(listType: RED) { edges { subjectCode } }
          subjects(codes: ["91350100M000100Y43", "91110000600037341L"]) { code records(polarity: POSITIVE,
          domain: "tax") { id polarity } } }""",
        {},
    ),
    "enum and list arguments as variables, a single value for a list": (
        """query($codes: [String!]!, $t: CreditListType!, $one: [String!]!) { subjects(codes: $codes) { name }
          cultureRedBlackList(listType: $t, first: 2) { edges { node { id } } } single: subjects(codes: $one)
          { code } }""",
        {"codes": [SHOWCASE, OTHER, THIRD], "t": "RED", "one": SHOWCASE},
    ),
    "typename everywhere": (
        """{ __typename subject(code: "91350100M000100Y43") { __typename region { __typename }
          tax { __typename ratings { __typename } latestRating { __typename } } records { __typename } }
          searchSubjects(name: "北京", first: 2) { __typename edges { __typename cursor node { __typename name } }
          pageInfo { __typename hasNextPage } } majorTaxViolations(first: 2) { __typename
          edges { __typename node { __typename id } } } }""",
        {},
    ),
    "the second of two operations, by name": (
        """query First { subject(code: "91350100M000100Y43") { name } }
        query Second($c: String!) { subjects(codes: [$c]) { code name } }""",
        {"c": OTHER},
    ),
    "invalid codes in subjects": (
        """query($c: [String!]!) { subjects(codes: $c) { name } }""",
        {"c": [SHOWCASE, "nope", "91350100M000100Y40"]},
    ),
    "an invalid code beside a valid one": (
        """{ bad: subject(code: "91350100M000100Y40") { name } good: subject(code: "91350100M000100Y43")
          { name } }""",
        {},
    ),
    "a partner's unauthorised subject and forbidden field": (
        """query($c: [String!]!) { subjects(codes: $c) { name tax { ratings { year grade score } } } }""",
        {"c": [SHOWCASE, OTHER, THIRD]},
    ),
    "a page size over the maximum": (
        """{ majorTaxViolations(first: 100000) { edges { node { id } } } searchSubjects(name: "北京", first: 2)
          { edges { node { name } } } }""",
        {},
    ),
    "a nested page size over the maximum": (
        """query($c: String!) { subject(code: $c) { name records(first: 100000) { id } } }""",
        {"c": SHOWCASE},
    ),
    "a plugin resolver that raises, at several depths": (
        f"""query($c: [String!]!) {{ subjects(codes: $c) {{ name {PROBE} }} }}""",
        {"c": [SHOWCASE, OTHER, THIRD, PERSON]},
    ),
    "a raising plugin under aliases and fragments": (
        f"""query($c: String!) {{ subject(code: $c) {{ p1: probe {{ label }} ...Probed
          p2: probe {{ strict {{ note }} loose: looseItems {{ value }} }} }} }}
        fragment Probed on CreditSubject {{ {PROBE} }}""",
        {"c": OTHER},
    ),
}

# The oracle's answer must hold these (caller, code, path): the errors each case exists for.
EXPECTED: dict[str, list[tuple[str, str, list[Any]]]] = {
    "invalid codes in subjects": [("admin", "INVALID_SUBJECT_CODE", ["subjects"])],
    "an invalid code beside a valid one": [("admin", "INVALID_SUBJECT_CODE", ["bad"])],
    "a partner's unauthorised subject and forbidden field": [
        ("partner", "AUTHORIZATION_REQUIRED", ["subjects", 2]),
        ("partner", "FORBIDDEN_FIELD", ["subjects", 1, "tax", "ratings", 0, "score"]),
    ],
    "a plugin resolver that raises, at several depths": [
        ("admin", "INTERNAL_SERVER_ERROR", ["subjects", 3, "probe"]),
        ("admin", "INTERNAL_SERVER_ERROR", ["subjects", 0, "probe", "items", 1, "value"]),
        ("admin", "INTERNAL_SERVER_ERROR", ["subjects", 0, "probe", "looseItems", 1, "value"]),
        ("admin", "INTERNAL_SERVER_ERROR", ["subjects", 1, "probe", "inner", "value"]),
        ("admin", "INTERNAL_SERVER_ERROR", ["subjects", 1, "probe", "strict", "value"]),
    ],
}


def _has(answer: Answer, code: str, path: list[Any]) -> bool:
    return any((e.get("extensions") or {}).get("code") == code and e.get("path") == path for e in answer.errors)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", list(CASES))
async def test_handwritten(pair: EnginePair, case: str, caller: str) -> None:
    query, variables = CASES[case]
    name = "Second" if "Second" in query else None
    core = await pair.assert_same(query, variables, caller, operation_name=name)
    for who, code, path in EXPECTED.get(case, []):
        if who == caller:
            assert _has(core, code, path), (case, code, path, core.errors)


async def test_null_bubbles_to_the_nearest_nullable_parent(pair: EnginePair) -> None:
    """What the plugin case must show on graphql-core, so that the comparison above is about bubbling."""
    query, variables = CASES["a plugin resolver that raises, at several depths"]
    core = await pair.assert_same(query, variables, "admin")
    showcase, other, third, person = core.data["subjects"]
    assert showcase["probe"]["inner"] == {"value": f"value of {showcase['name']}", "note": None}
    assert showcase["probe"]["items"] is None  # a non-null item failed: the nullable list is null
    assert [item is None for item in showcase["probe"]["looseItems"]] == [False, True, False]
    assert other["probe"] is None and third["probe"] is None  # strict.value bubbled through strict
    assert person["probe"] is None and person["name"]  # the plugin field failed; the rest stands


async def test_a_second_page_by_cursor(pair: EnginePair) -> None:
    """Cursors the oracle issued page alike on both engines."""
    page = 'query($a: String) { searchSubjects(name: "有限公司", first: 3, after: $a) { edges { cursor node { code } } pageInfo { hasNextPage endCursor } } }'  # noqa: E501
    first = await pair.assert_same(page, {"a": None}, "admin")
    cursor = first.data["searchSubjects"]["pageInfo"]["endCursor"]
    assert cursor and first.data["searchSubjects"]["pageInfo"]["hasNextPage"]
    await pair.assert_same(page, {"a": cursor}, "admin")
