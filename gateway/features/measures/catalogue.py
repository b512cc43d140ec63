"""The catalogue of joint rewards and punishments (联合奖惩措施清单): data, read from a TOML file and checked
on load, so that a wrong measure stops the start with the line it is on rather than misapplying at run time.

The catalogue knows the closed sets (kinds, matters, trigger kinds and the attributes each may name); the
facts a trigger matches come from the ``measure_facts`` hook (see :mod:`gateway.features.measures.facts`).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import strawberry

from gateway.hooks.contributions import Fact
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_TEXT  # a catalogue text is held to the core's text bound

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "catalogue.toml"
_ID = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


@strawberry.enum(description="Whether a measure rewards trustworthiness (守信激励) or punishes dishonesty (失信惩戒).")
class MeasureKind(enum.StrEnum):
    REWARD = "REWARD"
    PUNISHMENT = "PUNISHMENT"


@strawberry.enum(description="The matters (事项) a department handles, on which a measure bears.")
class Matter(enum.StrEnum):
    ADMINISTRATIVE_APPROVAL = "ADMINISTRATIVE_APPROVAL"
    PUBLIC_PROCUREMENT = "PUBLIC_PROCUREMENT"
    PUBLIC_RESOURCE_TRADING = "PUBLIC_RESOURCE_TRADING"
    PUBLIC_FUNDING = "PUBLIC_FUNDING"
    AWARDS_AND_HONOURS = "AWARDS_AND_HONOURS"
    INSPECTION_FREQUENCY = "INSPECTION_FREQUENCY"
    TAX_SERVICES = "TAX_SERVICES"
    FINANCING = "FINANCING"
    MARKET_ACCESS = "MARKET_ACCESS"


MATTER_LABELS: Mapping[Matter, str] = {
    Matter.ADMINISTRATIVE_APPROVAL: "行政审批",
    Matter.PUBLIC_PROCUREMENT: "政府采购",
    Matter.PUBLIC_RESOURCE_TRADING: "招标投标和公共资源交易",
    Matter.PUBLIC_FUNDING: "财政资金和政策支持",
    Matter.AWARDS_AND_HONOURS: "评优评先和表彰奖励",
    Matter.INSPECTION_FREQUENCY: "监管检查频次",
    Matter.TAX_SERVICES: "纳税服务和发票管理",
    Matter.FINANCING: "融资信贷",
    Matter.MARKET_ACCESS: "市场准入和资质",
}


@strawberry.enum(description="What happens where a reward and a punishment meet on one matter.")
class ConflictRule(enum.StrEnum):
    PUNISHMENT_WINS = "PUNISHMENT_WINS"
    BOTH_APPLY = "BOTH_APPLY"


# Trigger kinds and the fact attributes each may match on, with the values an attribute may take (None: any
# text, such as a domain or a record category, which plugins define).
_GRADES_TAX = frozenset({"A", "B", "M", "C", "D"})
TRIGGER_KINDS: Mapping[str, Mapping[str, frozenset[str] | None]] = {
    "list": {"domain": None, "list_type": frozenset({"RED", "BLACK"})},
    "tax_grade": {"grade": _GRADES_TAX},
    "record": {
        "domain": None,
        "category": None,
        "severity": frozenset({"MINOR", "GENERAL", "SERIOUS"}),
        "polarity": frozenset({"POSITIVE", "NEGATIVE"}),
    },
    "broken_commitment": {"domain": None},
    # Declared, but no plugin contributes these facts yet: a measure using it loads and never fires.
    "supervision_grade": {"domain": None, "grade": frozenset({"A", "B", "C", "D"})},
}


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str
    conditions: Mapping[str, frozenset[str]]  # attribute → accepted values (all attributes must match)

    def matches(self, fact: Fact) -> bool:
        return fact.kind == self.kind and all(
            fact.attributes.get(name) in values for name, values in self.conditions.items()
        )


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    kind: MeasureKind
    name: str
    matters: tuple[Matter, ...]
    effect: str
    departments: tuple[str, ...]
    legal_basis: str
    valid_from: dt.date
    valid_until: dt.date | None
    triggers: tuple[Trigger, ...]
    conflict: ConflictRule | None  # a reward's own rule; None: the catalogue's
    line: int

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str
    conflict: ConflictRule
    measures: tuple[Measure, ...]

    def rule_for(self, measure: Measure) -> ConflictRule:
        return measure.conflict or self.conflict

    def get(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


class CatalogueError(ConfigurationError):
    """A catalogue that cannot be loaded: the message names the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source} line {line}: {message}")
        self.line = line


