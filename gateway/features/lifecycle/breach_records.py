"""The negative records that broken commitments create, in ``CreditSubject.records`` beside the
domains' own: the core holds them (no plugin table), in the domain the commitment was made to."""

from collections.abc import Mapping, Sequence
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.features.lifecycle.commitment_store import load_breach_records
from gateway.graph.record_building import record_from
from gateway.graph.records import CreditRecord, envelope_kwargs
from gateway.hooks.contributions import LoaderSpec

BREACH_RECORDS = "core.lifecycle.commitment_breaches"


@strawberry.type(description="A broken credit commitment (信用承诺), recorded as a negative record in its domain.")
class CommitmentBreach(CreditRecord):
    pass


async def _load(conn: AsyncConnection, subject_ids: Sequence[int]) -> Mapping[int, Any]:
    found = await load_breach_records(conn, subject_ids)
    return {
        sid: tuple(record_from(CommitmentBreach, envelope_kwargs(row)) for row in rows) for sid, rows in found.items()
    }


BREACH_LOADER = LoaderSpec(BREACH_RECORDS, _load, default=())
