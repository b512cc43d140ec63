"""The shared write path of domain submissions: validate every item, then write all or nothing.

A plugin's submission mutation (and its demo data, and later its bulk import) hands this module
a list of :class:`Submission` items. Each carries the envelope, the subject it is about, the
plugin's natural key, and a callback that writes the detail row. This module:

* reports every invalid item at once (index, field, reason) and writes nothing when any is invalid;
* creates subjects it has not seen, in one statement;
* refuses items outside the division the writer acts for (``FORBIDDEN``; a bulk import: those rows
  only), and stores each record's division (:func:`gateway.kernel.divisions.record_division`);
* skips items whose natural key already holds an identical record (idempotent re-submission),
  and rejects items whose key holds a different one (corrections go through the dispute workflow);
* inserts the rest in one transaction, a few statements per batch rather than per item.

Over 400 lines on purpose: validation, locking, the natural-key lookup and the one transaction are one
sequence whose steps share their invariants; split, each part would need the others to be read.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.bulk import insert_returning_ids
from gateway.db.tables import credit_record, subject
from gateway.kernel.clock import today as clock_today
from gateway.kernel.divisions import authority_division, covers, record_division, resolve
from gateway.kernel.errors import (
    CONFLICT,
    DUPLICATE_RECORD,
    FORBIDDEN,
    INVALID_SUBMISSION,
    GatewayError,
    LimitExceeded,
)
from gateway.kernel.identifiers import SubjectCode, SubjectKind, lookup_hash
from gateway.kernel.rules import PublicityRules
from gateway.records.publicity import lifecycle_values
from gateway.write import seeding

# The division the request's writer acts for (a department key or token bound to one; None: the whole
# platform), set by the request context when a request starts (gateway.server.context). Submissions read
# it whatever policy their plugin built, so no domain can write outside its writer's division by omission.
_writer_division: ContextVar[str | None] = ContextVar("credit_gateway_writer_division", default=None)


def write_for_division(division_code: str | None) -> Token[str | None]:
    """Make ``division_code`` the division this request's submissions are checked against; the token
    undoes it (:func:`forget_writer_division`) when the request ends."""
    return _writer_division.set(division_code)


def forget_writer_division(token: Token[str | None]) -> None:
    """Undo :func:`write_for_division`. A token of another context (the request ran in a task of its own,
    which ended with it) has nothing to undo here."""
    with contextlib.suppress(ValueError):
        _writer_division.reset(token)


def writer_division() -> str | None:
    """The division the current request writes for (None outside a request or for the whole platform)."""
    return _writer_division.get()


class ItemStatus(enum.StrEnum):
    CREATED = "CREATED"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True, slots=True)
class SubmissionPolicy:
    """What validation is relative to: the key subjects are hashed with, the reference date
    (``None``: today, read when validating), legal codes that fail the check character, and kinds
    of subjects known by code where the code alone does not tell (demo data, imports)."""

    secret_key: str
    today: date | None = None
    uscc_allow_list: Collection[str] = ()
    kinds: Mapping[str, SubjectKind] = field(default_factory=dict)
    publicity: PublicityRules = field(default_factory=PublicityRules)
    # The division the writer acts for: items outside it are refused (a bulk import's rows one by one).
    # Default: the request's writer (see write_for_division); None: the whole platform.
    division_code: str | None = field(default_factory=writer_division)

    def reference_date(self) -> date:
        return self.today if self.today is not None else clock_today()

    @classmethod
    def from_settings(cls, settings: Any) -> SubmissionPolicy:
        return cls(
            secret_key=settings.secret_key,
            uscc_allow_list=tuple(settings.uscc_allow_list),
            publicity=settings.publicity,
        )


@dataclass(frozen=True, slots=True)
class ItemError:
    index: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass(slots=True)
class Envelope:
    domain: str
    record_type: str
    category: str
    polarity: str
    severity: str | None
    decision_date: date
    document_number: str | None
    deciding_authority: str
    deciding_authority_code: str | None
    source_unit: str
    source_unit_code: str
    # A length of publicity the domain's own rules fixed for this record (construction bad conduct);
    # None: the window of its severity (gateway.records.publicity).
    publicity_months: int | None = None

    @classmethod
    def stored_fields(cls) -> tuple[str, ...]:
        """The fields that are columns of ``credit_record`` (the lifecycle adds its own, worked out)."""
        return tuple(name for name in cls.__dataclass_fields__ if name != "publicity_months")

    @classmethod
    def from_row(cls, mapping: Mapping[str, Any]) -> Envelope:
        """A held record's envelope, as stored."""
        return cls(**{name: mapping[name] for name in cls.stored_fields()})

    def values(self) -> dict[str, Any]:
        """The envelope's columns, without the lifecycle's (see :func:`lifecycle_values`)."""
        return {name: getattr(self, name) for name in self.stored_fields()}


