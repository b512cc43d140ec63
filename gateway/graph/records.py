"""The ``CreditRecord`` interface over the shared record envelope, which every domain's record
types implement, and helpers for plugins to read envelope rows into it."""

from datetime import date
from typing import Any

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.db.tables import credit_record
from gateway.errors import BadUserInput
from gateway.graph.enums import Polarity, RecordStatus, Severity
from gateway.graph.pagination import decode_cursor
from gateway.lifecycle.publicity import published_now

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
    subject_id: strawberry.Private[int]

    @strawberry.field(description="Published today: active, inside its window, not withheld by the five-year rule.")
    def is_published(self) -> bool:
        return published_now(self)

    @strawberry.field(description="Name of the subject the record is about.")
    async def subject_name(self, info: Info) -> str:
        return (await info.context.loaders.load(SUBJECT_BY_ID, self.subject_id)).name

    @strawberry.field(description="Code of the subject the record is about (an ID number masked).")
    async def subject_code(self, info: Info) -> str:
        return (await info.context.loaders.load(SUBJECT_BY_ID, self.subject_id)).display_code


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
)


def envelope_kwargs(row: Any) -> dict[str, Any]:
    """Constructor arguments of a ``CreditRecord`` implementation from a row selected with
    :data:`ENVELOPE_COLUMNS`."""
    m = row._mapping
    return {
        "id": strawberry.ID(str(m["id"])),
        "subject_id": m["subject_id"],
        "domain": m["domain"],
        "category": m["category"],
        "polarity": Polarity(m["polarity"]),
        "severity": Severity(m["severity"]) if m["severity"] else None,
        "decision_date": m["decision_date"],
        "document_number": m["document_number"],
        "deciding_authority": m["deciding_authority"],
        "deciding_authority_code": m["deciding_authority_code"],
        "source_unit": m["source_unit"],
        "source_unit_code": m["source_unit_code"],
        "status": RecordStatus(m["status"]),
        "published_until": m["published_until"],
        "repair_from": m["repair_from"],
        "disputed": bool(m["disputed"]),
        "revision": m["revision"],
    }


def decision_cursor(row: Any) -> tuple[str, int]:
    """The keyset of a record row in lists ordered newest decision first."""
    return row.decision_date.isoformat(), row.id


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
