"""Composing the schema: the core's ``CreditSubject`` and queries, plus every plugin's fields.

This module builds types at run time (their fields depend on the plugins loaded), so it does not
use postponed annotations: the annotations below are evaluated with the composed classes in scope.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.federation.schema import FederationAny
from strawberry.permission import PermissionExtension
from strawberry.schema.name_converter import NameConverter
from strawberry.types import Info

from gateway.auth.principal import Role
from gateway.db.tables import subject as subject_table
from gateway.engine.eager import selected_names
from gateway.engine.executor import PLANNED_KEY, PlannedExecutor, install_plan_cache
from gateway.graph.arguments import subject_codes
from gateway.graph.datetimes import SCALAR_OVERRIDES
from gateway.graph.entities import reference_keys, resolve_entities
from gateway.graph.pagination import Connection, connection_from_rows, decode_cursor, page_size
from gateway.graph.subject import CORE_LOADERS, SUBJECT_BY_HASH
from gateway.graph.subject_access import admit_subjects, note_served
from gateway.host.composition import Composition, DerivedFacts, derived_fact_loaders
from gateway.host.loading import default_plugins_first, each_implementation
from gateway.kernel.clock import Clock
from gateway.kernel.errors import (
    BadUserInput,
)
from gateway.kernel.identifiers import SubjectCode, lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_SEARCH_LENGTH
from gateway.kernel.settings import Settings
from gateway.policy.access import CanWriteDomain, subject_visible, visible_subjects_clause
from gateway.policy.limits import ListSizes, role_limits
from gateway.policy.visibility import Policies, visible_to
from gateway.server.extensions.abuse_limits import AbuseLimits
from gateway.server.extensions.error_logging import OperationBoundary, log_errors
from gateway.server.extensions.error_policy import ErrorPolicy
from gateway.server.extensions.hook_runner import LifecycleRunner
from gateway.server.extensions.operation_cache import operation_caches
from gateway.server.extensions.operation_choice import OperationChoice
from gateway.server.extensions.plan_header import QueryPlanExtension
from gateway.server.extensions.text_input import TextInputCheck
from gateway.server.persisted import PersistedOperations, QueryStore
from gateway.server.read_connection import ReadConnectionPark

log = logging.getLogger(__name__)


async def _find_subject(cls: type, info: Info, code: str) -> Any:
    settings: Settings = info.context.settings
    parsed = parse_subject_code(code, uscc_allow_list=settings.uscc_allow_list)
    # The per-key DataLoader, not load_all: _entities resolves each representation through here at once,
    # and the loader batches them into one statement.
    row = await info.context.loaders.load(SUBJECT_BY_HASH, lookup_hash(parsed, settings.secret_key))
    if row is not None and not subject_visible(info.context.principal, row):
        row = None  # a subject this principal may not see reads as unknown
    # A partner is refused an unknown code exactly as a subject that has not authorised it.
    (admitted,) = await _admit(info, [parsed], [row])
    if isinstance(admitted, Exception):
        raise admitted  # a partner without this subject's authorisation
    if admitted is None:
        return None
    _served(info, [row.id])
    await _prefetch(info, [row.id])
    return cls.from_row(row)


async def _admit(info: Info, codes: list[SubjectCode], rows: list[Any]) -> list[Any]:
    """Each plugin's ``SubjectAccess.admit`` in turn (partner access: a partner's unauthorised subjects
    become errors in place)."""
    return await admit_subjects(info, codes, rows)


def _served(info: Info, subject_ids: list[int], path: tuple[str, ...] = ()) -> None:
    """Each plugin's ``SubjectAccess.served`` (the query record notes every subject served)."""
    note_served(info, subject_ids, path)


async def _prefetch(info: Info, subject_ids: list[int], path: tuple[str, ...] = ()) -> None:
    """Load, in one statement each, the records the selected domain fields will read, so that their
    resolvers find them loaded and complete without a task each (see eager). Under the planned engine
    the domain fields' batch forms load them a level later in the same statements: nothing to do."""
    if not subject_ids or info.context.extras.get(PLANNED_KEY):
        return
    graph = info.context.graph
    loaders = info.context.loaders
    for name in graph.prefetch_plan(info, path):
        await loaders.load_all(name, subject_ids)


