"""The ``CreditRecord`` interface over the shared record envelope, which every domain's record
types implement, and helpers for plugins to read envelope rows into it."""

import operator
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
import strawberry
from sqlalchemy.sql.util import surface_selectables
from strawberry.types import Info

from gateway.db.tables import credit_record
from gateway.db.tables import subject as subject_table
from gateway.engine.batch import batch_resolver
from gateway.graph.pagination import Connection, connection_from_rows, decode_cursor, page_size
from gateway.kernel.errors import BadUserInput
from gateway.kernel.isodates import iso_date
from gateway.kernel.parsing import stored_enum
from gateway.records.enums import Polarity, RecordStatus, Severity
from gateway.records.publicity import publication_key, published_clause, published_now

SUBJECT_BY_ID = "core.subject_by_id"  # the core's loader of subject rows by id (gateway.graph.subject)


@strawberry.interface(description="The envelope every credit record shares, whatever its domain.")
class CreditRecord:
    id: strawberry.ID
    domain: str = strawberry.field(description="The domain (plugin) that holds the record.")
    category: str = strawberry.field(description="The domain's category, e.g. MAJOR_TAX_VIOLATION.")
    polarity: Polarity
    severity: Severity | None
    decision_date: date
    document_number: str | None = strawberry.field(description="Decision document number (文书号).")
    deciding_authority: str
    deciding_authority_code: str | None
    source_unit: str = strawberry.field(description="The data source unit that submitted the record.")
    source_unit_code: str
    status: RecordStatus
    published_until: date | None = strawberry.field(
        description="The last day of the publicity window; null when the record has none (positive records)."
    )
    repair_from: date | None = strawberry.field(
        description="The first day its subject may apply for credit repair; null when it cannot be repaired."
    )
    disputed: bool = strawberry.field(description="A dispute (异议) about it is open; it stays published meanwhile.")
    revision: int = strawberry.field(description="1, and one more for each correction; earlier ones are kept.")
    # credit_record.created_at, set by the database when the record is inserted: the submission. A
    # correction updates the row and keeps it, so it stays the first submission's time.
    submitted_at: datetime | None = strawberry.field(
        default=None,
        description=(
            "When the source unit submitted the record to the gateway (its insertion); null only for a record "
            "a plugin built without it. Published on arrival unless already outside its publicity window."
        ),
    )
    subject_id: strawberry.Private[int]

    @strawberry.field(description="Published today: active, inside its window, not withheld by the five-year rule.")
    def is_published(self) -> bool:
        return published_now(self)

    @strawberry.field(description="Name of the subject the record is about.")
    @batch_resolver(lambda records, info: _subject_columns(records, info, "name"))
    async def subject_name(self, info: Info) -> str:
        return (await info.context.loaders.load(SUBJECT_BY_ID, self.subject_id)).name

    @strawberry.field(description="Code of the subject the record is about (an ID number masked).")
    @batch_resolver(lambda records, info: _subject_columns(records, info, "display_code"))
    async def subject_code(self, info: Info) -> str:
        return (await info.context.loaders.load(SUBJECT_BY_ID, self.subject_id)).display_code


async def _subject_columns(records: Sequence[CreditRecord], info: Info, column: str) -> list[Any]:
    """The batch form of subjectName and subjectCode: every record's subject of a level at once."""
    rows = await info.context.loaders.load_all(SUBJECT_BY_ID, [record.subject_id for record in records])
    # A record without its subject fails as the per-record resolver would: that record's field only.
    return [
        getattr(row, column) if row is not None else LookupError(f"no subject {r.subject_id}")
        for row, r in zip(rows, records, strict=True)
    ]


ENVELOPE_COLUMNS: tuple[sa.Column[Any], ...] = (
    credit_record.c.id,
    credit_record.c.subject_id,
    credit_record.c.domain,
    credit_record.c.category,
    credit_record.c.polarity,
    credit_record.c.severity,
    credit_record.c.decision_date,
    credit_record.c.document_number,
    credit_record.c.deciding_authority,
    credit_record.c.deciding_authority_code,
    credit_record.c.source_unit,
    credit_record.c.source_unit_code,
    credit_record.c.status,
    credit_record.c.published_until,
    credit_record.c.repair_from,
    credit_record.c.disputed,
    credit_record.c.revision,
    credit_record.c.created_at,  # CreditRecord.submittedAt
)


def envelope_kwargs(row: Any) -> dict[str, Any]:
    """Constructor arguments of a ``CreditRecord`` implementation from a row selected with
    :data:`ENVELOPE_COLUMNS`."""
    # Attribute access and the enums' own value maps: every record of every level comes through here,
    # and row._mapping and Enum(value) cost several times more per call.
    severity = row.severity
    return {
        "id": strawberry.ID(str(row.id)),
        "subject_id": row.subject_id,
        "domain": row.domain,
        "category": row.category,
        "polarity": _POLARITY(row.polarity),
        "severity": _SEVERITY(severity) if severity else None,
        "decision_date": row.decision_date,
        "document_number": row.document_number,
        "deciding_authority": row.deciding_authority,
        "deciding_authority_code": row.deciding_authority_code,
        "source_unit": row.source_unit,
        "source_unit_code": row.source_unit_code,
        "status": _STATUS(row.status),
        "published_until": row.published_until,
        "repair_from": row.repair_from,
        "disputed": bool(row.disputed),
        "revision": row.revision,
        "submitted_at": row.created_at,
    }