class _Lines:
    """Where each ``[[measure]]`` table and its keys are in the source text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [n for n, line in enumerate(self.lines, 1) if re.match(r"^\s*\[\[\s*measure\s*\]\]", line)]

    def of_measure(self, index: int) -> int:
        return self.headers[index] if index < len(self.headers) else 1

    def of_key(self, index: int | None, key: str) -> int:
        """The line of ``key = …`` in the index-th measure (None: before the first), else the table's."""
        start = self.of_measure(index) if index is not None else 1
        end = self.headers[index + 1] if index is not None and index + 1 < len(self.headers) else len(self.lines) + 1
        if index is None and self.headers:
            end = self.headers[0]
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start, end):
            if pattern.match(self.lines[n - 1]):
                return n
        return start


def load_catalogue(text: str, source: str = "catalogue.toml") -> Catalogue:
    """Parse and check a catalogue; raises :class:`CatalogueError` naming the line of the first fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise CatalogueError(source, int(found.group(1)) if found else 1, f"not valid TOML: {exc}") from None
    lines = _Lines(text)

    def fail(index: int | None, key: str | None, message: str) -> CatalogueError:
        line = lines.of_key(index, key) if key else lines.of_measure(index or 0)
        return CatalogueError(source, line, message)

    unknown = sorted(set(data) - {"version", "conflict", "measure"})
    if unknown:
        raise fail(None, unknown[0], f"unknown key {unknown[0]!r}; known: version, conflict, measure")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise fail(None, "version", 'the catalogue needs a version (a string such as "2026.1")')
    conflict = _enum(ConflictRule, data.get("conflict", ConflictRule.PUNISHMENT_WINS.value), "conflict")
    if isinstance(conflict, _Unknown):
        raise fail(None, "conflict", conflict)
    raw_measures = data.get("measure", [])
    if not isinstance(raw_measures, list) or not raw_measures:
        raise fail(None, "measure", "the catalogue needs at least one [[measure]] table")
    measures: list[Measure] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_measures):
        measure = _measure(raw, index, lines.of_measure(index), fail)
        if measure.id in seen:
            raise fail(index, "id", f"measure {measure.id!r} is defined twice (first on line {seen[measure.id]})")
        seen[measure.id] = measure.line
        measures.append(measure)
    return Catalogue(version.strip(), conflict, tuple(measures))


_MEASURE_KEYS = frozenset(
    {
        "id",
        "kind",
        "name",
        "matters",
        "effect",
        "departments",
        "legal_basis",
        "valid_from",
        "valid_until",
        "triggers",
        "conflict",
    }
)


def _measure(raw: Any, index: int, line: int, fail: Any) -> Measure:
    ident = raw.get("id") if isinstance(raw, dict) else None
    label = f"measure {ident!r}" if isinstance(ident, str) else f"measure {index + 1}"

    def bad(key: str | None, message: str) -> CatalogueError:
        return fail(index, key, f"{label}: {message}")

    if not isinstance(raw, dict):
        raise bad(None, "must be a table")
    unknown = sorted(set(raw) - _MEASURE_KEYS)
    if unknown:
        raise bad(unknown[0], f"unknown key {unknown[0]!r}; known: {', '.join(sorted(_MEASURE_KEYS))}")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise bad("id", "id must be 2 to 64 capital letters, digits or _, starting with a letter")
    kind = _enum(MeasureKind, raw.get("kind"), "kind")
    if isinstance(kind, _Unknown):
        raise bad("kind", kind)
    texts = {key: raw.get(key) for key in ("name", "effect", "legal_basis")}
    for key, value in texts.items():
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise bad(key, f"{key} must be a text of 1 to {MAX_TEXT} characters")
    matters = _strings(raw.get("matters"))
    if not matters:
        raise bad("matters", "matters must be a non-empty list of matters")
    parsed_matters: list[Matter] = []
    for value in matters:
        matter = _enum(Matter, value, "matter")
        if isinstance(matter, _Unknown):
            raise bad("matters", matter)
        if matter in parsed_matters:
            raise bad("matters", f"matter {value!r} is listed twice")
        parsed_matters.append(matter)
    departments = _strings(raw.get("departments"))
    if not departments or any(not d.strip() or len(d) > MAX_TEXT for d in departments):
        raise bad("departments", "departments must be a non-empty list of department names")
    valid_from = raw.get("valid_from")
    valid_until = raw.get("valid_until")
    if not _is_date(valid_from):
        raise bad("valid_from", "valid_from must be a date (2024-01-01, unquoted)")
    if valid_until is not None and not _is_date(valid_until):
        raise bad("valid_until", "valid_until must be a date (2024-01-01, unquoted) or left out")
    if valid_until is not None and valid_until < valid_from:
        raise bad("valid_until", f"valid_until {valid_until} is before valid_from {valid_from}")
    conflict = None
    if "conflict" in raw:
        conflict = _enum(ConflictRule, raw["conflict"], "conflict")
        if isinstance(conflict, _Unknown):
            raise bad("conflict", conflict)
        if kind is not MeasureKind.REWARD:
            raise bad("conflict", "only a reward sets its own conflict rule (a punishment always applies)")
    triggers = raw.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        raise bad("triggers", 'triggers must be a non-empty list of tables ({ kind = "list", … })')
    parsed_triggers = []
    for number, trigger in enumerate(triggers, 1):
        problem = _trigger(trigger)
        if not isinstance(problem, Trigger):
            raise bad("triggers", f"trigger {number}: {problem}")
        parsed_triggers.append(problem)
    return Measure(
        id=ident,
        kind=kind,
        name=texts["name"].strip(),
        matters=tuple(parsed_matters),
        effect=texts["effect"].strip(),
        departments=tuple(d.strip() for d in departments),
        legal_basis=texts["legal_basis"].strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        triggers=tuple(parsed_triggers),
        conflict=conflict,
        line=line,
    )


def _trigger(raw: Any) -> Trigger | str:
    """The trigger, or what is wrong with it."""
    if not isinstance(raw, dict):
        return "must be a table"
    kind = raw.get("kind")
    if kind not in TRIGGER_KINDS:
        return f"unknown trigger kind {kind!r}; known: {', '.join(TRIGGER_KINDS)}"
    allowed = TRIGGER_KINDS[kind]
    conditions: dict[str, frozenset[str]] = {}
    for name, value in raw.items():
        if name == "kind":
            continue
        if name not in allowed:
            known = ", ".join(allowed) or "none"
            return f"a {kind} trigger has no attribute {name!r}; known: {known}"
        values = _strings(value if isinstance(value, list) else [value])
        if not values or any(not v for v in values):
            return f"{name} must be a text or a non-empty list of texts"
        accepted = allowed[name]
        wrong = [v for v in values if accepted is not None and v not in accepted]
        if wrong:
            return f"{name} {wrong[0]!r} is not one of {', '.join(sorted(accepted or ()))}"
        conditions[name] = frozenset(values)
    return Trigger(kind, conditions)


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


class _Unknown(str):
    """A message about a value outside an enum (a plain ``str``, unlike the members of a ``StrEnum``)."""


def _enum(cls: Any, value: Any, what: str) -> Any:
    """The member, or an :class:`_Unknown` message naming the known values."""
    try:
        return cls(value)
    except (ValueError, TypeError):
        return _Unknown(f"unknown {what} {value!r}; known: {', '.join(m.value for m in cls)}")


def trigger_kinds_without_source(catalogue: Catalogue, sourced: Sequence[str]) -> list[str]:
    """The trigger kinds the catalogue uses that no fact source contributes (their measures never fire)."""
    used = {t.kind for m in catalogue.measures for t in m.triggers}
    return sorted(used - set(sourced))


@cache
def default_catalogue() -> Catalogue:
    """The catalogue the core ships, read once."""
    return load_catalogue(DEFAULT_CATALOGUE.read_text(encoding="utf-8"), DEFAULT_CATALOGUE.name)