def _query_type(composition: Composition, subject_cls: type) -> type:
    async def subject(info: Info, code: str) -> Optional[subject_cls]:  # noqa: UP045 (runtime type)
        return await _find_subject(subject_cls, info, code)

    async def subjects(info: Info, codes: list[str]) -> list[Optional[subject_cls]]:  # noqa: UP045
        settings: Settings = info.context.settings
        parsed = subject_codes(codes, settings.max_batch_subjects, settings.uscc_allow_list)
        principal = info.context.principal
        rows = [
            row if row is not None and subject_visible(principal, row) else None
            for row in await info.context.loaders.load_all(
                SUBJECT_BY_HASH, [lookup_hash(code, settings.secret_key) for code in parsed]
            )
        ]
        # A partner's unauthorised (or unknown) subjects become errors in place: the rest of the batch stands.
        admitted = await _admit(info, parsed, rows)
        shown = [row for row in admitted if row is not None and not isinstance(row, Exception)]
        _served(info, [row.id for row in shown])
        await _prefetch(info, [row.id for row in shown])
        return [row if row is None or isinstance(row, Exception) else subject_cls.from_row(row) for row in admitted]

    async def search_subjects(
        info: Info,
        name: str,
        first: int | None = None,
        after: Optional[str] = None,  # noqa: UP045
    ) -> Connection[subject_cls]:
        settings: Settings = info.context.settings
        size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
        needle = name.strip()
        if not needle or len(needle) > MAX_SEARCH_LENGTH:
            raise BadUserInput(f"name must have 1 to {MAX_SEARCH_LENGTH} characters", argument="name")
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = sa.select(subject_table).where(subject_table.c.name.like(f"%{escaped}%", escape="\\"))
        principal = info.context.principal
        query = query.where(visible_subjects_clause(principal, subject_table))
        for access in info.context.graph.composition.subject_access:
            if access.narrow_search is not None:  # a partner finds only who authorised it (partner access)
                query = access.narrow_search(info, query, subject_table)
        if after is not None:
            last_name, last_id = decode_cursor(after, 2)
            query = query.where(sa.tuple_(subject_table.c.name, subject_table.c.id) > (str(last_name), int(last_id)))
        query = query.order_by(subject_table.c.name, subject_table.c.id).limit(size + 1)
        async with info.context.connection() as conn:
            rows = (await conn.execute(query)).all()
        _served(info, [row.id for row in rows[:size]], ("edges", "node"))
        return connection_from_rows(rows, size, subject_cls.from_row, lambda row: (row.name, row.id))

    namespace: dict[str, Any] = {
        "subject": strawberry.field(resolver=subject, description="One subject by USCC or resident ID number."),
        "subjects": strawberry.field(
            resolver=subjects, description="Several subjects by code, in the order asked; null where unknown."
        ),
        "search_subjects": strawberry.field(
            resolver=search_subjects, description="Subjects whose name contains the text, by name."
        ),
    }
    for owned in composition.query_fields:
        namespace[owned.item.name] = strawberry.field(
            resolver=owned.item.resolver, name=owned.item.name, description=owned.item.description
        )
    return strawberry.type(type("Query", (), namespace))


def _mutation_type(composition: Composition) -> type:
    namespace: dict[str, Any] = {}
    for owned in composition.mutation_fields:
        gate = [CanWriteDomain(owned.plugin)] if owned.item.domain_gated else []
        namespace[owned.item.name] = strawberry.mutation(
            resolver=owned.item.resolver,
            name=owned.item.name,
            description=owned.item.description,
            extensions=[PermissionExtension(gate, use_directives=False)] if gate else [],
        )
    return strawberry.type(type("Mutation", (), namespace))


def _mutation_names(mutation: type) -> list[str]:
    """GraphQL names (grantAuthorization), as the visibility declarations spell them."""
    names = NameConverter()
    return [names.get_graphql_name(f) for f in mutation.__strawberry_definition__.fields]  # type: ignore[attr-defined]


