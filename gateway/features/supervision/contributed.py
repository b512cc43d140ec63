"""The grade rules in force: rules.toml's general rules plus each domain plugin's own (hook ``grade_rules``).

A plugin's rules become its domain's section, tried before the general rules; a rule for a kind without a
domain attribute (``tax_grade``) claims that kind for the plugin's domain. The version shown with every grade
and draw is rules.toml's plus a short hash of every contributed rule, so that it changes when a plugin's
rules do. A bad contribution is a ``ConfigurationError`` naming the plugin, raised at start (``startup``)
or, where nothing starts a server (tests, the command line), on first use.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from gateway.features.supervision.grade_facts import set_rules_version
from gateway.features.supervision.rules import FACT_KINDS, DomainSection, GradeRules, Rule, default_rules, parse_rule
from gateway.hooks.contributions import GradeRule
from gateway.kernel.errors import ConfigurationError

HOOK = "grade_rules"
_HASH_LENGTH = 8
_in_force: weakref.WeakKeyDictionary[Any, GradeRules] = weakref.WeakKeyDictionary()


def contributions_of(manager: Any) -> list[tuple[str, Any]]:
    """Each plugin's answer to ``grade_rules``, by plugin name (an order independent of load order)."""
    caller = getattr(manager.hook, HOOK, None)
    if caller is None:
        return []
    found = [(impl.plugin_name, impl.function()) for impl in caller.get_hookimpls()]
    return sorted(((name, result) for name, result in found if result is not None), key=lambda item: item[0])


def merged(base: GradeRules, contributions: Sequence[tuple[str, Any]]) -> GradeRules:
    """``base`` with every plugin's rules as its domain's section, checked; the version hashed with them."""
    if not contributions:
        return base
    domains = dict(base.domains)
    claimed = {kind: name for name, section in domains.items() for kind in section.kinds}
    described: list[Any] = []
    for plugin, items in contributions:
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise ConfigurationError(f"Plugin {plugin!r}: hook {HOOK} must return a list of GradeRule, got {items!r}")
        rules = tuple(_checked(plugin, index, item) for index, item in enumerate(items))
        kinds = {rule.kind for rule in rules if "domain" not in FACT_KINDS[rule.kind]}
        for kind in sorted(kinds):
            owner = claimed.setdefault(kind, plugin)
            if owner != plugin:
                raise ConfigurationError(
                    f"Plugin {plugin!r}: hook {HOOK}: fact kind {kind!r} is already claimed by domain {owner!r}"
                )
        section = domains.get(plugin)
        domains[plugin] = DomainSection(
            plugin,
            frozenset(kinds) | (section.kinds if section else frozenset()),
            rules + (section.rules if section else ()),  # the plugin's first, then rules.toml's (if any)
        )
        described.append([plugin, [_described(item) for item in items]])
    canonical = json.dumps(described, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:_HASH_LENGTH]
    return replace(base, version=f"{base.version}+{digest}", domains=domains)


def _checked(plugin: str, index: int, item: Any) -> Rule:
    where = f"Plugin {plugin!r}: hook {HOOK}, rule {index + 1}"

    def fail(_line: int, _key: str | None, message: str) -> ConfigurationError:
        return ConfigurationError(f"{where}: {message}")

    if not isinstance(item, GradeRule):
        raise ConfigurationError(f"{where}: a GradeRule is needed (gateway.api.GradeRule), got {item!r}")
    match = {name: list(values) for name, values in item.match}
    named = match.pop("domain", None)
    if named is not None and named != [plugin]:
        raise ConfigurationError(
            f"{where}: a plugin contributes rules for its own domain only ({plugin!r}), not for {named}"
        )
    raw: dict[str, Any] = {"kind": item.kind, "points": item.points, **match}
    if item.at_most is not None:
        raw["at_most"] = item.at_most
    return parse_rule(raw, 0, fail, plugin)


def _described(item: GradeRule) -> list[Any]:
    return [item.kind, item.points, item.at_most, [[name, list(values)] for name, values in item.match]]


def rules_for(composition: Any) -> GradeRules:
    """The rules in force for a composed gateway (rules.toml and every plugin's), checked once and kept."""
    manager = composition.manager
    found = _in_force.get(manager)
    if found is None:
        found = _in_force[manager] = merged(default_rules(), contributions_of(manager))
    set_rules_version(found.version)  # the grade facts state grades of these rules only
    return found
