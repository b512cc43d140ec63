"""Argument values for generated operations: GraphQL literals (value nodes), plausible and hostile.

hypothesis-graphql needs a strategy for every custom scalar; it also lets us replace the built-in
String, ID and Int ones. We do, so that arguments often hit real rows (seeded subject codes, small
ids, domain names, cursors this API could have issued) and sometimes carry what breaks servers:
control characters and NUL, very long text, out-of-range integers, impossible dates and decimals,
federation representations without a type name.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import graphql
import orjson
from hypothesis import strategies as st

T = TypeVar("T")
ValueNodes = st.SearchStrategy[graphql.ValueNode]

GRAPHQL_INT_MAX = 2**31 - 1
GRAPHQL_INT_MIN = -(2**31)
# Words the gateway's String arguments mean something with: states, purposes, outcomes.
_WORDS = (
    "FILED",
    "FORWARDED",
    "VERIFIED",
    "CLOSED",
    "WITHDRAWN",
    "APPLIED",
    "REPAIRED",
    "REJECTED",
    "RECEIVED",
    "INVESTIGATING",
    "loan application",
    "NEGATIVE",
    "POSITIVE",
)
# Text that has broken servers before. Printable: SQL and LIKE metacharacters, a lone combining
# mark, an emoji, long runs. With controls: NUL, escape sequences, bidi overrides, zero-width marks.
_AWKWARD_TEXT = (
    "",
    " ",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "%' OR '%'='",
    "\u0301",
    "\U0001f600",
    # Long, but rare: every parse of the operation lexes them character by character in Python.
    "A" * 5_000,
    "信" * 2_000,
)
_CONTROL_TEXT = ("\x00", "a\x00b", "\x1b[31m", "\r\n", "\u202e", "\u200b", "\ufeff", "福州闽都\x00信用", "\x00" * 300)
# Most text is printable: the gateway refuses a whole operation for one control character in any
# argument, so operations full of them would rarely reach a resolver.
_PRINTABLE = st.characters(exclude_categories=("Cs", "Cc", "Cf"))


@dataclass(frozen=True)
class Vocabulary:
    """What the seeded gateway knows: subject codes that resolve, its domains and partner field groups."""

    subject_codes: tuple[str, ...]
    domains: tuple[str, ...]
    field_groups: tuple[str, ...]


def string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def int_node(value: int) -> graphql.IntValueNode:
    return graphql.IntValueNode(value=str(value))


def object_node(fields: Iterable[tuple[str, graphql.ValueNode]]) -> graphql.ObjectValueNode:
    return graphql.ObjectValueNode(
        fields=tuple(graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in fields)
    )


def _code_variants(code: str) -> list[str]:
    """Near misses of a valid code: wrong check digit, lower case, padded, cut, too long, full-width."""
    wrong_check = code[:-1] + ("0" if code[-1] != "0" else "1")
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in code)
    return [wrong_check, code.lower(), f" {code} ", code[:-1], code + "0", full_width, code[:8]]


def subject_codes(vocabulary: Vocabulary) -> st.SearchStrategy[str]:
    valid = st.sampled_from(vocabulary.subject_codes)
    near_misses = st.sampled_from([v for code in vocabulary.subject_codes[:3] for v in _code_variants(code)])
    return st.one_of(valid, valid, near_misses)


def cursors() -> st.SearchStrategy[str]:
    """Cursors shaped like the API's (base64 of a JSON list) holding keys of any type and arity."""
    json_scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70).filter(lambda n: -(2**63) <= n < 2**64),
        st.floats(allow_nan=False, allow_infinity=False),
        printable_text(max_size=12),
        st.sampled_from(["2026-01-01", "2026-01-01T00:00:00+00:00", "9999-12-31T23:59:59Z"]),
    )
    keys = st.lists(st.one_of(json_scalars, st.lists(json_scalars, max_size=2)), max_size=4)
    return keys.map(lambda key: base64.urlsafe_b64encode(orjson.dumps(key)).decode())


def printable_text(max_size: int | None = None) -> st.SearchStrategy[str]:
    return st.text(alphabet=_PRINTABLE, max_size=max_size)


def hostile_text() -> st.SearchStrategy[str]:
    """Any code point but surrogates, NUL and the other controls included."""
    return st.one_of(st.text(), st.sampled_from(_CONTROL_TEXT))


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """One of the strategies, each ``weight`` times as likely as a strategy of weight 1."""
    return st.sampled_from([strategy for weight, strategy in choices for _ in range(weight)]).flatmap(lambda s: s)


