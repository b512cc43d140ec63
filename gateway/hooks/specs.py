"""The plugin hooks: everything a domain (built-in or third-party) can contribute.

A plugin is a module or object registered under the entry-point group ``credit_gateway``. It
implements any of the hooks below with :data:`hookimpl`; the entry-point name is the plugin's
name and its domain. Every hook takes no arguments unless stated, and may return ``None`` (or be
absent) when the plugin has nothing of that kind. The built-in domains in ``plugins/`` use only
these hooks; ``docs``-style examples are in README.md ("Writing a plugin"). Over 400 lines on purpose:
every hook a plugin may implement, each with its documentation, in one place.

Example::

    from gateway.api import hookimpl, SubjectField

    @hookimpl
    def subject_fields():
        return [SubjectField("tax", resolve_tax, "The subject's tax credit information.")]
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pluggy
import sqlalchemy as sa
from starlette.routing import BaseRoute

from gateway.auth.principal import Role
from gateway.hooks.contributions import (
    CreditSection,
    DemoContext,
    FactSource,
    GradeRule,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectAccess,
    SubjectField,
)
from gateway.kernel.settings import Settings
from gateway.policy.visibility import Policies

if TYPE_CHECKING:
    # Typer is the command line's: a serving worker never runs a command, so this module names it in
    # annotations only, and makes the options below when a command module first asks for them.
    import typer

    # What a checker sees of the options made by ``__getattr__``: typer's metadata does not change the type.
    DatabaseOption = str | None
    PluginsOption = str | None

PROJECT_NAME = "credit_gateway"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# The options every database command takes, for plugin commands (``cli_commands``) to take them too:
# the same flags and help as the core's (gateway.cli.common), which plugins may not import. They are made
# on first use (``__getattr__`` below), so that importing the hooks does not import typer.
_OPTIONS: dict[str, tuple[str, str]] = {
    "DatabaseOption": ("--database-url", "Overrides CREDIT_GATEWAY_DATABASE_URL."),
    "PluginsOption": ("--plugins", "Comma-separated plugin allow-list."),
}


def __getattr__(name: str) -> Any:
    """``DatabaseOption`` and ``PluginsOption``, made (and kept) when first imported: only command modules
    import them, and those run in the command line, never in a serving worker."""
    if name not in _OPTIONS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import typer

    flag, help_text = _OPTIONS[name]
    option = Annotated[str | None, typer.Option(flag, help=help_text)]
    globals()[name] = option
    return option


@dataclass(frozen=True, slots=True)
class CommandLine:
    """What the command line lends a plugin's commands (``cli_commands``), so that they behave like the
    core's: it lives in ``gateway.cli``, which no plugin or feature may import.

    ``settings(database_url, plugins)``: the settings from the environment with those flags on top;
    ``run(coroutine)``: run it to completion, a ``ConfigurationError`` becoming a plain failure (exit 1);
    ``check_database(settings)``: an awaitable failing plainly (``ConfigurationError``) when the database
    cannot be reached; ``policies(settings)``: the field visibility declared by the allow-listed plugins
    (which composes them); ``composition(settings)``: the allow-listed plugins composed as ``serve`` composes
    them (their fact sources, grade rules, policies …); ``print(text)``: the command line's console (rich markup);
    ``fail(message, code=1)``: print ``error: message`` on stderr and return the ``typer.Exit`` to raise.
    """

    settings: Callable[..., Settings]
    run: Callable[[Coroutine[Any, Any, Any]], Any]
    check_database: Callable[[Settings], Awaitable[None]]
    policies: Callable[[Settings], Policies]
    print: Callable[..., None]
    fail: Callable[..., typer.Exit]
    composition: Callable[[Settings], Any]


def command_group(app: typer.Typer, name: str) -> typer.Typer:
    """The command group ``name`` already on ``app`` (``credit-gateway clients``, say), for a plugin to add
    a command to it. Raises ``LookupError`` when there is none."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    raise LookupError(f"the command line has no group {name!r}")


@hookspec
def tables() -> Sequence[sa.Table] | None:
    """The plugin's tables, defined on the plugin's own ``sa.MetaData``.

    Returns: the ``sa.Table`` objects. Detail tables join the shared envelope through a foreign
    key to ``gateway.api.credit_record.c.id``. Two plugins naming the same table stop the start.
    The tables must match what :func:`migrations` creates (a test compares them).

    Example: ``return [tax_credit_rating, tax_major_violation]``
    """


