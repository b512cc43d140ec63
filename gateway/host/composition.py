"""Collecting what every plugin contributes and checking that it fits together.

Everything is attributed to its plugin and sorted by name, so the composed schema does not
depend on the order plugins load in, and a clash names both claimants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import pluggy
import sqlalchemy as sa
from starlette.routing import BaseRoute, Mount, Route

from gateway.db.migrate import MigrationSource
from gateway.db.tables import metadata as core_metadata
from gateway.graph.subject_type import compose_subject_type
from gateway.hooks.contributions import (
    FactSource,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectAccess,
    SubjectField,
)
from gateway.host.loading import DEFAULT_PLUGINS, LoadedPlugin, call_each, default_plugins_first, is_default_plugin
from gateway.kernel.clock import today
from gateway.kernel.errors import ConfigurationError
from gateway.policy.core import CORE_POLICIES
from gateway.policy.visibility import Policies

CORE = "core"
CORE_SUBJECT_FIELDS = frozenset({"code", "codeType", "name", "kind", "registrationAuthority", "region", "records"})
CORE_QUERY_FIELDS = frozenset({"subject", "subjects", "searchSubjects", "_entities", "_service"})
# The core's HTTP paths (gateway.server.app); /graphiql is a mount: every path below it is the core's too.
CORE_HTTP_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})
CORE_HTTP_MOUNTS = frozenset({"/graphiql"})


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Owned(Generic[T]):
    plugin: str
    item: T


@dataclass(slots=True)
class Composition:
    """The checked sum of all plugin contributions."""

    plugins: list[LoadedPlugin]
    manager: pluggy.PluginManager
    subject_fields: list[Owned[SubjectField]] = field(default_factory=list)
    query_fields: list[Owned[QueryField]] = field(default_factory=list)
    mutation_fields: list[Owned[MutationField]] = field(default_factory=list)
    loaders: dict[str, LoaderSpec] = field(default_factory=dict)
    record_sources: list[RecordSource] = field(default_factory=list)
    types: list[Owned[type]] = field(default_factory=list)
    tables: list[Owned[sa.Table]] = field(default_factory=list)
    migrations: list[MigrationSource] = field(default_factory=list)
    importers: dict[str, dict[str, Importer]] = field(default_factory=dict)
    policies: Policies = field(default_factory=Policies)
    subject_type: Any = None  # the composed CreditSubject (gateway.graph.subject_type)
    subject_access: list[SubjectAccess] = field(default_factory=list)
    # Sources of measure facts (hook measure_facts), each by the name of the loader it became.
    measure_facts: dict[str, FactSource] = field(default_factory=dict)
    http_routes: list[Owned[BaseRoute]] = field(default_factory=list)

    @property
    def plugin_names(self) -> list[str]:
        return [p.name for p in self.plugins]

    def contributions_of(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin adds, for ``credit-gateway plugins``."""
        return {
            "subject fields": [o.item.name for o in self.subject_fields if o.plugin == plugin],
            "query fields": [o.item.name for o in self.query_fields if o.plugin == plugin],
            "mutations": [o.item.name for o in self.mutation_fields if o.plugin == plugin],
            "types": [_graphql_name(o.item) for o in self.types if o.plugin == plugin],
            "tables": [o.item.name for o in self.tables if o.plugin == plugin],
            "loaders": [name for name in self.loaders if name.startswith(f"{plugin}.")],
            "importers": sorted(self.importers.get(plugin, {})),
            "http routes": [_route_path(o.item) for o in self.http_routes if o.plugin == plugin],
        }


def _graphql_name(cls: type) -> str:
    definition = getattr(cls, "__strawberry_definition__", None)
    return definition.name if definition is not None else cls.__name__


class _Claims:
    """Names claimed so far in one namespace, each with its claimant."""

    def __init__(self, namespace: str, reserved: Iterable[str] = ()) -> None:
        self.namespace = namespace
        self.owners: dict[str, str] = dict.fromkeys(reserved, CORE)

    def claim(self, name: str, plugin: str) -> None:
        owner = self.owners.setdefault(name, plugin)
        if owner != plugin:
            raise ConfigurationError(
                f"{self.namespace} {name!r} is claimed by both plugin {owner!r} and plugin {plugin!r}"
                if owner != CORE
                else f"{self.namespace} {name!r} of plugin {plugin!r} clashes with the core's"
            )