@dataclass(slots=True)
class Submission:
    """One validated item, ready to write.

    ``key`` is the plugin's natural key (e.g. ``("rating", subject_hash, 2024)``); ``existing`` finds
    the records already holding some keys; ``fingerprint`` is what makes two submissions of one key
    identical; ``write_detail(conn, record_ids)`` inserts the detail rows of a whole batch.
    """

    subject_code: SubjectCode
    subject_name: str
    subject_kind: SubjectKind
    envelope: Envelope
    key: Hashable
    fingerprint: Hashable
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SubmittedItem:
    index: int
    status: ItemStatus
    record_id: int


# Finds existing records by natural key: returns key -> (record_id, fingerprint).
FindExisting = Callable[[AsyncConnection, Sequence[Hashable]], Awaitable[Mapping[Hashable, tuple[int, Hashable]]]]


@dataclass(frozen=True, slots=True)
class CreatedRecord:
    """A record the batch has just created, handed to the plugin to write its detail row."""

    record_id: int
    subject_id: int
    submission: Submission


# Inserts the detail rows of the newly created records, in one statement if it can.
WriteDetails = Callable[[AsyncConnection, Sequence[CreatedRecord]], Awaitable[None]]


def check_batch_size(count: int, maximum: int) -> None:
    if count == 0:
        raise GatewayError("A submission needs at least one item.", INVALID_SUBMISSION, failures=[])
    if count > maximum:
        raise LimitExceeded("items in one submission", count, maximum)


def reject(errors: Sequence[ItemError], total: int) -> GatewayError:
    failed = sorted({e.index for e in errors})
    return GatewayError(
        f"{len(failed)} of {total} items are invalid; nothing was written.",
        INVALID_SUBMISSION,
        failures=[e.as_dict() for e in errors],
    )


async def ensure_subjects(conn: AsyncConnection, items: Sequence[Submission], secret_key: str) -> dict[str, int]:
    """Subject ids by lookup hash, creating the subjects not yet known (one select, one insert)."""
    wanted: dict[str, Submission] = {}
    for item in items:
        wanted.setdefault(lookup_hash(item.subject_code, secret_key), item)
    hashes = list(wanted)
    ids = await _subject_ids(conn, hashes)
    # Sorted, so that two writers creating overlapping subjects take their row locks in one order.
    missing = sorted(h for h in hashes if h not in ids)
    if missing:
        # A concurrent writer may create one of these subjects between the select and the insert (two
        # imports of one file): skip it here and read its id below, instead of failing the whole batch.
        rows = await conn.execute(
            _insert_absent_subjects(conn).returning(subject.c.lookup_hash, subject.c.id),
            [
                {
                    "lookup_hash": h,
                    "code_type": wanted[h].subject_code.type.value,
                    "display_code": wanted[h].subject_code.masked,
                    "name": wanted[h].subject_name,
                    "kind": wanted[h].subject_kind.value,
                }
                for h in missing
            ],
        )
        ids.update({h: i for h, i in rows.all()})
        raced = [h for h in missing if h not in ids]
        if raced:  # created meanwhile by a concurrent writer, whose transaction has committed
            ids.update(await _subject_ids(conn, raced))
    return ids


async def _subject_ids(conn: AsyncConnection, hashes: Sequence[str]) -> dict[str, int]:
    """The ids of the subjects held under ``hashes``, by hash (one select per 1,000)."""
    ids: dict[str, int] = {}
    for chunk_start in range(0, len(hashes), 1000):
        chunk = hashes[chunk_start : chunk_start + 1000]
        rows = await conn.execute(
            sa.select(subject.c.lookup_hash, subject.c.id).where(subject.c.lookup_hash.in_(chunk))
        )
        ids.update({h: i for h, i in rows.all()})
    return ids


def _insert_absent_subjects(conn: AsyncConnection) -> Any:
    """``INSERT … ON CONFLICT (lookup_hash) DO NOTHING`` in the connection's dialect (SQLite or PostgreSQL)."""
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return insert(subject).on_conflict_do_nothing(index_elements=[subject.c.lookup_hash])