@hookspec
def migrations() -> str | Path | None:
    """The directory of the plugin's Alembic revisions.

    Returns: a path to a directory of ordinary Alembic revision files. The plugin's history is
    its own (version table ``alembic_version_<plugin>``), applied after the core's by
    ``credit-gateway db upgrade``.

    Example: ``return Path(__file__).parent / "migrations" / "versions"``
    """


@hookspec
def graphql_types() -> Sequence[type] | None:
    """Strawberry types to add to the schema that no field reaches directly.

    Returns: types such as the record types implementing ``CreditRecord``, which are reached
    only through that interface. Types reachable from the plugin's fields need not be listed.
    A type name claimed by two plugins (or by the core) stops the start.

    Example: ``return [TaxCreditRating, MajorTaxViolation]``
    """


@hookspec
def subject_fields() -> Sequence[SubjectField] | None:
    """Fields the plugin adds to ``CreditSubject``.

    Returns: :class:`~gateway.hooks.contributions.SubjectField` items; resolvers take ``root`` (the
    subject) and ``info``, return a nullable type, and read data only through loaders
    (``info.context.loaders.load("tax.records", root.id)``). A field name claimed twice stops the start.

    Example: ``return [SubjectField("tax", resolve_tax, "Tax credit ratings and violations.")]``
    """


@hookspec
def query_fields(subject_type: type) -> Sequence[QueryField] | None:
    """Top-level ``Query`` fields, such as a domain's black list.

    Receives (optional: take it only if a field returns subjects): ``subject_type``, the composed
    ``CreditSubject`` class with every plugin's fields, for a resolver that returns subjects
    (``subject_type.from_row(row)``).
    Returns: :class:`~gateway.hooks.contributions.QueryField` items. List-valued fields must be paged
    with a bounded ``first`` (``gateway.api.page_size``).

    Example: ``return [QueryField("majorTaxViolations", resolve_list, "The tax black list.")]``
    """


@hookspec
def mutation_fields() -> Sequence[MutationField] | None:
    """Submission mutations of the plugin's domain.

    Returns: :class:`~gateway.hooks.contributions.MutationField` items. The core admits only the admin
    and departments of this plugin's domain; resolvers validate every item, write in one
    transaction, and are idempotent on the record's natural key.

    Example: ``return [MutationField("submitTaxCreditRatings", submit_ratings, "…")]``
    """


@hookspec
def loaders() -> Sequence[LoaderSpec] | None:
    """Batch loaders, made afresh for every request.

    Returns: :class:`~gateway.hooks.contributions.LoaderSpec` items named ``"<plugin>.<what>"``; each
    ``load(connection, keys)`` runs one statement however many keys it gets.

    Example: ``return [LoaderSpec("tax.records", load_tax_records, default=())]``
    """


@hookspec
def record_sources() -> Sequence[RecordSource] | None:
    """Where ``CreditSubject.records`` finds this domain's records.

    Returns: :class:`~gateway.hooks.contributions.RecordSource` items naming a loader keyed by subject
    id that yields objects implementing ``CreditRecord``.

    Example: ``return [RecordSource(domain="tax", loader="tax.records")]``
    """


@hookspec
def field_policies() -> Mapping[str, str] | None:
    """Who may ever see the plugin's fields.

    Returns: a mapping from ``"Type.field"`` (one field) or ``"Type"`` (every field of the type
    without its own entry) to a visibility: ``public``, ``portal``, ``subject``, ``department``,
    ``admin`` or a partner-grantable group ``partner:<group>`` (see :mod:`gateway.policy.visibility`).
    Each audience's schema leaves out what it may never see. A field nobody declared is admin-only,
    and the start warns about it; a key declared by two plugins (or the core) stops the start.

    Example::

        return {"CreditSubject.tax": "public", "TaxProfile": "public", "TaxCreditRating.score": "partner:tax.rating"}
    """


