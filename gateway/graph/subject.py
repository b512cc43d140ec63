"""The core of ``CreditSubject``: who the subject is. Plugins add one field each (see schema.py)."""

from collections.abc import Mapping, Sequence
from typing import Any, Self

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.db.bulk import any_of
from gateway.db.tables import subject as subject_table
from gateway.engine.batch import batch_resolver
from gateway.engine.eager import eager
from gateway.graph.pagination import page_size
from gateway.graph.records import SUBJECT_BY_ID, CreditRecord
from gateway.hooks.contributions import LoaderSpec
from gateway.kernel.errors import BadUserInput
from gateway.kernel.identifiers import CodeType, SubjectCode, SubjectKind
from gateway.kernel.identifiers import region_of as _region_of
from gateway.kernel.identifiers import registration_authority as _registration_authority
from gateway.kernel.parsing import stored_enum
from gateway.records.enums import CodeTypeEnum, Polarity, SubjectKindEnum

SUBJECT_BY_HASH = "core.subject_by_hash"
DEFAULT_RECORDS = 50

_CODE_TYPE = stored_enum(CodeType)  # every subject row of a level: the enums by dict look-up
_SUBJECT_KIND = stored_enum(SubjectKind)


@strawberry.type(description="The registration authority and organisation type a USCC encodes (GB 32100-2015).")
class RegistrationAuthority:
    code: str
    name: str
    organization_type: str | None


@strawberry.type(description="The administrative division a code was issued in (GB/T 2260).")
class Region:
    code: str
    province: str | None
    name: str | None = strawberry.field(description="The most specific division known: county, city or province.")


@strawberry.type(description="A credit subject: an enterprise, organisation, individual business or person.")
class CreditSubjectBase:
    code: str = strawberry.field(
        description="Unified social credit code; for natural persons the ID number, masked (110105********002X)."
    )
    code_type: CodeTypeEnum
    name: str
    kind: SubjectKindEnum
    id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        m = row
        return cls(
            id=m.id,
            code=m.display_code,
            code_type=_CODE_TYPE(m.code_type),
            name=m.name,
            kind=_SUBJECT_KIND(m.kind),
        )

    @strawberry.field(description="For an organisation, who registered it; null for natural persons.")
    def registration_authority(self) -> RegistrationAuthority | None:
        if self.code_type is not CodeType.USCC:
            return None
        found = _registration_authority(SubjectCode(self.code, CodeType.USCC))
        return (
            RegistrationAuthority(code=found.code, name=found.name, organization_type=found.organization_type)
            if found
            else None
        )

    @strawberry.field(description="Where the code was issued (the masked ID keeps its region digits).")
    def region(self) -> Region:
        division = self.code[2:8] if self.code_type is CodeType.USCC else self.code[:6]
        found = _region_of(division)
        return Region(code=found.code, province=found.province, name=found.name)

    @strawberry.field(description="Records of every domain, newest decision first.")
    @eager
    @batch_resolver(lambda roots, info, **arguments: _records_of_all(roots, info, **arguments))
    async def records(
        self,
        info: Info,
        polarity: Polarity | None = None,
        domain: str | None = None,
        first: int | None = None,
    ) -> list[CreditRecord]:
        size, names = _records_request(info, domain, first)
        loaders = info.context.loaders
        # Every load is queued before the first is awaited, so each loader still batches all subjects;
        # awaiting a load that is already done (prefetched) does not suspend, so neither does this field.
        pending = [loaders.get(name).load(self.id) for name in names]
        per_source = [await load for load in pending]
        return _merge_records(per_source, polarity, domain, size)


def _records_request(info: Info, domain: str | None, first: int | None) -> tuple[int, tuple[str, ...]]:
    """The page size and the loaders that ``records`` reads (a domain narrows them; unknown: refused)."""
    settings = info.context.settings
    size = page_size(first, default=DEFAULT_RECORDS, maximum=settings.max_page_size)
    graph = info.context.graph
    # Sources of every domain (broken commitments) are read whatever the domain, once: not as a domain.
    sources = [s for s in graph.composition.record_sources if not s.every_domain]
    loaders_of = [s.loader for s in sources if domain is None or s.domain == domain]
    if domain is not None and not loaders_of:
        known = ", ".join(s.domain for s in sources)
        raise BadUserInput(f"Unknown domain {domain!r}; known: {known or 'none'}", argument="domain")
    return size, (*loaders_of, *graph.core_record_loaders)


def _merge_records(
    per_source: Sequence[Sequence[Any]], polarity: Polarity | None, domain: str | None, size: int
) -> list[Any]:
    merged = [
        r
        for records in per_source
        for r in records
        if (polarity is None or r.polarity == polarity) and (domain is None or r.domain == domain)
    ]
    merged.sort(key=lambda r: (r.decision_date, int(r.id)), reverse=True)
    return merged[:size]


async def _records_of_all(
    roots: Sequence[CreditSubjectBase],
    info: Info,
    polarity: Polarity | None = None,
    domain: str | None = None,
    first: int | None = None,
) -> list[list[Any]]:
    """The batch form of ``records``: every subject of a level, one loader call per source."""
    size, names = _records_request(info, domain, first)
    ids = [root.id for root in roots]
    per_loader = [await info.context.loaders.load_all(name, ids) for name in names]
    return [
        _merge_records([found[index] for found in per_loader], polarity, domain, size) for index in range(len(roots))
    ]


# Built once: one SQL text for every batch size (gateway.db.bulk.any_of), so it is compiled once and
# PostgreSQL's prepared statement is reused.
_BY_HASH = sa.select(subject_table).where(any_of(subject_table.c.lookup_hash, name="keys"))
_BY_ID = sa.select(subject_table).where(any_of(subject_table.c.id, name="keys"))


async def _subjects_by(
    query: sa.Select[Any], column: sa.Column[Any], conn: AsyncConnection, keys: Sequence[Any]
) -> Mapping[Any, Any]:
    rows = (await conn.execute(query, {"keys": keys})).all()
    return {getattr(row, column.name): row for row in rows}


async def load_subjects_by_hash(conn: AsyncConnection, hashes: Sequence[str]) -> Mapping[str, Any]:
    return await _subjects_by(_BY_HASH, subject_table.c.lookup_hash, conn, hashes)


async def load_subjects_by_id(conn: AsyncConnection, ids: Sequence[int]) -> Mapping[int, Any]:
    return await _subjects_by(_BY_ID, subject_table.c.id, conn, ids)


CORE_LOADERS = (
    LoaderSpec(SUBJECT_BY_HASH, load_subjects_by_hash),
    LoaderSpec(SUBJECT_BY_ID, load_subjects_by_id),
)