class AudienceSchema(strawberry.federation.Schema):
    """The schema one audience sees: fields its role may never see are absent, from introspection and
    from validation alike (as Hasura gives each role its own schema)."""

    def __init__(self, *args: Any, audience: Role, policies: Policies, **kwargs: Any) -> None:
        # get_fields runs during the base initialiser, so these must be set first.
        self.audience = audience
        self.policies = policies
        # The boundary first, so that its hook ends after every other (see gateway.server.extensions.error_logging).
        kwargs["extensions"] = [OperationBoundary, OperationChoice, *kwargs.get("extensions", [])]
        # Every DateTime in China time with its offset, as the rest of the API's dates (gateway.graph.datetimes).
        kwargs.setdefault("scalar_overrides", SCALAR_OVERRIDES)
        plan_cache_size = kwargs.pop("plan_cache_size", None)
        if plan_cache_size is not None:  # the planned engine (gateway.engine) runs this audience's queries
            kwargs["execution_context_class"] = PlannedExecutor
        super().__init__(*args, **kwargs)
        if plan_cache_size is not None:
            self.plan_cache = install_plan_cache(self._schema, plan_cache_size)
        entity = self._schema.type_map.get("_Entity")
        entity_names = [t.name for t in entity.types] if entity is not None else []
        self._entity_reference_keys = reference_keys(self.schema_converter.type_map, entity_names)

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """``_entities`` with each representation checked first (gateway.graph.entities), at most as
        many as a ``subjects`` batch takes. (Strawberry reads this signature for the field's type.)"""
        base = super().entities_resolver
        maximum = info.context.settings.max_batch_subjects
        return resolve_entities(representations, self._entity_reference_keys, maximum, lambda valid: base(info, valid))

    def create_extensions_runner(self, execution_context: Any, extensions: list[Any]) -> LifecycleRunner:
        """The extensions' hooks run by gateway.server.extensions.hook_runner (strawberry's semantics,
        without re-wrapping every hook on every request)."""
        return LifecycleRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Instead of strawberry's ERROR with a traceback for every error, a client's mistake included."""
        log_errors(errors, execution_context)

    def get_fields(self, type_definition: Any) -> list[Any]:
        fields = super().get_fields(type_definition)
        if type_definition.is_input:
            return fields
        return [f for f in fields if self.shows(type_definition, f)]

    def shows(self, type_definition: Any, strawberry_field: Any) -> bool:
        """Whether this audience sees a field; an interface's field follows the interface."""
        interface = next(
            (
                i.name
                for i in getattr(type_definition, "interfaces", ())
                if any(f.python_name == strawberry_field.python_name for f in i.fields)
            ),
            None,
        )
        names = self.config.name_converter
        # The GraphQL name: a specialised generic is MajorTaxViolationConnection, not Connection.
        type_name = (
            names.from_interface(type_definition)
            if type_definition.is_interface
            else names.from_object(type_definition)
        )
        return visible_to(
            self.audience, self.policies.visibility(type_name, names.get_graphql_name(strawberry_field), interface)
        )


