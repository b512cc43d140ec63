"""What a plugin contributes, as returned from its hooks (see :mod:`gateway.hooks.specs`).

Each is a small frozen description; the core does the wiring (permissions, loaders per request,
deterministic ordering), so a plugin cannot forget it.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.kernel.identifiers import SubjectCode, SubjectKind

BatchLoad = Callable[[AsyncConnection, Sequence[Any]], Awaitable[Mapping[Any, Any]]]


@dataclass(frozen=True, slots=True)
class SubjectField:
    """A field on ``CreditSubject``.

    ``resolver`` is a strawberry resolver whose first parameter ``root`` receives the subject
    (a :class:`gateway.graph.subject.CreditSubjectBase`; ``root.id`` keys the plugin's loaders).
    Its return type must be nullable, so that a plugin that fails yields ``null`` at its path
    while the rest of the profile stands.
    """

    name: str
    resolver: Callable[..., Any]
    description: str


@dataclass(frozen=True, slots=True)
class QueryField:
    """A top-level ``Query`` field, such as a domain's published list."""

    name: str
    resolver: Callable[..., Any]
    description: str


@dataclass(frozen=True, slots=True)
class MutationField:
    """A ``Mutation`` field. The core lets only the admin and departments of the plugin's own domain
    call it, so a submission is never anonymous and never crosses domains.

    ``domain_gated=False`` is for a mutation that several audiences share (a subject files a dispute,
    the admin closes it): the core adds no gate, and the resolver must check its caller itself.
    """

    name: str
    resolver: Callable[..., Any]
    description: str
    domain_gated: bool = True


@dataclass(frozen=True, slots=True)
class LoaderSpec:
    """A batch loader, instantiated once per request.

    ``load(connection, keys)`` runs one SQL statement for all keys collected in one tick and
    returns a mapping from key to value; keys absent from the mapping get ``default``. The name
    must start with the plugin's name and a dot (``"tax.records"``).
    """

    name: str
    load: BatchLoad
    default: Any = None


@dataclass(frozen=True, slots=True)
class RecordSource:
    """Declares that the loader named ``loader``, keyed by subject id, returns the domain's records
    (objects implementing ``CreditRecord``) for ``CreditSubject.records`` to merge.

    ``every_domain=True`` is for records that belong to whichever domain each one names (a broken
    commitment is a record of the commitment's domain): they are merged whatever ``domain`` a query asks.
    """

    domain: str
    loader: str
    every_domain: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact about a subject that may trigger a joint reward or punishment measure (联合奖惩).

    ``kind`` is a trigger kind of the measures catalogue (``list``, ``tax_grade``, ``record``,
    ``broken_commitment``, ``supervision_grade``); ``attributes`` are what a trigger matches on
    (``{"domain": "tax", "list_type": "BLACK"}``, ``{"grade": "A"}``), as strings; ``record_id`` is the
    record the fact comes from and ``description`` a short text for a person, so that a measure in force
    can be explained; ``since`` the day the fact began (a decision date), when known.
    """

    kind: str
    attributes: Mapping[str, str]
    record_id: int | None
    description: str
    since: date | None = None


FactLoad = Callable[[AsyncConnection, Sequence[int], date], Awaitable[Mapping[int, Sequence[Fact]]]]
# One subject's records, as its record loader's batch function returns them (unfiltered), and the day.
FactDerivation = Callable[[Sequence[Any], date], Sequence[Fact]]


@dataclass(frozen=True, slots=True)
class FactSource:
    """Where facts of the ``kinds`` named come from (hook ``measure_facts``).

    ``load(connection, subject_ids, today)`` runs ONE SQL statement for all the subjects and returns,
    per subject id, the facts in force on ``today`` (only records in force: active, inside their
    publication window, not withheld; a repaired, revoked or expired record is no fact). Facts of a kind
    the source does not name are dropped.

    A source whose facts follow from the records its plugin's record loader reads is made with
    :meth:`from_records` instead: in a request that has loaded those records already (a profile that
    shows the domain), its facts then cost no statement.
    """

    kinds: tuple[str, ...]
    load: FactLoad
    records: LoaderSpec | None = None  # from_records: the record loader the facts are derived from
    derive: FactDerivation | None = None  # from_records: one subject's records → its facts

    @classmethod
    def from_records(cls, kinds: tuple[str, ...], records: LoaderSpec, derive: FactDerivation) -> FactSource:
        """Facts derived from the records of a record loader (``records``: the very ``LoaderSpec`` a plugin
        registers with the ``loaders`` hook and declares a ``RecordSource`` for): ``derive(records, today)``
        receives one subject's records, every one the loader's batch function returns for it (before the
        principal's record filter: repaired, expired and withheld ones too, so that the facts are the same
        whoever asks; the loader's ``default`` for a subject without any), and returns that subject's
        facts in force on ``today``. In a request the records come from the loader's values for the
        request, read once for the profile and the facts alike; elsewhere (``load``) from one call of its
        batch function. Example::

            def tax_facts(records, today):
                return [Fact("list", {"domain": "tax", "list_type": "BLACK"}, int(r.id), "…", r.decision_date)
                        for r in records if isinstance(r, MajorTaxViolation) and published_now(r)]

            TAX_FACTS = FactSource.from_records(("list",), TAX_RECORDS, tax_facts)
        """

        async def load(
            connection: AsyncConnection, subject_ids: Sequence[int], today: date
        ) -> Mapping[int, list[Fact]]:
            found = await records.load(connection, subject_ids)
            # Every subject, as a request's loaders do: one without records gets the loader's default.
            return {sid: list(derive(found.get(sid, records.default), today)) for sid in subject_ids}

        return cls(kinds, load, records=records, derive=derive)


@dataclass(frozen=True, slots=True, init=False)
class GradeRule:
    """A grade rule of the plugin's own domain (hook ``grade_rules``), for tiered supervision (core.supervision).

    ``GradeRule(kind, points, at_most=None, **match)``: a fact of ``kind`` (a measure fact kind: ``list``,
    ``record``, ``broken_commitment``, ``tax_grade``) whose attributes equal every ``match`` value (a tuple
    or list of values matches any of them) scores ``points`` (-100..100); ``at_most`` (``"A"``..``"D"``) caps
    the grade of a subject with such a fact. Facts of the plugin's domain try its rules, in the order given,
    before the general rules of rules.toml. A rule for a kind without a ``domain`` attribute (``tax_grade``)
    claims that kind for the plugin's domain.
    """

    kind: str
    points: int
    at_most: str | None
    match: tuple[tuple[str, tuple[str, ...]], ...]  # (attribute, accepted values), by attribute name

    def __init__(self, kind: str, points: int, at_most: str | None = None, **match: str | Sequence[str]) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "at_most", at_most)
        accepted = {name: (value,) if isinstance(value, str) else tuple(value) for name, value in match.items()}
        object.__setattr__(self, "match", tuple(sorted(accepted.items())))


@dataclass(frozen=True, slots=True)
class ImportColumn:
    """One field of an import file: the input field it fills, the headings it may appear under
    (CSV headings as departments export them, JSON Lines keys), and how its text is parsed.

    ``parse`` turns the cell's text into the field's value and raises ``ValueError`` with a
    message for a person when it cannot; ``gateway.api`` has parsers for dates, decimals, integers
    and enums with Chinese labels.
    """

    field: str
    headings: tuple[str, ...]
    required: bool = True
    parse: Callable[[str], Any] = str


@dataclass(frozen=True, slots=True)
class Importer:
    """Bulk import of one record kind: ``credit-gateway import --domain <plugin> --kind <name> FILE``.

    Rows are parsed by ``columns`` into keyword arguments of ``make_input`` (usually the kind's
    GraphQL input class), then validated and written by ``kind`` exactly as the mutation would,
    except that valid rows are committed and invalid ones reported.
    """

    name: str
    kind: Any  # gateway.write.submissions.RecordKind (kept loose to avoid an import cycle)
    columns: Sequence[ImportColumn]
    make_input: Callable[..., Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class DemoSubject:
    code: SubjectCode
    name: str
    kind: SubjectKind


@dataclass(slots=True)
class DemoContext:
    """Handed to ``seed_demo_data``: the demo subjects every domain draws on, a database engine, the
    date demo records are relative to, and a random generator seeded per plugin so that seeding is
    deterministic and one plugin's draws do not shift another's."""

    engine: AsyncEngine
    subjects: Sequence[DemoSubject]
    today: date
    secret_key: str
    seed: int = 20261122
    _rngs: dict[str, random.Random] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        if name not in self._rngs:
            self._rngs[name] = random.Random(f"{self.seed}:{name}")
        return self._rngs[name]


@dataclass(frozen=True, slots=True)
class SubjectAccess:
    """A plugin's say over the subjects a request is handed (hook ``subject_access``). Each part is
    optional; the core calls every plugin's part, in plugin-name order, wherever it hands out subjects
    (``subject``, ``subjects``, ``searchSubjects``, ``_entities``).

    - ``admit(info, codes, rows)``: the subject rows as looked up (``None`` where unknown), in the
      order asked; returns the list to serve, each kept, replaced by ``None`` or by an ``Exception``
      that becomes that item's error. Keep what an earlier plugin already made an ``Exception``.
    - ``narrow_search(info, query, table)``: a ``sa.Select`` over the subject table, returned with the
      conditions this plugin adds for the request's principal (a partner finds only who authorised it).
    - ``served(info, subject_ids, path)``: called with the subjects served and the response path below
      the field, to record or count them (the query record uses it).

    For subjects handed out by remote subgraphs (``serve --supergraph``), with the request's context
    (a ``GatewayContext``; no resolver runs, so there is no ``info``):

    - ``field_allowed(context, group, subject_id)``: whether the caller sees partner group ``group``
      (a remote field declared ``partner:<group>``) of that subject (None: not on file). A remote
      consent-scoped field is shown only when every plugin with this part allows it (partner access).
    - ``served_federated(context, request)``: called once at the end of every federated request by
      anyone but the public that could hand out something recorded (its plan calls the in-process
      subgraph, or it selects an object about a subject or a recorded remote field about no subject),
      with a :class:`FederatedRequest`: the subgraphs it called, the subjects remote subgraphs handed
      out, the remote fields about no subject, and what the plugin set aside while the request ran.
      Returns nothing; raise when it could not do its part (the response is then withheld, as the query
      record's extension does).
    """

    admit: Callable[[Any, Sequence[Any], Sequence[Any]], Awaitable[list[Any]]] | None = None
    narrow_search: Callable[[Any, Any, Any], Any] | None = None
    served: Callable[[Any, Sequence[int], tuple[str, ...]], None] | None = None
    field_allowed: Callable[[Any, str, int | None], Awaitable[bool]] | None = None
    served_federated: Callable[[Any, FederatedRequest], Awaitable[None]] | None = None


@dataclass(slots=True)
class FederatedRequest:
    """One request through ``serve --supergraph`` by anyone but the public that could hand out something
    recorded (see ``SubjectAccess.served_federated``), from its plan to its answer.

    While it runs, :func:`federated_request` returns it to the plugins' code (the in-process subgraph's
    operations run as local ones), so that a plugin can set aside in ``parked``, under a key of its own,
    what it would otherwise do at the end of each of those operations: the query record keeps the
    subjects they handed out, to write them once, beside the rest. At the end the core fills in the
    other fields and calls every plugin's ``SubjectAccess.served_federated``.
    """

    operation: str = ""  # the client's query text
    # Every subgraph the plan called, sorted; the in-process one by its name (setting local_subgraph_name).
    subgraphs: tuple[str, ...] = ()
    # The subjects remote subgraphs handed out (by id), each with its remote fields as field@subgraph.
    subjects: Sequence[tuple[int, tuple[str, ...]]] = ()
    # The remote fields about no subject whose declared visibility is not public, as Type.field@subgraph.
    about_no_subject: tuple[str, ...] = ()
    parked: dict[str, Any] = field(default_factory=dict)


_FEDERATED_REQUEST: ContextVar[FederatedRequest | None] = ContextVar("credit_gateway_federated_request", default=None)


def federated_request() -> FederatedRequest | None:
    """The federated request the running code is part of; None for a request to the gateway's own graph,
    for the public's (whose requests nothing records), and outside any request.

    Example (in ``SubjectAccess.served``, which the in-process subgraph's operations call as local ones)::

        request = federated_request()
        if request is not None:  # counted once, in served_federated, with the subgraphs the request called
            request.parked.setdefault("views", set()).update(subject_ids)
    """
    return _FEDERATED_REQUEST.get()


@contextmanager
def during_federated_request(request: FederatedRequest) -> Iterator[FederatedRequest]:
    """For the core: ``request`` is what :func:`federated_request` returns until the block ends, in this
    task and in the tasks it starts meanwhile (the plan's parallel fetches)."""
    token = _FEDERATED_REQUEST.set(request)
    try:
        yield request
    finally:
        _FEDERATED_REQUEST.reset(token)


def fields_of(
    strawberry_fields: Mapping[str, Any], kind: type[QueryField] | type[MutationField], **options: Any
) -> list[Any]:
    """``QueryField``/``MutationField`` items from a mapping of Python names to ``strawberry.field``
    objects, for a module that declares its fields the strawberry way (the core's own features do)."""
    from strawberry.schema.name_converter import NameConverter

    names = NameConverter()
    items = []
    for python_name, declared in strawberry_fields.items():
        declared.python_name = python_name
        name = names.get_graphql_name(declared)
        resolver = declared.base_resolver.wrapped_func
        items.append(kind(name, resolver, declared.description or "", **options))
    return items


@dataclass(frozen=True, slots=True)
class SectionRow:
    """One line of a section of the credit extract: ``label`` says what it is (行政处罚, 纳税信用等级 …),
    ``text`` the record as a person reads it; ``record_id`` the record it comes from, when one.

    ``visibility`` is who may read the line, as the plugin's ``field_policies`` say for the fields the text
    shows (``public``, ``portal``, ``partner:<group>`` …): an extract a partner or an agency asks for holds only
    what its audience may read through GraphQL (a partner group's lines only for the subject itself, its
    domain's departments and the admin), so that the PDF never shows more than the API would. ``fallback``
    is the line those others get instead (the text without the part they may not read); None: no line."""

    label: str
    text: str
    record_id: int | None = None
    visibility: str = "public"
    fallback: str | None = None


SectionLoad = Callable[[AsyncConnection, Sequence[int], date], Awaitable[Mapping[int, Sequence[SectionRow]]]]


@dataclass(frozen=True, slots=True)
class CreditSection:
    """A section of the platform's signed credit extract (hook ``credit_sections``).

    ``id`` names it (``"<plugin>.<what>"``, stable: the signature covers it); ``title`` is its heading in
    Chinese; sections print by ``order``, then ``id``. ``load(connection, subject_ids, today)`` runs ONE
    statement for all the subjects and returns, per subject id, the rows of the records in force on
    ``today`` (published, not repaired, revoked or expired), in the order they print. A subject without
    rows gets ``empty_text``.
    """

    id: str
    title: str
    load: SectionLoad
    order: int = 100
    empty_text: str = "无在公示期内的记录。"
