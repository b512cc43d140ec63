"""The grade rules of tiered supervision (信用分级分类监管): data, read from a TOML file and checked on load,
so that a wrong rule stops the start with the line it is on rather than misgrading at run time.

The facts the rules score are the measures' facts (hook ``measure_facts``); the fact kinds and the attributes
a rule may match on are the closed set the catalogue of measures knows (repeated here: features are
independent).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from gateway.hooks.contributions import Fact
from gateway.kernel.errors import ConfigurationError

DEFAULT_RULES = Path(__file__).resolve().parent / "rules.toml"
GRADES = ("A", "B", "C", "D")  # best first
_DOMAIN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

# Fact kinds and the attributes a rule may match on, with the values each may take (None: any text).
FACT_KINDS: Mapping[str, Mapping[str, frozenset[str] | None]] = {
    "list": {"domain": None, "list_type": frozenset({"RED", "BLACK"})},
    "tax_grade": {"grade": frozenset({"A", "B", "M", "C", "D"})},
    "record": {
        "domain": None,
        "category": None,
        "severity": frozenset({"MINOR", "GENERAL", "SERIOUS"}),
        "polarity": frozenset({"POSITIVE", "NEGATIVE"}),
    },
    "broken_commitment": {"domain": None},
}
_RULE_KEYS = frozenset({"kind", "points", "at_most"})
_POINTS = range(-100, 101)


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    conditions: Mapping[str, frozenset[str]]  # attribute → accepted values (all attributes must match)
    points: int
    at_most: str | None  # the best grade a subject with such a fact may have
    line: int

    def matches(self, fact: Fact) -> bool:
        return fact.kind == self.kind and all(
            fact.attributes.get(name) in values for name, values in self.conditions.items()
        )


@dataclass(frozen=True, slots=True)
class DomainSection:
    name: str
    kinds: frozenset[str]  # fact kinds without a domain attribute that belong to this domain
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class GradeRules:
    version: str
    base: int
    thresholds: Mapping[str, int]  # A, B, C: the lowest score of each
    ratios: Mapping[str, float]  # A, B, C, D: the share to inspect
    rules: tuple[Rule, ...]
    domains: Mapping[str, DomainSection]

    def grade_of(self, score: int) -> str:
        return next((g for g in GRADES[:-1] if score >= self.thresholds[g]), GRADES[-1])

    def domain_of(self, fact: Fact) -> str | None:
        """The domain a fact belongs to: its ``domain`` attribute, else the section claiming its kind."""
        domain = fact.attributes.get("domain")
        if domain:
            return domain
        return next((d.name for d in self.domains.values() if fact.kind in d.kinds), None)

    def rule_for(self, fact: Fact) -> Rule | None:
        """The first rule matching the fact: its domain section's, then the general ones."""
        section = self.domains.get(self.domain_of(fact) or "")
        for rule in (*(section.rules if section else ()), *self.rules):
            if rule.matches(fact):
                return rule
        return None


class RulesError(ConfigurationError):
    """Grade rules that cannot be loaded: the message names the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source} line {line}: {message}")
        self.line = line


class _Lines:
    """Where each table header and key is in the source text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.rules: list[int] = []
        self.domains: list[int] = []
        self.domain_rules: list[list[int]] = []
        self.tables: dict[str, int] = {}
        for number, line in enumerate(self.lines, 1):
            header = re.match(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\" ]+?)\s*\]\]?", line)
            if not header:
                continue
            name = header.group(2).replace(" ", "")
            if name == "rule":
                self.rules.append(number)
            elif name == "domain":
                self.domains.append(number)
                self.domain_rules.append([])
            elif name == "domain.rule" and self.domain_rules:
                self.domain_rules[-1].append(number)
            else:
                self.tables.setdefault(name, number)

    def _next_header(self, start: int) -> int:
        for n in range(start + 1, len(self.lines) + 1):
            if re.match(r"^\s*\[", self.lines[n - 1]):
                return n
        return len(self.lines) + 1

    def key(self, start: int, key: str) -> int:
        """The line of ``key = …`` in the table starting at ``start`` (1: the top), else ``start``."""
        end = self._next_header(start)
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start, end):
            if pattern.match(self.lines[n - 1]):
                return n
        return start