@dataclass(slots=True)
class Graph:
    """The composed, runnable graph: what a request needs besides its own principal."""

    settings: Settings
    engine: AsyncEngine
    composition: Composition
    subject_type: type
    build_schema: Callable[[Role], strawberry.federation.Schema]
    clock: Clock
    audiences: dict[Role, strawberry.federation.Schema] = field(default_factory=dict)
    # Called after an audience schema is built (serve: gateway.server.heap.settle).
    on_schema_built: Callable[[], None] | None = None
    # Read connections lent from one request to the next (serve, on PostgreSQL: create_app's park_reads).
    read_park: ReadConnectionPark | None = None
    # Every loader of records, whose rows pass the publication filter (gateway.server.context): every
    # request's loaders ask, and the composition never changes.
    record_loader_names: frozenset[str] = field(init=False)
    # Fact loaders of FactSource.from_records sources: their record loader and how a subject's facts follow.
    derived_fact_loaders: dict[str, tuple[str, DerivedFacts]] = field(init=False)

    def __post_init__(self) -> None:
        self.record_loader_names = frozenset(source.loader for source in self.composition.record_sources)
        self.derived_fact_loaders = derived_fact_loaders(self.composition)

    def schema_for(self, role: Role) -> strawberry.federation.Schema:
        """The audience schema of a role, built on first use (most processes serve few roles)."""
        schema = self.audiences.get(role)
        if schema is None:
            schema = self.audiences[role] = self.build_schema(role)
            if self.on_schema_built is not None:
                self.on_schema_built()
        return schema

    @property
    def schema(self) -> strawberry.federation.Schema:
        """The whole graph, as the admin sees it."""
        return self.schema_for(Role.ADMIN)

    def find_subject(self, cls: type, info: Info, code: str) -> Any:
        """One subject by code under the request's access rules (``CreditSubject.resolve_reference``)."""
        return _find_subject(cls, info, code)

    def prefetch_plan(self, info: Info, path: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The record loaders that the subject fields selected under this field read."""
        names = selected_names(info._raw_info, path)
        # Not for ``records``: its domain argument may narrow it to fewer loaders than all.
        return tuple({self.loader_of_subject_field[name] for name in names if name in self.loader_of_subject_field})

    @property
    def loader_of_subject_field(self) -> dict[str, str]:
        """A domain's subject field (``tax``) → the loader of its records (``tax.records``)."""
        by_plugin = {source.domain: source.loader for source in self.composition.record_sources}
        return {o.item.name: by_plugin[o.plugin] for o in self.composition.subject_fields if o.plugin in by_plugin}

    @property
    def core_record_loaders(self) -> tuple[str, ...]:
        """Records merged into ``records`` in whatever domain (``RecordSource(every_domain=True)``)."""
        return tuple(source.loader for source in self.composition.record_sources if source.every_domain)

    @property
    def loader_specs(self) -> dict[str, Any]:
        return {**{spec.name: spec for spec in CORE_LOADERS}, **self.composition.loaders}


def _contributed_extensions(composition: Composition, role: Role, policies: Policies) -> list[Any]:
    """The plugins' schema extensions: the core's default plugins' first (the partner field guard wraps
    fields before any other plugin's extension sees them, then the query record), then the others' in
    hook order (``tryfirst`` first)."""
    calls = each_implementation(composition.manager, "schema_extensions")
    calls.sort(key=lambda call: default_plugins_first(call[0]))  # hook order within each group
    return [item for _name, call in calls for items in call(role=role, policies=policies) for item in items or ()]


def build_graph(
    settings: Settings,
    engine: AsyncEngine,
    composition: Composition,
    extensions: list[Callable[[], Any] | type] | None = None,
) -> Graph:
    subject_cls = composition.subject_type
    query = _query_type(composition, subject_cls)
    mutation = _mutation_type(composition)
    mutation_names = _mutation_names(mutation)
    policies = composition.policies
    hooks = composition.manager.hook

    def build(role: Role) -> strawberry.federation.Schema:
        # Persisted operations first: they supply the query text the limits then measure.
        abuse = [
            PersistedOperations.factory(QueryStore(settings.apq_cache_size)),
            AbuseLimits.factory(
                role_limits(settings.role_limits),
                ListSizes(settings.default_list_size, settings.max_page_size, settings.max_batch_subjects),
                settings.development_mode,
            ),
            # After the limits, which set the parser's max_tokens (part of the parse cache's key) and
            # measure every request themselves: a cached document or validation skips no limit.
            *operation_caches(),
            # Control characters in any string argument are refused here, once, before any resolver
            # (a database would store them unlike another, or fail on them).
            TextInputCheck,
        ]
        # A role none of whose mutations are visible gets no Mutation type at all.
        mutations_seen = any(visible_to(role, policies.visibility("Mutation", name)) for name in mutation_names)
        contributed = _contributed_extensions(composition, role, policies)
        schema = AudienceSchema(
            query=query,
            mutation=mutation if mutations_seen else None,
            types=[owned.item for owned in composition.types],
            extensions=[ErrorPolicy, *abuse, *contributed, QueryPlanExtension, *(extensions or [])],
            federation_version="2.11",
            audience=role,
            policies=policies,
            plan_cache_size=settings.plan_cache_size if settings.execution_engine == "planned" else None,
        )
        hooks.schema_built(schema=schema, role=role, policies=policies)
        return schema

    graph = Graph(settings, engine, composition, subject_cls, build, Clock(settings.as_of))
    graph.schema_for(Role.ADMIN)  # builds every type once, and runs the schema_built checks: errors show at start
    policies.warn_undeclared()
    return graph