_POLARITY = stored_enum(Polarity)
_SEVERITY = stored_enum(Severity)
_STATUS = stored_enum(RecordStatus)


def decision_cursor(row: Any) -> tuple[str, int]:
    """The keyset of a record row in lists ordered newest decision first."""
    return iso_date(row.decision_date), row.id


def newest_decisions_first(query: sa.Select[Any], after: str | None, size: int) -> sa.Select[Any]:
    """Page ``query`` (over ``credit_record``) newest decision first, after the ``decision_cursor``
    encoded in ``after``, fetching ``size + 1`` rows so the caller knows whether more follow."""
    if after is not None:
        last_date, last_id = decode_cursor(after, 2)
        try:
            last_date, last_id = date.fromisoformat(str(last_date)), int(last_id)
        except (TypeError, ValueError) as exc:
            raise BadUserInput("after is not a cursor this API issued", argument="after") from exc
        # A row comparison, not (date < d OR date = d AND id < i): the planner reads it as a bound of
        # the index that follows the page order (ix_credit_record_page), so the page starts in the index.
        query = query.where(sa.tuple_(credit_record.c.decision_date, credit_record.c.id) < (last_date, last_id))
    return query.order_by(credit_record.c.decision_date.desc(), credit_record.c.id.desc()).limit(size + 1)


_PAGE_STATEMENTS: OrderedDict[Hashable, sa.Select[Any]] = OrderedDict()
_PAGE_STATEMENTS_KEPT = 256  # lists × with/without a cursor × days: far more than a process serves


def newest_decisions_page(
    name: Hashable, base: Callable[[], sa.Select[Any]], after: str | None, size: int
) -> tuple[sa.Select[Any], dict[str, Any]]:
    """A page of ``base()``, as :func:`newest_decisions_first` orders and cuts it, with the statement
    built once and the cursor and page size as parameters: ``query, params = newest_decisions_page(
    "tax.violations", build, after, size)``, then ``await conn.execute(query, params)``.

    Building a statement and computing its cache key cost more than running it on a page of 25, so
    the statement is kept per ``name``, per "with or without a cursor", and per the day and rules that
    :func:`published_clause` reads (it changes at midnight). ``base`` may therefore depend only on
    those: put anything else it varies on (a list type) into ``name``."""
    params: dict[str, Any] = {"page_limit": size + 1}
    if after is not None:
        last_date, last_id = decode_cursor(after, 2)
        try:
            params["after_date"], params["after_id"] = date.fromisoformat(str(last_date)), int(last_id)
        except (TypeError, ValueError) as exc:
            raise BadUserInput("after is not a cursor this API issued", argument="after") from exc
    key = (name, after is not None, publication_key())
    query = _PAGE_STATEMENTS.get(key)
    if query is None:
        query = base()
        if after is not None:
            # A row comparison: the planner reads it as a bound of ix_credit_record_page (see above).
            bound = (sa.bindparam("after_date", type_=sa.Date), sa.bindparam("after_id", type_=sa.Integer))
            query = query.where(sa.tuple_(credit_record.c.decision_date, credit_record.c.id) < sa.tuple_(*bound))
        order = (credit_record.c.decision_date.desc(), credit_record.c.id.desc())
        query = query.order_by(*order).limit(sa.bindparam("page_limit", type_=sa.Integer))
        _PAGE_STATEMENTS[key] = query
        while len(_PAGE_STATEMENTS) > _PAGE_STATEMENTS_KEPT:
            _PAGE_STATEMENTS.popitem(last=False)
    return query, params


NodeT = TypeVar("NodeT")
# The parameters newest_decisions_page sets: a list's own parameters may not take these names.
_PAGE_PARAMETERS = frozenset({"page_limit", "after_date", "after_id"})


