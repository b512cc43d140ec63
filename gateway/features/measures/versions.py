"""The catalogue in force, and the admin's run-time changes to it, each a new version in the database.

The file the core ships (version number 0) is in force until the admin publishes one; after that, the
newest stored version is. Every worker sees a change at once: on PostgreSQL a serving process keeps the
newest version it read while its listener vouches that none was published since
(gateway.features.measures.watch); otherwise a request asks the database for the newest version number
once (one statement, whatever the number of subjects or fields), and the text travels only when that
number is not the one this process has parsed already. Versions never change once stored, so a parsed
version is cached by its number.

Changes (admin only), each checked with the same loader as the shipped file, so a fault is refused with
its line and nothing is stored:

* ``publishMeasureCatalogue(toml:)``: a whole catalogue; its ``version`` label must be new;
* ``upsertMeasure(version:, measure:)``: one ``[[measure]]`` table, replacing the measure of that id or added;
* ``retireMeasure(version:, id:, until:)``: the measure's ``valid_until`` set (the day it last applies).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.types import Info

from gateway.auth.principal import Role
from gateway.features.measures.catalogue import DEFAULT_CATALOGUE as _SHIPPED_FILE
from gateway.features.measures.catalogue import Catalogue, CatalogueError, default_catalogue, load_catalogue
from gateway.features.measures.catalogue_text import (
    key_line,
    load_measure,
    with_measure,
    with_valid_until,
    with_version,
)
from gateway.features.measures.tables import measure_catalogue_version as versions
from gateway.features.measures.watch import CHANNEL, VersionWatch, watch_of
from gateway.graph.arguments import require, utc
from gateway.graph.pagination import page_size
from gateway.kernel.errors import CONFLICT, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.limits import (
    MAX_MEASURE_CATALOGUE_BYTES,
    MAX_MEASURE_CATALOGUE_LABEL,
    MAX_MEASURE_CATALOGUE_VERSIONS,
)

SHIPPED = 0  # the number of the shipped file's version
_REQUEST_KEY = "core.measures.catalogue"


@dataclass(frozen=True, slots=True)
class InForce:
    number: int
    catalogue: Catalogue
    published_at: dt.datetime | None = None


@lru_cache(maxsize=16)
def _parsed(number: int, text: str) -> Catalogue:
    # A stored version was checked when published; it fails here only if a later release narrowed the closed
    # sets (a matter or trigger attribute dropped): then the request fails loudly rather than misapplying.
    return load_catalogue(text, f"measure catalogue version {number}")


async def catalogue_in_force(info: Info) -> InForce:
    """The catalogue in force for this request: at most one statement per request, shared by every resolver,
    and none while this process's watch vouches for the version it read last (gateway.features.measures.watch).

    One future for all of them, so that every resolver waiting for it resumes in the same turn of the loop
    and their DataLoader loads still batch into one statement per level."""
    held = info.context.extras.get(_REQUEST_KEY)
    if held is None:
        watch: VersionWatch[InForce] = watch_of(info.context.engine)
        current = watch.current()
        if current is not None:
            return current
        held = asyncio.ensure_future(_load_newest(info, watch))
        info.context.extras[_REQUEST_KEY] = held
    return await asyncio.shield(held)


async def _load_newest(info: Info, watch: VersionWatch[InForce]) -> InForce:
    stamp, last = watch.stamp(), watch.last()
    known = last.number if last is not None else -1
    text = sa.case((versions.c.id == known, sa.null()), else_=versions.c.toml)
    query = sa.select(versions.c.id, versions.c.published_at, text.label("toml")).order_by(versions.c.id.desc())
    async with info.context.connection() as conn:
        row = (await conn.execute(query.limit(1))).first()
    if row is None:
        found = InForce(SHIPPED, default_catalogue())
    elif row.toml is None and last is not None and last.number == row.id:
        found = last
    else:
        found = InForce(row.id, _parsed(row.id, row.toml), utc(row.published_at))
    watch.keep(found, stamp)
    return found


async def catalogue_version(info: Info, number: int) -> InForce | None:
    if number == SHIPPED:
        return InForce(SHIPPED, default_catalogue())
    query = sa.select(versions.c.id, versions.c.toml, versions.c.published_at).where(versions.c.id == number)
    async with info.context.connection() as conn:
        row = (await conn.execute(query)).first()
    return InForce(row.id, _parsed(row.id, row.toml), utc(row.published_at)) if row is not None else None


async def number_of_label(info: Info, label: str) -> int | None:
    """The number of the version labelled ``label`` (the shipped file's label: 0)."""
    async with info.context.connection() as conn:
        found = (await conn.execute(sa.select(versions.c.id).where(versions.c.label == label))).scalar()
    if found is None and label == default_catalogue().version:
        return SHIPPED
    return found


# --- GraphQL ------------------------------------------------------------------------------------


@strawberry.type(
    description="One version of the measures catalogue: the shipped file (number 0) or one the admin published."
)
class MeasureCatalogueVersion:
    number: int = strawberry.field(description="0 for the catalogue the gateway ships; then 1, 2, … as published.")
    version: str = strawberry.field(description="The catalogue's own version label (its TOML `version`).")
    change: str = strawberry.field(description="What changed: published, a measure added or replaced, retired.")
    published_at: dt.datetime | None = strawberry.field(description="Null for the shipped catalogue.")
    published_by: str | None = strawberry.field(description="Role and client name of the admin who published it.")
    in_force: bool


def _bad(exc: CatalogueError, argument: str) -> BadUserInput:
    return BadUserInput(str(exc), argument=argument, line=exc.line)


def _label(value: str, argument: str) -> str:
    label = value.strip()
    if not label or len(label) > MAX_MEASURE_CATALOGUE_LABEL or '"' in label or "\\" in label or "\n" in label:
        raise BadUserInput(
            f"{argument} must be 1 to {MAX_MEASURE_CATALOGUE_LABEL} characters, without quotes or backslashes",
            argument=argument,
        )
    return label


async def _current_text(conn: Any) -> tuple[int, str]:
    row = (
        await conn.execute(sa.select(versions.c.id, versions.c.toml).order_by(versions.c.id.desc()).limit(1))
    ).first()
    if row is None:
        return SHIPPED, _SHIPPED_FILE.read_text(encoding="utf-8")
    return row.id, row.toml


async def _store(info: Info, based_on: int, text: str, catalogue: Catalogue, change: str, line: int) -> InForce:
    """Insert the version, unless its label is taken or the catalogue changed since it was read; every serving
    process is told at the commit (gateway.features.measures.watch)."""
    watch: VersionWatch[InForce] = watch_of(info.context.engine)
    stamp = watch.stamp()
    principal = info.context.principal
    taken = f"version {catalogue.version!r} exists already: give the new catalogue a new version label"
    if catalogue.version == default_catalogue().version:
        raise BadUserInput(taken, argument="version", line=line)
    now = info.context.graph.clock.now()
    try:
        async with info.context.engine.begin() as conn:
            if (await conn.execute(sa.select(versions.c.id).where(versions.c.label == catalogue.version))).first():
                raise BadUserInput(taken, argument="version", line=line)
            inserted = await conn.execute(
                versions.insert().values(
                    label=catalogue.version,
                    based_on=based_on,
                    toml=text,
                    change=change[:200],
                    published_at=now,
                    published_by=f"{principal.role.value}:{principal.name}"[:200],
                )
            )
            number = inserted.inserted_primary_key[0]
            if conn.dialect.name == "postgresql":
                await conn.execute(sa.select(sa.func.pg_notify(CHANNEL, str(number))))
    except IntegrityError:
        raise GatewayError(
            "The catalogue changed while this change was made (or its version label was just taken): read it "
            "again and retry",
            CONFLICT,
        ) from None
    stored = InForce(number, _parsed(number, text), utc(now))
    watch.keep(stored, stamp)
    info.context.extras.pop(_REQUEST_KEY, None)  # the rest of this request sees the new version
    return stored


async def publish_measure_catalogue(info: Info, toml: str) -> MeasureCatalogueVersion:
    require(info.context.principal, (Role.ADMIN,), "publishMeasureCatalogue")
    if len(toml.encode()) > MAX_MEASURE_CATALOGUE_BYTES:
        raise BadUserInput(f"toml is limited to {MAX_MEASURE_CATALOGUE_BYTES} bytes", argument="toml")
    try:
        catalogue = load_catalogue(toml, "toml")
    except CatalogueError as exc:
        raise _bad(exc, "toml") from None
    _label(catalogue.version, "version")
    async with info.context.engine.connect() as conn:
        based_on, _text = await _current_text(conn)
    stored = await _store(info, based_on, toml, catalogue, "published", key_line(toml, "version"))
    return _version_of(stored, catalogue, "published", info)


async def upsert_measure(info: Info, version: str, measure: str) -> MeasureCatalogueVersion:
    require(info.context.principal, (Role.ADMIN,), "upsertMeasure")
    label = _label(version, "version")
    if len(measure.encode()) > MAX_MEASURE_CATALOGUE_BYTES:
        raise BadUserInput(f"measure is limited to {MAX_MEASURE_CATALOGUE_BYTES} bytes", argument="measure")
    try:
        parsed = load_measure(measure, "measure")
    except CatalogueError as exc:
        raise _bad(exc, "measure") from None
    async with info.context.engine.connect() as conn:
        based_on, current = await _current_text(conn)
    old = _parsed(based_on, current) if based_on != SHIPPED else default_catalogue()
    text = with_version(with_measure(current, old, measure, parsed.id), label)
    try:
        catalogue = load_catalogue(text, "catalogue")
    except CatalogueError as exc:
        raise _bad(exc, "measure") from None
    change = f"{'replaced' if old.get(parsed.id) else 'added'} {parsed.id}"
    stored = await _store(info, based_on, text, catalogue, change, 1)
    return _version_of(stored, catalogue, change, info)


async def retire_measure(info: Info, version: str, id: str, until: dt.date) -> MeasureCatalogueVersion:
    require(info.context.principal, (Role.ADMIN,), "retireMeasure")
    label = _label(version, "version")
    async with info.context.engine.connect() as conn:
        based_on, current = await _current_text(conn)
    old = _parsed(based_on, current) if based_on != SHIPPED else default_catalogue()
    edited = with_valid_until(current, old, id, until)
    if edited is None:
        raise GatewayError(f"The catalogue in force has no measure {id!r}", NOT_FOUND)
    try:
        catalogue = load_catalogue(with_version(edited, label), "catalogue")
    except CatalogueError as exc:
        raise BadUserInput(str(exc), argument="until", line=exc.line) from None
    change = f"retired {id} after {until.isoformat()}"
    stored = await _store(info, based_on, with_version(edited, label), catalogue, change, 1)
    return _version_of(stored, catalogue, change, info)


def _version_of(stored: InForce, catalogue: Catalogue, change: str, info: Info) -> MeasureCatalogueVersion:
    principal = info.context.principal
    return MeasureCatalogueVersion(
        number=stored.number,
        version=catalogue.version,
        change=change,
        published_at=stored.published_at,
        published_by=f"{principal.role.value}:{principal.name}",
        in_force=True,
    )


async def measure_catalogue_versions(info: Info, first: int | None = None) -> list[MeasureCatalogueVersion]:
    """Newest first, the shipped file last once every published version is listed."""
    size = page_size(first, default=20, maximum=MAX_MEASURE_CATALOGUE_VERSIONS)
    query = sa.select(
        versions.c.id, versions.c.label, versions.c.change, versions.c.published_at, versions.c.published_by
    )
    async with info.context.connection() as conn:
        rows = (await conn.execute(query.order_by(versions.c.id.desc()).limit(size))).all()
    newest = rows[0].id if rows else SHIPPED
    found = [
        MeasureCatalogueVersion(
            number=r.id,
            version=r.label,
            change=r.change,
            published_at=utc(r.published_at),
            published_by=r.published_by,
            in_force=r.id == newest,
        )
        for r in rows
    ]
    if len(found) < size:  # every published version is listed: the shipped file comes last
        found.append(
            MeasureCatalogueVersion(
                number=SHIPPED,
                version=default_catalogue().version,
                change="shipped",
                published_at=None,
                published_by=None,
                in_force=newest == SHIPPED,
            )
        )
    return found


QUERY_FIELDS: dict[str, Any] = {
    "measure_catalogue_versions": strawberry.field(
        resolver=measure_catalogue_versions,
        description="The catalogue's versions, newest first (at most 100): the one in force, those it replaced, "
        "and number 0, the catalogue the gateway ships.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "publish_measure_catalogue": strawberry.mutation(
        resolver=publish_measure_catalogue,
        description="Admin: publish a whole catalogue (TOML, as the shipped file) as a new version, in force at "
        "once on every worker. Checked first: a fault is BAD_USER_INPUT with its line; its version label must be "
        "new.",
    ),
    "upsert_measure": strawberry.mutation(
        resolver=upsert_measure,
        description="Admin: a new catalogue version `version` with one measure (a single [[measure]] TOML table) "
        "replacing the measure of its id, or added.",
    ),
    "retire_measure": strawberry.mutation(
        resolver=retire_measure,
        description="Admin: a new catalogue version `version` in which measure `id` applies up to `until` and not "
        "after (its valid_until). The measure stays listed, for the record.",
    ),
}