def strings(vocabulary: Vocabulary) -> st.SearchStrategy[str]:
    return weighted(
        (6, printable_text()),
        (6, subject_codes(vocabulary)),
        (4, st.sampled_from((*vocabulary.domains, *vocabulary.field_groups, *_WORDS, *_AWKWARD_TEXT))),
        (2, cursors()),
        (1, hostile_text()),
    )


def ints() -> st.SearchStrategy[int]:
    """Mostly what `first` and friends meet in practice, the edges of Int, and some beyond them
    (GraphQL must reject those itself)."""
    edges = st.sampled_from([0, 1, -1, 20, 100, 101, 1_000, 10_000, GRAPHQL_INT_MAX, GRAPHQL_INT_MIN])
    beyond = st.sampled_from([GRAPHQL_INT_MAX + 1, GRAPHQL_INT_MIN - 1, 2**63, 10**30])
    return st.one_of(edges, edges, st.integers(GRAPHQL_INT_MIN, GRAPHQL_INT_MAX), beyond)


def ids() -> ValueNodes:
    """Small ids hit seeded rows; the rest is what a client could send for an ID."""
    small = st.integers(min_value=-1, max_value=40)
    return weighted(
        (6, small.map(int_node)),
        (4, small.map(lambda n: string_node(str(n)))),
        (1, st.sampled_from(["", "0x10", "1e3", "99999999999999999999999", " 1", "1.0"]).map(string_node)),
        (1, printable_text(max_size=20).map(string_node)),
        (1, hostile_text().map(string_node)),
    )


def dates() -> ValueNodes:
    valid = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat)
    near = st.sampled_from(["2026-11-15", "2026-11-01", "2027-01-01", "0001-01-01", "9999-12-31"])
    invalid = st.sampled_from(["2026-02-30", "2026-13-01", "2026-1-1", "", "today", "２０２６-01-01", "2026-01-01\x00"])
    as_text = st.one_of(valid, near, near, invalid, printable_text(max_size=12)).map(string_node)
    return as_text | st.just(int_node(20260101))


def datetimes() -> ValueNodes:
    zones = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))])
    valid = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59), timezones=zones)
    # The far ends with an offset overflow when converted to UTC.
    edges = st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-01-01T00:00:00Z"])
    invalid = st.sampled_from(["2026-01-01T25:00:00", "2026-01-01 00:00", "", "now", "2026-01-01T00:00:00+99:00"])
    return st.one_of(valid.map(dt.datetime.isoformat), edges, invalid, printable_text(max_size=12)).map(string_node)


def decimals() -> ValueNodes:
    finite = st.decimals(allow_nan=False, allow_infinity=False).map(str)
    odd = st.sampled_from(
        ["NaN", "sNaN", "Infinity", "-Infinity", "-0", "1e999999999", "1E-999999999", "0." + "9" * 400]
    )
    as_text = st.one_of(finite, finite, odd, printable_text(max_size=12)).map(string_node)
    as_number = st.one_of(
        st.integers(GRAPHQL_INT_MIN, GRAPHQL_INT_MAX).map(int_node),
        st.decimals(min_value=-(10**12), max_value=10**12, places=2).map(
            lambda d: graphql.FloatValueNode(value=f"{d:f}")
        ),
    )
    return as_text | as_number


def representations(vocabulary: Vocabulary) -> ValueNodes:
    """Federation ``_Any``: entity references as a router sends them, and malformed ones."""
    typename = st.sampled_from(["CreditSubject", "CreditRecord", "Query", "Nope", ""]).map(string_node)
    code = st.one_of(subject_codes(vocabulary).map(string_node), ids(), st.just(graphql.NullValueNode()))
    wellformed = st.builds(lambda t, c: object_node([("__typename", t), ("code", c)]), typename, code)
    without_typename = code.map(lambda c: object_node([("code", c)]))
    extra_key = st.builds(lambda t, c: object_node([("__typename", t), ("code", c), ("name", c)]), typename, code)
    not_an_object = st.one_of(ids(), st.just(graphql.ListValueNode(values=())), st.just(graphql.NullValueNode()))
    return st.one_of(wellformed, wellformed, without_typename, extra_key, not_an_object)


def scalar_strategies(vocabulary: Vocabulary) -> dict[str, ValueNodes]:
    """Strategies by scalar name, for ``from_schema(custom_scalars=...)``."""
    return {
        "String": strings(vocabulary).map(string_node),
        "ID": ids(),
        "Int": ints().map(int_node),
        "Date": dates(),
        "DateTime": datetimes(),
        "Decimal": decimals(),
        "_Any": representations(vocabulary),
        "_FieldSet": st.sampled_from(["code", "", "code {", "__typename"]).map(string_node),
        "JSON": st.one_of(strings(vocabulary).map(string_node), ints().map(int_node), st.just(object_node([]))),
    }