@hookspec
def measure_facts() -> Sequence[FactSource] | None:
    """Facts about subjects that may trigger joint reward and punishment measures (联合奖惩): the
    measures catalogue (``core.measures``) names its triggers by fact kind and attributes, and applies a
    measure to a subject while one of the subject's facts matches one of its triggers.

    Receives: nothing.
    Returns: :class:`~gateway.hooks.contributions.FactSource` items: ``FactSource(kinds, load)``, where
    ``load(connection, subject_ids, today)`` runs ONE statement for all the subjects of a request level and
    returns ``{subject_id: [Fact(kind, attributes, record_id, description, since)]}``, only from records in
    force on ``today`` (repaired, revoked, expired or withheld records are no facts). The core loads each
    source once per level (it becomes a loader), whatever the number of subjects, and only where a kind it
    names is needed (the culture green channel reads only the sources of kinds that could withhold it).

    Facts that follow from the records of the plugin's record loader are declared with
    ``FactSource.from_records(kinds, records_loader_spec, derive)``: ``derive(records, today)`` gets one
    subject's records (all the loader's batch function returns, before any caller's record filter) and
    returns its facts; in a request that has loaded those records (a profile showing the domain) they cost
    no statement. ``records_loader_spec`` is the ``LoaderSpec`` the ``loaders`` hook returns, declared as a
    ``RecordSource`` (else ``ConfigurationError``).

    Example::

        @hookimpl
        def measure_facts():
            return [FactSource(("tax_grade",), load_latest_grades)]

        # or derived from the domain's records:
        @hookimpl
        def measure_facts():
            return [FactSource.from_records(("tax_grade", "list"), TAX_RECORDS, tax_facts)]
    """


@hookspec
def grade_rules() -> Sequence[GradeRule] | None:
    """Grade rules of tiered supervision (信用分级分类监管, core.supervision) for the plugin's own domain:
    how the facts of its domain (hook ``measure_facts``) score towards a subject's grade A–D.

    Receives: nothing.
    Returns: :class:`~gateway.hooks.contributions.GradeRule` items, ``GradeRule(kind, points, at_most=None,
    **match)``. A fact of the plugin's domain scores by the first of its rules that matches, before the
    general rules of the supervision feature's rules.toml. A rule for a kind without a domain attribute
    (``tax_grade``) claims that kind for the plugin's domain. An unknown kind or attribute, a value out of
    range, a ``domain`` other than the plugin's, or a kind claimed by two plugins stops the start with a
    ``ConfigurationError`` naming the plugin. The rules version shown with every grade and draw is
    rules.toml's version plus a short hash of all contributed rules, so that it changes with them.

    Example::

        @hookimpl
        def grade_rules():
            return [GradeRule("tax_grade", -40, at_most="D", grade="D"), GradeRule("tax_grade", 10, grade="A")]
    """


@hookspec
def importers() -> Sequence[Importer] | None:
    """Bulk import of the plugin's records from CSV (UTF-8 or GB18030) and JSON Lines files.

    Returns: :class:`~gateway.hooks.contributions.Importer` items, each naming a record kind, the
    columns (with the Chinese headings departments export) and the input class rows become.
    ``credit-gateway import --domain <plugin> [--kind <name>] FILE`` then streams the file,
    commits valid rows, reports each invalid row with its row number, and adds nothing on re-runs.

    Example::

        @hookimpl
        def importers():
            return [Importer("ratings", RATINGS, RATING_COLUMNS, TaxCreditRatingInput)]
    """


@hookspec
def seed_demo_data(demo: DemoContext) -> Awaitable[None] | None:
    """Write the plugin's demo records for ``credit-gateway serve --demo``.

    Receives: ``demo``, a :class:`~gateway.hooks.contributions.DemoContext` with the demo subjects, an
    engine, the reference date and ``demo.rng(name)`` for deterministic draws.
    Returns: nothing, or an awaitable. Seeding twice must change nothing: write through the
    plugin's idempotent submission path.

    Example::

        @hookimpl
        async def seed_demo_data(demo):
            await submit_ratings(demo.engine, build_demo_ratings(demo))
    """