def load_rules(text: str, source: str = "rules.toml") -> GradeRules:
    """Parse and check grade rules; raises :class:`RulesError` naming the line of the first fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise RulesError(source, int(found.group(1)) if found else 1, f"not valid TOML: {exc}") from None
    lines = _Lines(text)

    def fail(start: int, key: str | None, message: str) -> RulesError:
        return RulesError(source, lines.key(start, key) if key else start, message)

    known = {"version", "base", "grades", "ratios", "rule", "domain"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise fail(lines.tables.get(unknown[0], 1), unknown[0], f"unknown key {unknown[0]!r}; known: {_list(known)}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip() or len(version) > 64:
        raise fail(1, "version", 'the rules need a version (a string such as "2026.1")')
    base = data.get("base")
    if not _is_int(base) or not 0 <= base <= 100:
        raise fail(1, "base", "base must be a whole number from 0 to 100")
    thresholds = _thresholds(data.get("grades"), lines.tables.get("grades", 1), fail)
    ratios = _ratios(data.get("ratios"), lines.tables.get("ratios", 1), fail)
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise fail(1, "rule", "rule must be [[rule]] tables")
    rules = tuple(parse_rule(raw, _at(lines.rules, i), fail, None) for i, raw in enumerate(raw_rules))
    raw_domains = data.get("domain", [])
    if not isinstance(raw_domains, list):
        raise fail(1, "domain", "domain must be [[domain]] tables")
    domains: dict[str, DomainSection] = {}
    for index, raw in enumerate(raw_domains):
        line = _at(lines.domains, index)
        section = _domain(raw, line, lines.domain_rules[index] if index < len(lines.domain_rules) else [], fail)
        if section.name in domains:
            raise fail(line, "name", f"domain {section.name!r} has two sections")
        claimed = {k for d in domains.values() for k in d.kinds} & section.kinds
        if claimed:
            raise fail(line, "kinds", f"kind {sorted(claimed)[0]!r} is claimed by two domain sections")
        domains[section.name] = section
    if not rules and not domains:
        raise fail(1, None, "the rules need at least one [[rule]] or [[domain]] table")
    return GradeRules(version.strip(), base, thresholds, ratios, rules, domains)


def _thresholds(raw: Any, line: int, fail: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise fail(line, None, "[grades] must give the lowest scores of A, B and C")
    extra = sorted(set(raw) - set(GRADES[:-1]))
    if extra:
        raise fail(line, extra[0], f"[grades] has no grade {extra[0]!r}; give A, B and C (below C is D)")
    found: dict[str, int] = {}
    for grade in GRADES[:-1]:
        value = raw.get(grade)
        if not _is_int(value) or not 0 <= value <= 100:
            raise fail(line, grade, f"[grades] {grade} must be a whole number from 0 to 100")
        if found and value >= min(found.values()):
            raise fail(line, grade, f"[grades] {grade} ({value}) must be below the grade above it")
        found[grade] = value
    return found


def _ratios(raw: Any, line: int, fail: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise fail(line, None, "[ratios] must give the share of A, B, C and D subjects to inspect")
    extra = sorted(set(raw) - set(GRADES))
    if extra:
        raise fail(line, extra[0], f"[ratios] has no grade {extra[0]!r}; give A, B, C and D")
    found: dict[str, float] = {}
    for grade in GRADES:
        value = raw.get(grade)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise fail(line, grade, f"[ratios] {grade} must be a share above 0 and at most 1 (0.05 is 5%)")
        found[grade] = float(value)
    return found


def _domain(raw: Any, line: int, rule_lines: list[int], fail: Any) -> DomainSection:
    if not isinstance(raw, dict):
        raise fail(line, None, "a [[domain]] must be a table")
    unknown = sorted(set(raw) - {"name", "kinds", "rule"})
    if unknown:
        raise fail(line, unknown[0], f"[[domain]] has no key {unknown[0]!r}; known: kinds, name, rule")
    name = raw.get("name")
    if not isinstance(name, str) or not _DOMAIN.match(name):
        raise fail(line, "name", "a [[domain]] needs a name: the domain, in lower case (culture, tax)")
    kinds = raw.get("kinds", [])
    if not isinstance(kinds, list) or any(k not in FACT_KINDS or "domain" in FACT_KINDS[k] for k in kinds):
        without = [k for k, attributes in FACT_KINDS.items() if "domain" not in attributes]
        raise fail(line, "kinds", f"domain {name!r}: kinds lists fact kinds without a domain of their own: {without}")
    raw_rules = raw.get("rule", [])
    if not isinstance(raw_rules, list):
        raise fail(line, "rule", f"domain {name!r}: rule must be [[domain.rule]] tables")
    rules = tuple(parse_rule(r, _at(rule_lines, i, line), fail, name) for i, r in enumerate(raw_rules))
    return DomainSection(name, frozenset(kinds), rules)


def parse_rule(raw: Any, line: int, fail: Any, domain: str | None) -> Rule:
    """One rule table, checked (``domain``: of that domain's section, which names no domain); a fault raises
    what ``fail(line, key, message)`` returns (rules.toml: its line; a plugin's rule: the plugin's name)."""
    where = f"domain {domain!r}: " if domain else ""
    if not isinstance(raw, dict):
        raise fail(line, None, f"{where}a rule must be a table")
    kind = raw.get("kind")
    if kind not in FACT_KINDS:
        raise fail(line, "kind", f"{where}unknown fact kind {kind!r}; known: {_list(FACT_KINDS)}")
    allowed = FACT_KINDS[kind]
    points = raw.get("points")
    if not _is_int(points) or points not in _POINTS:
        raise fail(line, "points", f"{where}points must be a whole number from -100 to 100")
    at_most = raw.get("at_most")
    if at_most is not None and at_most not in GRADES:
        raise fail(line, "at_most", f"{where}at_most must be one of {', '.join(GRADES)}")
    conditions: dict[str, frozenset[str]] = {}
    for name, value in raw.items():
        if name in _RULE_KEYS:
            continue
        if name not in allowed:
            known = _list(set(allowed) | _RULE_KEYS)
            raise fail(line, name, f"{where}a {kind} rule has no key {name!r}; known: {known}")
        if domain is not None and name == "domain":
            raise fail(line, name, f"{where}a rule of a domain section names no domain (it is {domain!r})")
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise fail(line, name, f"{where}{name} must be a text or a non-empty list of texts")
        accepted = allowed[name]
        wrong = [v for v in values if accepted is not None and v not in accepted]
        if wrong:
            raise fail(line, name, f"{where}{name} {wrong[0]!r} is not one of {_list(accepted or ())}")
        conditions[name] = frozenset(values)
    return Rule(kind, conditions, points, at_most, line)


def _at(lines: list[int], index: int, default: int = 1) -> int:
    return lines[index] if index < len(lines) else default


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(values: Any) -> str:
    return ", ".join(sorted(values))


@cache
def default_rules() -> GradeRules:
    """The rules the gateway ships, read once."""
    return load_rules(DEFAULT_RULES.read_text(encoding="utf-8"), DEFAULT_RULES.name)
