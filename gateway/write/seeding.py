"""Seeding the demo again leaves alone what the workflows did to demo records.

Demo data is written through the submission path, which is idempotent on each record's natural key
as long as the held record is the one submitted. A workflow may change a record after it was
seeded: a dispute verified CORRECTED changes its severity, dates, document number or deciding
authority (and keeps the earlier revision in ``record_revision``). Seeding again must neither
refuse that record as a clash (``DUPLICATE_RECORD``, which used to stop ``serve --demo``) nor,
when its document number was corrected, submit it anew under its old number. Status changes
(revoked, repaired) touch nothing a submission compares, so they need nothing here.

While :func:`keeping_workflow_changes` is active (``gateway.host.demo.seed`` runs every plugin's
``seed_demo_data`` inside it, so a third-party plugin is covered too), the submission path asks
:func:`records_changed_by_workflows` which items are such records, and counts them UNCHANGED. It is
a context variable rather than a parameter because plugins call ``RecordKind.submit`` themselves.
Outside it (mutations, imports) nothing changes: a clash with a corrected record is still reported.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import credit_record, record_revision

if TYPE_CHECKING:
    from gateway.write.submissions import Submission

_KEEPING: ContextVar[bool] = ContextVar("keeping_workflow_changes", default=False)
_CHUNK = 1000


@contextmanager
def keeping_workflow_changes() -> Iterator[None]:
    """Within this block, submissions count demo records changed by a workflow as unchanged."""
    token = _KEEPING.set(True)
    try:
        yield
    finally:
        _KEEPING.reset(token)


def keeping() -> bool:
    return _KEEPING.get()


async def records_changed_by_workflows(
    conn: AsyncConnection, items: Sequence[Submission], existing: Mapping[Hashable, tuple[int, Hashable]]
) -> dict[Hashable, tuple[int, Hashable]]:
    """Keys of ``items`` whose record a correction changed, mapped to (held record id, the item's own
    fingerprint), so that the submission path reads them as held identically:

    * the key holds a different record, and that record has been corrected (revision > 1);
    * the key is not held, but an earlier revision of a record had the item's source unit and
      document number: the correction renumbered it.
    """
    changed: dict[Hashable, tuple[int, Hashable]] = {}
    clashing = {i.key: i for i in items if i.key in existing and existing[i.key][1] != i.fingerprint}
    if clashing:
        ids = sorted({existing[key][0] for key in clashing})
        corrected: set[int] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = sa.select(credit_record.c.id).where(credit_record.c.id.in_(chunk), credit_record.c.revision > 1)
            corrected.update((await conn.execute(query)).scalars())
        changed.update({k: (existing[k][0], i.fingerprint) for k, i in clashing.items() if existing[k][0] in corrected})
    absent = {
        (i.envelope.source_unit_code, i.envelope.document_number): i
        for i in items
        if i.key not in existing and i.envelope.document_number is not None
    }
    if absent:
        # Revisions are few (one per correction); those of the items' source units are read whole,
        # since the earlier document number is only in each revision's JSON envelope.
        units = sorted({unit for unit, _ in absent})
        query = (
            sa.select(record_revision.c.record_id, record_revision.c.envelope)
            .join(credit_record, credit_record.c.id == record_revision.c.record_id)
            .where(credit_record.c.source_unit_code.in_(units))
        )
        for record_id, envelope in (await conn.execute(query)).all():
            earlier: dict[str, Any] = orjson.loads(envelope)
            item = absent.get((earlier.get("source_unit_code"), earlier.get("document_number")))
            if item is not None:
                changed[item.key] = (record_id, item.fingerprint)
    return changed