@hookspec
def schema_extensions(role: Role, policies: Policies) -> Sequence[Any] | None:
    """Strawberry schema extensions for the schema of one audience: code that runs around every
    operation (``on_operation``, ``on_execute``) or field (``resolve``) of that audience.

    Receives (take only what you need): ``role``, the audience (a :class:`gateway.api.Role`);
    ``policies``, every field's declared visibility.
    Returns: ``SchemaExtension`` classes or factories, after the core's limits and before its
    query-plan extension: the core's default plugins' first (the partner field guard, then the query
    record), then the other plugins' in hook order (``tryfirst`` first). A field-wrapping extension
    under the planned engine must say which fields it wraps (``planned_field_wrapped``), or the
    audience's operations run on graphql-core. The lifecycle hooks (``on_operation``, ``on_parse``,
    ``on_validate``, ``on_execute``) run as strawberry runs them, generator or plain, sync or async,
    with one difference: when a hook fails on entry, the hooks entered before it are left with that
    exception (as ``contextlib.ExitStack`` leaves them), where strawberry abandons them.

    Example::

        @hookimpl
        def schema_extensions(role):
            return [RequestTimer] if role is Role.PARTNER else []
    """


@hookspec
def schema_built(schema: Any, role: Role, policies: Policies) -> None:
    """Called once each audience's schema is built, before it serves a request: to check it or to
    annotate it (descriptions). The admin's schema is built at start, so raising there stops the
    start; the others are built on their audience's first request, so raising there fails that
    audience's requests (with an internal error, logged) until the cause is fixed.

    Receives (take only what you need): ``schema``, the built ``strawberry.federation.Schema``
    (its graphql-core schema is ``schema._schema``); ``role``; ``policies``.
    Returns: nothing. Raise ``ConfigurationError`` to stop the start with a message.

    Example::

        @hookimpl
        def schema_built(schema, role):
            if role is Role.ADMIN and "Query.myList" not in str(schema):
                raise ConfigurationError("myList is missing")
    """


@hookspec
def subject_access() -> SubjectAccess | None:
    """The plugin's say over which subjects a request is handed, and what it does with those served.

    Returns: a :class:`~gateway.hooks.contributions.SubjectAccess` with any of ``admit``,
    ``narrow_search`` and ``served``, and for requests through a supergraph ``field_allowed`` and
    ``served_federated``. The core's default plugins use it: partner access admits a partner only to the
    subjects that authorised it, and the query record notes every subject served.

    ``served_federated(context, request)`` receives the request's context and a
    :class:`~gateway.hooks.contributions.FederatedRequest` (``operation``, ``subgraphs``, ``subjects``,
    ``about_no_subject``, ``parked``) once at the end of a keyed federated request that could hand out
    something recorded, and returns nothing (raise to withhold the response). While the request runs,
    :func:`~gateway.hooks.contributions.federated_request` returns that same object to the plugin's code
    (None outside one), so ``served`` can set aside in ``parked`` what ``served_federated`` does once.

    Example::

        @hookimpl
        def subject_access():
            return SubjectAccess(served=lambda info, ids, path: count_views(info, ids))

    Example, counting views once per request, federated ones too::

        def served(info, subject_ids, path):
            request = federated_request()
            if request is None:
                count_views(subject_ids, via=())
            else:  # an in-process operation of a federated request: counted at its end
                request.parked.setdefault("views", set()).update(subject_ids)

        async def served_federated(context, request):
            viewed = request.parked.pop("views", set()) | {sid for sid, _fields in request.subjects}
            count_views(viewed, via=request.subgraphs)

        @hookimpl
        def subject_access():
            return SubjectAccess(served=served, served_federated=served_federated)
    """


@hookspec
def cli_commands(app: typer.Typer, cli: CommandLine) -> None:
    """Add the plugin's commands to ``credit-gateway``: called when the command line starts, before it
    parses its arguments, without settings or a database (open those in the commands themselves).

    Receives (take only what you need): ``app``, the root ``typer.Typer``, to register commands
    (``app.command("name")(function)``) or groups (``app.add_typer(group, name="name")``) on, or to
    find an existing group with :func:`command_group`; ``cli``, a :class:`CommandLine` (settings from
    the flags, the database check, plain failures, the console).
    Returns: nothing. Every installed plugin is loaded (the allow-list is a serving setting). A plugin
    that fails to load, or whose ``cli_commands`` raises, is named in a warning on stderr and loses what
    it added at the root; the other commands still work. Commands are listed in registration order:
    the core's, then the default plugins', then installed plugins' by name.

    Example::

        @hookimpl
        def cli_commands(app, cli):
            @app.command("tax-report", help="Count the tax ratings.")
            def tax_report(database_url: DatabaseOption = None) -> None:
                cli.print(cli.run(count_ratings(cli.settings(database_url))))
    """