async def published_page(
    info: Info,
    name: Hashable,
    build: Callable[[], sa.Select[Any]],
    *,
    first: int | None,
    after: str | None,
    node: Callable[[Any], NodeT],
    params: Mapping[str, Any] | None = None,
    keep: Callable[[Any], bool] | None = None,
    with_subjects: bool = False,
) -> Connection[NodeT]:
    """A page of a plugin's list of published records, newest decision first: the one way a plugin
    lists records itself, so that no list can forget the publication filter.

    Receives the resolver's ``info``; the list's ``name`` (anything hashable, unique to the list: add
    to it whatever ``build`` varies on, a list type say); ``build()``, the list's ``SELECT`` over
    ``credit_record`` (its domain, category, joins and columns, *without* a publication filter:
    this adds it); the ``first`` and ``after`` arguments as the client sent them; ``node(row)``,
    which makes a row the edge's node; ``params``, values of ``build``'s own named parameters (a
    date beyond the day's publication rule); ``keep(row)``, which rows of the page to show (a
    listing without its detail row, say); ``with_subjects``, whether the statement also reads each
    record's subject (below). Returns the :class:`Connection` of the page, its cursors
    :func:`decision_cursor`'s.

    What it does for the plugin:

    - Only published records: ``build()``'s statement gets :func:`published_clause` (active, inside
      its window, not withheld by the five-year rule, as of the request's day) whoever asks. A
      published list shows every principal the same rows, the ones every principal's record filter
      shows (gateway.policy.access), so it has no other row filter to apply.
    - A bounded page: ``first`` is checked with :func:`page_size` against the settings' default and
      maximum (``LIMIT_EXCEEDED`` above it, ``BAD_USER_INPUT`` below zero or for a cursor it did
      not issue).
    - One statement on the request's read connection (``info.context.loaders.connection()``), the
      one the loaders use, built once per list, day and "with or without a cursor" by
      :func:`newest_decisions_page`: ``build`` must depend only on ``name``.
    - With ``with_subjects=True``, the same statement also reads each record's subject (an outer join
      of the ``subject`` table, its columns labelled ``subject__<column>``), and the request learns
      those of the page's rows (``loaders.prime(SUBJECT_BY_ID, ...)``): the nodes' ``subjectName``
      and ``subjectCode`` then cost no statement of their own. Ask for it when the list's type shows
      its subjects. It adds plain columns to ``build()``'s: a ``build`` that groups or aggregates
      cannot have them.

    Example (the tax black list)::

        def listed() -> sa.Select[Any]:
            return (
                sa.select(*ENVELOPE_COLUMNS, *VIOLATION_COLUMNS)
                .select_from(credit_record.outerjoin(violation, violation.c.record_id == credit_record.c.id))
                .where(credit_record.c.domain == "tax", credit_record.c.category == "MAJOR_TAX_VIOLATION")
            )


        async def resolve_major_tax_violations(
            info: Info, first: int | None = None, after: str | None = None
        ) -> Connection[MajorTaxViolation]:
            return await published_page(
                info, "tax.major_violations", listed, first=first, after=after, node=violation_from_row
            )
    """
    settings = info.context.settings
    size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
    query, page_params = newest_decisions_page(
        ("published", name, with_subjects), lambda: _page_statement(build(), with_subjects), after, size
    )
    if params:
        clashing = _PAGE_PARAMETERS.intersection(params)
        if clashing:
            raise ValueError(f"{name!r}: the page sets the parameters {sorted(clashing)}; name yours otherwise")
        page_params.update(params)
    async with info.context.loaders.connection() as conn:
        rows = (await conn.execute(query, page_params)).all()
    if keep is not None:
        rows = [row for row in rows if keep(row)]
    if with_subjects:
        # Only the page's own rows (the one past it only tells whether more follow) and joined subjects.
        info.context.loaders.prime(SUBJECT_BY_ID, _subjects_of(rows[:size]))
    return connection_from_rows(rows, size, node, decision_cursor)  # type: ignore[no-any-return]


def _page_statement(query: sa.Select[Any], with_subjects: bool) -> sa.Select[Any]:
    query = _published_only(query)
    if not with_subjects:
        return query
    # An alias, so that a list that joins the subject table itself (for its own columns) still can; an
    # outer join, so that the page is the same rows with or without it.
    return query.outerjoin(_PAGE_SUBJECT, _PAGE_SUBJECT.c.id == credit_record.c.subject_id).add_columns(
        *(column.label(label) for column, label in zip(_PAGE_SUBJECT.c, _SUBJECT_LABELS, strict=True))
    )


# A page's subjects (published_page's with_subjects): the subject table's columns under their labels, and
# rows of the shape the SUBJECT_BY_ID loader gives (its values are read by column name).
_PAGE_SUBJECT = subject_table.alias("page_subject")
_SUBJECT_LABELS = tuple(f"subject__{column.name}" for column in subject_table.c)


class SubjectRow(namedtuple("SubjectRow", [column.name for column in subject_table.c])):  # type: ignore[misc]
    """A subject row read with a page, for the SUBJECT_BY_ID loader: its columns as attributes, and the
    ``_mapping`` (by column name) and ``_t`` of the rows that loader reads itself."""

    __slots__ = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return self._asdict()

    @property
    def _t(self) -> tuple[Any, ...]:
        return tuple(self)


_subject_values = operator.attrgetter(*_SUBJECT_LABELS)
_SUBJECT_ID = SubjectRow._fields.index("id")


def _subjects_of(rows: Sequence[Any]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for row in rows:
        values = _subject_values(row)
        if values[_SUBJECT_ID] is not None:  # the outer join found no subject: its loader will say so
            found[values[_SUBJECT_ID]] = SubjectRow._make(values)
    return found


def _published_only(query: sa.Select[Any]) -> sa.Select[Any]:
    """``query`` with the publication filter on its ``credit_record``, which it must select from (on an
    alias the filter would add the table a second time, unjoined)."""
    tables = {table for selectable in query.get_final_froms() for table in surface_selectables(selectable)}
    if credit_record not in tables:
        raise ValueError("a published list selects from credit_record (joined with whatever else it needs)")
    return query.where(published_clause())