async def submit(
    engine: AsyncEngine,
    items: Sequence[Submission],
    *,
    secret_key: str,
    find_existing: FindExisting,
    write_details: WriteDetails,
    publicity: PublicityRules | None = None,
    division_code: str | None = None,
) -> list[SubmittedItem]:
    """Write a validated batch in one transaction, all or nothing; see the module docstring.
    ``division_code``: the division the writer acts for (the request's writer's applies in any case)."""
    results, rejected = await _write(
        engine,
        items,
        secret_key,
        find_existing,
        write_details,
        partial=False,
        publicity=publicity,
        division_code=division_code,
    )
    assert not rejected  # all-or-nothing mode raises instead
    return results


async def submit_partial(
    engine: AsyncEngine,
    items: Sequence[Submission | None],
    *,
    secret_key: str,
    find_existing: FindExisting,
    write_details: WriteDetails,
    publicity: PublicityRules | None = None,
    division_code: str | None = None,
) -> tuple[list[SubmittedItem], list[ItemError]]:
    """Write every item that can be written and report the others (bulk imports).

    ``None`` items (invalid ones, reported by the caller) are skipped; items that clash with held
    records or contradict an earlier item of the batch come back as errors by index.
    """
    present = [(i, item) for i, item in enumerate(items) if item is not None]
    results, rejected = await _write(
        engine,
        [item for _, item in present],
        secret_key,
        find_existing,
        write_details,
        partial=True,
        publicity=publicity,
        division_code=division_code,
    )
    positions = [i for i, _ in present]
    return (
        [SubmittedItem(positions[r.index], r.status, r.record_id) for r in results],
        [ItemError(positions[e.index], e.field, e.message) for e in rejected],
    )


async def _write(
    engine: AsyncEngine,
    items: Sequence[Submission],
    secret_key: str,
    find_existing: FindExisting,
    write_details: WriteDetails,
    *,
    partial: bool,
    publicity: PublicityRules | None = None,
    division_code: str | None = None,
) -> tuple[list[SubmittedItem], list[ItemError]]:
    rules = publicity or PublicityRules()
    divisions = [item_division(item) for item in items]
    acting_for = division_code or writer_division()
    rejected: list[ItemError] = outside_division(items, divisions, acting_for)
    if rejected and not partial:
        raise GatewayError(
            f"{len(rejected)} of {len(items)} items are outside the division this client acts for "
            f"({_division_name(acting_for)}); nothing was written.",
            FORBIDDEN,
            failures=[e.as_dict() for e in rejected],
            division=acting_for,
        )
    outside = {e.index for e in rejected}
    # Two items of one batch with the same key: the first counts, an identical second is UNCHANGED,
    # a different second is a conflict the submitter must resolve. Items refused above take no part.
    first_of_key: dict[Hashable, int] = {}
    conflicts: list[ItemError] = []
    for index, item in enumerate(items):
        if index in outside:
            continue
        earlier = first_of_key.setdefault(item.key, index)
        if earlier != index and items[earlier].fingerprint != item.fingerprint:
            conflicts.append(ItemError(index, "", f"conflicts with item {earlier} of the same batch"))
    if conflicts and not partial:
        raise GatewayError(
            "Items of this batch contradict each other; nothing was written.",
            DUPLICATE_RECORD,
            failures=[c.as_dict() for c in conflicts],
        )
    rejected += conflicts
    skip = {e.index for e in rejected}
    try:
        async with engine.begin() as conn:
            existing = await find_existing(conn, list(first_of_key))
            if seeding.keeping():  # demo seeding: records a dispute corrected are left as they are
                existing = {**existing, **await seeding.records_changed_by_workflows(conn, items, existing)}
            clashes = [
                ItemError(i, "", f"a different record with this key already exists (record {existing[item.key][0]})")
                for i, item in enumerate(items)
                if i not in skip and item.key in existing and existing[item.key][1] != item.fingerprint
            ]
            if clashes and not partial:
                raise GatewayError(
                    f"{len(clashes)} of {len(items)} items clash with records already held; nothing was written. "
                    "Corrections of held records go through the dispute workflow.",
                    DUPLICATE_RECORD,
                    failures=[c.as_dict() for c in clashes],
                )
            rejected += clashes
            skip |= {e.index for e in clashes}
            new_items = [
                (i, item)
                for i, item in enumerate(items)
                if i not in skip and item.key not in existing and first_of_key[item.key] == i
            ]
            created: dict[Hashable, int] = {}
            if new_items:
                subject_ids = await ensure_subjects(conn, [item for _, item in new_items], secret_key)
                owners = [subject_ids[lookup_hash(item.subject_code, secret_key)] for _, item in new_items]
                envelopes = [
                    {
                        **item.envelope.values(),
                        **lifecycle_values(item.envelope, rules),
                        "subject_id": owner,
                        "division_code": divisions[i],
                    }
                    for (i, item), owner in zip(new_items, owners, strict=True)
                ]
                record_ids = await insert_returning_ids(conn, credit_record, envelopes)
                await write_details(
                    conn,
                    [
                        CreatedRecord(rid, owner, item)
                        for rid, owner, (_, item) in zip(record_ids, owners, new_items, strict=True)
                    ],
                )
                created = {item.key: rid for rid, (_, item) in zip(record_ids, new_items, strict=True)}
    except IntegrityError as exc:
        # A concurrent submission of the same key won the race; nothing of this batch was kept.
        raise GatewayError(
            "A concurrent submission wrote one of these records first; nothing of this batch was written. "
            "Submit again to see which items are unchanged.",
            CONFLICT,
        ) from exc
    results: list[SubmittedItem] = []
    for index, item in enumerate(items):
        if index in skip:
            continue
        if item.key in created and first_of_key[item.key] == index:
            results.append(SubmittedItem(index, ItemStatus.CREATED, created[item.key]))
        else:
            record_id = created.get(item.key) or existing[item.key][0]
            results.append(SubmittedItem(index, ItemStatus.UNCHANGED, record_id))
    rejected.sort(key=lambda e: e.index)
    return results, rejected