@hookspec
def startup(app: Any, graph: Any) -> Awaitable[None] | None:
    """Called when the server starts (the ASGI lifespan's startup), once the graph is built and before
    the first request: to open what the plugin needs while serving (a client, a background task).
    Open such things here and nowhere else: with ``serve --workers N`` each worker runs ``startup``,
    but the app and its graph (every other hook of the composition) may be built once, in the
    supervisor, before the workers are forked from it (``serve --preload``), and a connection, thread
    or open file cannot be shared by forked processes.

    Receives (take only what you need): ``app``, the ``starlette.applications.Starlette`` app (put
    shared state on ``app.state``); ``graph``, the composed graph (``graph.settings``, ``graph.engine``,
    ``graph.composition``).
    Returns: nothing, or an awaitable, which is awaited before the next plugin's ``startup``. Plugins
    start in hook order (``tryfirst`` first). An exception stops the start with an error naming the
    plugin; the plugins already started are shut down first.

    Example::

        @hookimpl
        async def startup(app, graph):
            app.state.tax_client = await TaxBureauClient.connect(graph.settings.secret_key)
    """


@hookspec
def shutdown(app: Any, graph: Any) -> Awaitable[None] | None:
    """Called when the server stops (the ASGI lifespan's shutdown), before the core closes its engine:
    to flush and close what ``startup`` opened.

    Receives (take only what you need): ``app``, the ``starlette.applications.Starlette`` app;
    ``graph``, the composed graph.
    Returns: nothing, or an awaitable, which is awaited. Plugins stop in the reverse of hook order; an
    exception is logged (logger ``gateway.host.loading``) and the other plugins still stop.

    Example::

        @hookimpl
        async def shutdown(app):
            await app.state.tax_client.aclose()
    """


@hookspec
def http_routes() -> Sequence[BaseRoute] | None:
    """Pages and files the plugin serves over HTTP beside ``/graphql`` (a page for people, a download).

    Receives: nothing.
    Returns: starlette routes (``Route``, ``Mount``), mounted after the core's behind the same middleware:
    request ids, the database-outage 503, the body limit, authentication (a bad ``Authorization`` header
    is a 401) and the per-client rate limits. The cross-site guard of ``/graphql`` (JSON or a custom header
    on every POST) is not applied, so that an HTML form can post: a route that acts on a credential's
    behalf must guard itself. A path of the core's (``/graphql``, ``/graphiql``, ``/healthz``, ``/readyz``,
    ``/metrics``) or of another plugin's, or one under a ``Mount`` of either, stops the start. A handler
    reaches the gateway through ``request.app.state``: ``graph`` (``graph.settings``, ``graph.engine``,
    ``graph.clock``) and ``public_graphql``, whose ``await execute(query, variables, request=request)``
    runs an operation in process against the public audience's schema, with the public API's rules, limits
    and answers (a ``strawberry.types.ExecutionResult``), its ``graphql_schema`` being that schema.

    Example::

        @hookimpl
        def http_routes():
            return [Route("/tax/ratings.csv", ratings_csv), Mount("/tax/files", StaticFiles(directory=HERE / "files"))]
    """


@hookspec
def credit_sections() -> Sequence[CreditSection] | None:
    """The plugin's sections of the platform's signed credit extract (信用信息摘要, ``issueCreditExtract``):
    what the domain holds in force about the subject, in Chinese, as a person reads it.

    Receives: nothing.
    Returns: :class:`~gateway.hooks.contributions.CreditSection` items: ``CreditSection(id, title, load,
    order=100)``, where ``load(connection, subject_ids, today)`` runs ONE statement for all the subjects
    and returns ``{subject_id: [SectionRow(label, text, record_id)]}``, only from records in force on
    ``today``. Sections print by ``order`` then ``id``; their rows are signed with the extract, so a
    section's ``id`` must stay the same between releases. Two sections with one ``id`` stop the extract.

    Example::

        @hookimpl
        def credit_sections():
            return [CreditSection("tax.grades", "纳税信用", load_tax_rows, order=10)]
    """