def _as_list(plugin: str, hook: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigurationError(f"Plugin {plugin!r}: hook {hook} must return a list, got {value!r}")
    return list(value)


def compose(manager: pluggy.PluginManager, plugins: Sequence[LoadedPlugin]) -> Composition:
    comp = Composition(plugins=list(plugins), manager=manager)
    _collect_fields(manager, comp)
    _collect_loaders(manager, comp)
    _collect_measure_facts(manager, comp)
    _collect_types(manager, comp)
    _collect_tables(manager, comp)
    comp.policies.declare(CORE, CORE_POLICIES)
    for plugin, declarations in call_each(manager, "field_policies"):
        if not isinstance(declarations, Mapping):
            raise ConfigurationError(f"Plugin {plugin!r}: hook field_policies must return a mapping")
        comp.policies.declare(plugin, declarations)
    for plugin, importers in call_each(manager, "importers"):
        for importer in _as_list(plugin, "importers", importers):
            if importer.name in comp.importers.setdefault(plugin, {}):
                raise ConfigurationError(f"Plugin {plugin!r} declares importer {importer.name!r} twice")
            comp.importers[plugin][importer.name] = importer
    # The core's default plugins first (partner admission decides before any other plugin sees the rows,
    # so that a partner's refusals read alike whatever else is installed), then the others by name.
    accesses = sorted(call_each(manager, "subject_access"), key=lambda item: default_plugins_first(item[0]))
    for plugin, access in accesses:
        if not isinstance(access, SubjectAccess):
            raise ConfigurationError(f"Plugin {plugin!r}: hook subject_access must return a SubjectAccess")
        comp.subject_access.append(access)
    for plugin, path in call_each(manager, "migrations"):
        versions = Path(path)
        if not versions.is_dir():
            raise ConfigurationError(f"Plugin {plugin!r}: migrations directory {versions} does not exist")
        comp.migrations.append(MigrationSource.for_plugin(plugin, versions))
    _collect_http_routes(manager, comp)
    return comp


def _collect_fields(manager: pluggy.PluginManager, comp: Composition) -> None:
    namespaces: list[tuple[str, str, list[Any], frozenset[str]]] = [
        ("subject_fields", "CreditSubject field", comp.subject_fields, CORE_SUBJECT_FIELDS),
        ("query_fields", "Query field", comp.query_fields, CORE_QUERY_FIELDS),
        ("mutation_fields", "Mutation field", comp.mutation_fields, frozenset()),
    ]
    for hook, namespace, target, reserved in namespaces:
        if hook == "query_fields":  # query fields may return subjects: the type exists by now
            comp.subject_type = compose_subject_type(comp.subject_fields)
        claims = _Claims(namespace, reserved)
        arguments = {"subject_type": comp.subject_type} if hook == "query_fields" else {}
        for plugin, items in call_each(manager, hook, **arguments):
            for item in _as_list(plugin, hook, items):
                claims.claim(item.name, plugin)
                target.append(Owned(plugin, item))
        target.sort(key=_field_order(target))


def _field_order(owned_items: list[Any]) -> Any:
    """The core's default plugins first, in their order and each in its own field order (the SDL
    kept the order it had when the core declared them); then the domains' fields by name."""
    defaults = [name for name, _module in DEFAULT_PLUGINS]
    position = {id(owned): index for index, owned in enumerate(owned_items)}

    def key(owned: Any) -> tuple[int, int, Any]:
        if owned.plugin in defaults:
            return (0, defaults.index(owned.plugin), position[id(owned)])
        return (1, 0, owned.item.name)

    return key


def _collect_loaders(manager: pluggy.PluginManager, comp: Composition) -> None:
    for plugin, specs in call_each(manager, "loaders"):
        for spec in _as_list(plugin, "loaders", specs):
            if not spec.name.startswith(f"{plugin}."):
                raise ConfigurationError(f"Plugin {plugin!r}: loader {spec.name!r} must be named '{plugin}.<what>'")
            if spec.name in comp.loaders:
                raise ConfigurationError(f"Plugin {plugin!r} declares loader {spec.name!r} twice")
            comp.loaders[spec.name] = spec
    for plugin, sources in call_each(manager, "record_sources"):
        for source in _as_list(plugin, "record_sources", sources):
            if source.domain != plugin and not is_default_plugin(plugin):
                raise ConfigurationError(
                    f"Plugin {plugin!r}: a record source must carry the plugin's own domain, not {source.domain!r}"
                )
            if source.loader not in comp.loaders:
                raise ConfigurationError(f"Plugin {plugin!r}: record source names unknown loader {source.loader!r}")
            comp.record_sources.append(source)
    comp.record_sources.sort(key=lambda s: s.domain)


def _collect_measure_facts(manager: pluggy.PluginManager, comp: Composition) -> None:
    """Each plugin's fact sources (hook ``measure_facts``), each made a loader keyed by subject id named
    ``<plugin>.measure_facts.<n>``: one statement per source per request level, on the request's connection
    and day, whatever the number of subjects."""
    for plugin, sources in call_each(manager, "measure_facts"):
        for index, source in enumerate(_as_list(plugin, "measure_facts", sources)):
            if not isinstance(source, FactSource) or not source.kinds:
                raise ConfigurationError(f"Plugin {plugin!r}: measure_facts must return FactSource items with kinds")
            name = f"{plugin}.measure_facts.{index}"
            if name in comp.loaders:
                raise ConfigurationError(f"Plugin {plugin!r} declares loader {name!r} twice")
            if source.records is not None:
                _check_derived_source(plugin, source.records, comp)
            comp.loaders[name] = LoaderSpec(name, _fact_loader(source), default=())
            comp.measure_facts[name] = source


def _check_derived_source(plugin: str, records: LoaderSpec, comp: Composition) -> None:
    """A FactSource.from_records reads a record loader, and the one registered under its name: a request
    derives the facts from that loader's values, a nightly regrade calls the spec it was given."""
    if records.name not in {source.loader for source in comp.record_sources}:
        raise ConfigurationError(
            f"Plugin {plugin!r}: FactSource.from_records reads {records.name!r}, which is no record loader "
            "(declare a RecordSource for it)"
        )
    if comp.loaders.get(records.name) != records:
        raise ConfigurationError(
            f"Plugin {plugin!r}: FactSource.from_records reads another loader than the one registered as "
            f"{records.name!r}: pass the LoaderSpec the loaders hook returns"
        )


def _fact_loader(source: FactSource) -> Any:
    kinds = frozenset(source.kinds)

    async def load(connection: Any, subject_ids: Sequence[int]) -> Mapping[int, tuple[Any, ...]]:
        found = await source.load(connection, subject_ids, today())
        return {sid: _of_kinds(facts, kinds) for sid, facts in found.items()}

    return load


DerivedFacts = Callable[[Sequence[Any]], tuple[Any, ...]]


def derived_fact_loaders(comp: Composition) -> dict[str, tuple[str, DerivedFacts]]:
    """The fact loaders of ``FactSource.from_records`` sources: per loader name, the record loader its
    facts follow from and what makes one subject's facts (of the source's kinds, as of the request's
    day) from that subject's records. A request's loaders answer them from the records they hold."""
    found: dict[str, tuple[str, DerivedFacts]] = {}
    for name, source in comp.measure_facts.items():
        if source.records is not None and source.derive is not None:
            found[name] = (source.records.name, _facts_of(source.derive, frozenset(source.kinds)))
    return found


def _facts_of(derive: Callable[[Sequence[Any], Any], Sequence[Any]], kinds: frozenset[str]) -> DerivedFacts:
    def facts(records: Sequence[Any]) -> tuple[Any, ...]:
        return _of_kinds(derive(records, today()), kinds)

    return facts


def _of_kinds(facts: Iterable[Any], kinds: frozenset[str]) -> tuple[Any, ...]:
    """The facts of the kinds a source names: the others are dropped, whichever way it gave them."""
    return tuple(f for f in facts if f.kind in kinds)


def _collect_types(manager: pluggy.PluginManager, comp: Composition) -> None:
    """Check type names across plugins: every named strawberry type a plugin reaches from its
    fields and declared types belongs to it, and one name may not mean two classes."""
    from gateway.graph.schema_types import core_type_names, reachable_types  # avoid an import cycle

    owners: dict[str, tuple[str, type]] = {name: (CORE, cls) for name, cls in core_type_names().items()}
    if comp.subject_type is not None:  # the composed one, which query fields such as ``me`` return
        owners["CreditSubject"] = (CORE, comp.subject_type)
    declared: dict[str, list[type]] = {}
    for plugin, types in call_each(manager, "graphql_types"):
        declared[plugin] = _as_list(plugin, "graphql_types", types)
        comp.types.extend(Owned(plugin, t) for t in declared[plugin])
    resolvers: dict[str, list[Any]] = {}
    for owned in (*comp.subject_fields, *comp.query_fields, *comp.mutation_fields):
        resolvers.setdefault(owned.plugin, []).append(owned.item.resolver)
    for plugin in sorted(set(declared) | set(resolvers)):
        for name, cls in reachable_types(declared.get(plugin, []), resolvers.get(plugin, [])).items():
            owner, owner_cls = owners.setdefault(name, (plugin, cls))
            if owner == plugin or owner_cls is cls:
                continue
            if owner == CORE:
                raise ConfigurationError(f"GraphQL type {name!r} of plugin {plugin!r} clashes with the core's")
            raise ConfigurationError(f"GraphQL type {name!r} is claimed by both plugin {owner!r} and plugin {plugin!r}")
    comp.types.sort(key=lambda owned: _graphql_name(owned.item))


def _collect_tables(manager: pluggy.PluginManager, comp: Composition) -> None:
    claims = _Claims("Table", core_metadata.tables)
    for plugin, tables in call_each(manager, "tables"):
        for table in _as_list(plugin, "tables", tables):
            if not isinstance(table, sa.Table):
                raise ConfigurationError(f"Plugin {plugin!r}: hook tables returned {table!r}, not an sa.Table")
            claims.claim(table.name, plugin)
            comp.tables.append(Owned(plugin, table))


def _route_path(route: BaseRoute) -> str:
    return str(getattr(route, "path", ""))


def _segments(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _same_segment(a: str, b: str) -> bool:
    """Equal, or either is a path parameter (``{token}``), which takes any segment."""
    return a == b or a.startswith("{") or b.startswith("{")


def _overlap(path: str, path_is_mount: bool, other: str, other_is_mount: bool) -> bool:
    """Whether some request path would be served by both: equal templates, or one under the other's mount."""
    mine, theirs = _segments(path), _segments(other)
    if path_is_mount and len(mine) <= len(theirs):
        theirs = theirs[: len(mine)]
    elif other_is_mount and len(theirs) <= len(mine):
        mine = mine[: len(theirs)]
    return len(mine) == len(theirs) and all(_same_segment(a, b) for a, b in zip(mine, theirs, strict=True))


def _collect_http_routes(manager: pluggy.PluginManager, comp: Composition) -> None:
    """The plugins' pages, each path (a route's template, a mount's prefix) claimed by one plugin: two plugins
    on one path, or one under another's mount, would serve each other's requests depending on the order."""
    claimed: list[tuple[str, bool, str]] = [(path, False, CORE) for path in sorted(CORE_HTTP_PATHS)]
    claimed += [(path, True, CORE) for path in sorted(CORE_HTTP_MOUNTS)]
    # The core's default plugins first: their pages are served before, and a clash reads as the newcomer's.
    for plugin, routes in sorted(call_each(manager, "http_routes"), key=lambda item: default_plugins_first(item[0])):
        for route in _as_list(plugin, "http_routes", routes):
            if not isinstance(route, Route | Mount):
                raise ConfigurationError(
                    f"Plugin {plugin!r}: hook http_routes returned {route!r}, not a starlette Route or Mount"
                )
            path, is_mount = route.path, isinstance(route, Mount)
            if not path.startswith("/") and not (is_mount and path == ""):
                raise ConfigurationError(f"Plugin {plugin!r}: route path {path!r} must start with '/'")
            if is_mount and not _segments(path):
                raise ConfigurationError(f"Plugin {plugin!r}: a Mount at the root would take every path")
            for other, other_is_mount, owner in claimed:
                if owner == plugin or not _overlap(path, is_mount, other, other_is_mount):
                    continue  # a plugin's own routes may share a path (one per method)
                if owner == CORE:
                    raise ConfigurationError(
                        f"HTTP path {path!r} of plugin {plugin!r} clashes with the core's {other!r}"
                    )
                raise ConfigurationError(
                    f"HTTP path {path!r} is claimed by both plugin {owner!r} ({other!r}) and plugin {plugin!r}"
                )
            claimed.append((path, is_mount, plugin))
            comp.http_routes.append(Owned(plugin, route))
