"""The core of ``CreditSubject``: who the subject is. Plugins add one field each (see schema.py)."""

from collections.abc import Mapping, Sequence
from typing import Any, Self

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.contributions import LoaderSpec
from gateway.db.tables import subject as subject_table
from gateway.errors import BadUserInput
from gateway.graph.eager import eager
from gateway.graph.enums import CodeTypeEnum, Polarity, SubjectKindEnum
from gateway.graph.pagination import page_size
from gateway.graph.records import SUBJECT_BY_ID, CreditRecord
from gateway.identifiers import CodeType, SubjectCode, SubjectKind
from gateway.identifiers import region_of as _region_of
from gateway.identifiers import registration_authority as _registration_authority

SUBJECT_BY_HASH = "core.subject_by_hash"
DEFAULT_RECORDS = 50


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
        m = row._mapping
        return cls(
            id=m["id"],
            code=m["display_code"],
            code_type=CodeType(m["code_type"]),
            name=m["name"],
            kind=SubjectKind(m["kind"]),
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
    async def records(
        self,
        info: Info,
        polarity: Polarity | None = None,
        domain: str | None = None,
        first: int | None = None,
    ) -> list[CreditRecord]:
        settings = info.context.settings
        size = page_size(first, default=DEFAULT_RECORDS, maximum=settings.max_page_size)
        graph = info.context.graph
        loaders_of = [s.loader for s in graph.composition.record_sources if domain is None or s.domain == domain]
        if domain is not None and not loaders_of:
            known = ", ".join(s.domain for s in graph.composition.record_sources)
            raise BadUserInput(f"Unknown domain {domain!r}; known: {known or 'none'}", argument="domain")
        loaders = info.context.loaders
        # Every load is queued before the first is awaited, so each loader still batches all subjects;
        # awaiting a load that is already done (prefetched) does not suspend, so neither does this field.
        pending = [loaders.get(name).load(self.id) for name in (*loaders_of, *graph.core_record_loaders)]
        per_source = [await load for load in pending]
        merged = [
            r
            for records in per_source
            for r in records
            if (polarity is None or r.polarity == polarity) and (domain is None or r.domain == domain)
        ]
        merged.sort(key=lambda r: (r.decision_date, int(r.id)), reverse=True)
        return merged[:size]


async def _subjects_by(column: sa.Column[Any], conn: AsyncConnection, keys: Sequence[Any]) -> Mapping[Any, Any]:
    rows = (await conn.execute(sa.select(subject_table).where(column.in_(keys)))).all()
    return {row._mapping[column.name]: row for row in rows}


async def load_subjects_by_hash(conn: AsyncConnection, hashes: Sequence[str]) -> Mapping[str, Any]:
    return await _subjects_by(subject_table.c.lookup_hash, conn, hashes)


async def load_subjects_by_id(conn: AsyncConnection, ids: Sequence[int]) -> Mapping[int, Any]:
    return await _subjects_by(subject_table.c.id, conn, ids)


CORE_LOADERS = (
    LoaderSpec(SUBJECT_BY_HASH, load_subjects_by_hash),
    LoaderSpec(SUBJECT_BY_ID, load_subjects_by_id),
)