def item_division(item: Submission) -> str | None:
    """The division a submitted record belongs to: its deciding authority's area, else its subject's."""
    return record_division(item.envelope.deciding_authority_code, item.subject_code.division_code)


def outside_division(
    items: Sequence[Submission], divisions: Sequence[str | None], division_code: str | None
) -> list[ItemError]:
    """An error for each item whose record would lie outside ``division_code`` (None: none)."""
    if division_code is None:
        return []
    errors: list[ItemError] = []
    for index, (item, division) in enumerate(zip(items, divisions, strict=True)):
        if covers(division_code, division):
            continue
        by_authority = authority_division(item.envelope.deciding_authority_code) is not None
        errors.append(
            ItemError(
                index,
                "decidingAuthorityCode" if by_authority else "subjectCode",
                f"the record belongs to division {division} (its "
                f"{'deciding authority' if by_authority else 'subject'}'s area), outside {division_code}",
            )
        )
    return errors


def _division_name(code: str | None) -> str:
    try:
        name = resolve(code).name if code is not None else ""
    except GatewayError:
        name = ""
    return f"{code} {name}".strip()


@dataclass(frozen=True, slots=True)
class Validated:
    """The outcome of validating a list of inputs: a submission per input (``None`` where the input
    is invalid) and every problem found."""

    items: list[Submission | None]
    errors: list[ItemError]

    def raise_if_invalid(self) -> list[Submission]:
        if self.errors:
            raise reject(self.errors, len(self.items))
        return [item for item in self.items if item is not None]


Validate = Callable[[Sequence[Any], SubmissionPolicy], Validated]


@dataclass(frozen=True, slots=True)
class RecordKind:
    """One kind of record a domain accepts: how inputs are validated, how held records are found by
    natural key, and how detail rows are written. Mutations, demo data and bulk imports all write
    through it, so they validate and deduplicate alike."""

    name: str
    validate: Validate
    find_existing: FindExisting
    write_details: WriteDetails

    async def submit(self, engine: AsyncEngine, inputs: Sequence[Any], policy: SubmissionPolicy) -> list[SubmittedItem]:
        """All or nothing: any invalid or clashing item rejects the whole batch with every reason."""
        items = self.validate(inputs, policy).raise_if_invalid()
        return await submit(
            engine,
            items,
            secret_key=policy.secret_key,
            find_existing=self.find_existing,
            write_details=self.write_details,
            publicity=policy.publicity,
            division_code=policy.division_code,
        )

    async def submit_valid(
        self, engine: AsyncEngine, inputs: Sequence[Any], policy: SubmissionPolicy
    ) -> tuple[list[SubmittedItem], list[ItemError]]:
        """Write the valid items, return every invalid or clashing one by index (bulk imports)."""
        validated = self.validate(inputs, policy)
        written, rejected = await submit_partial(
            engine,
            validated.items,
            secret_key=policy.secret_key,
            find_existing=self.find_existing,
            write_details=self.write_details,
            publicity=policy.publicity,
            division_code=policy.division_code,
        )
        return written, sorted([*validated.errors, *rejected], key=lambda e: e.index)
