"""GraphQL types and inputs of the shared formats, and reading their rows.

No postponed annotations: strawberry reads these annotations when the classes are created.
"""

import operator
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.bulk import any_of
from gateway.db.tables import admin_license, admin_penalty, credit_list_entry, credit_record
from gateway.formats.common import PartyType
from gateway.formats.credit_lists import LIST_ENTRY_TYPE, ListType
from gateway.formats.double_publicity import (
    LICENSE_TYPE,
    PENALTY_TYPE,
    LicenseCategory,
    LicenseStatus,
    PenaltyCategory,
    split_categories,
)
from gateway.graph.record_building import record_from
from gateway.graph.records import ENVELOPE_COLUMNS, CreditRecord, envelope_kwargs
from gateway.hooks.contributions import LoaderSpec
from gateway.kernel.clock import today as clock_today
from gateway.kernel.parsing import stored_enum
from gateway.records.enums import RecordStatus, Severity

PartyTypeEnum = strawberry.enum(PartyType, name="PartyType", description="行政相对人类别.")
PenaltyCategoryEnum = strawberry.enum(PenaltyCategory, name="PenaltyCategory", description="处罚类别.")
LicenseCategoryEnum = strawberry.enum(LicenseCategory, name="LicenseCategory", description="许可类别.")
LicenseStatusEnum = strawberry.enum(LicenseStatus, name="LicenseStatus", description="Current status of a licence.")
ListTypeEnum = strawberry.enum(ListType, name="CreditListType", description="Red list (rewarded) or black list.")


@strawberry.type(description="An administrative penalty in the double-publicity format (行政处罚).")
class AdministrativePenalty(CreditRecord):
    party_type: PartyTypeEnum
    legal_representative: str | None
    violation_type: str = strawberry.field(description="违法行为类型.")
    facts: str = strawberry.field(description="违法事实.")
    legal_basis: str = strawberry.field(description="处罚依据.")
    penalty_categories: list[PenaltyCategoryEnum]
    content: str = strawberry.field(description="处罚内容.")
    fine_amount: Decimal | None = strawberry.field(
        description="罚款金额: the fine in 万元 (ten thousand yuan), as the double-publicity format has it: "
        "0.5 is 5,000 yuan."
    )
    confiscated_amount: Decimal | None = strawberry.field(
        description="没收金额: the amount confiscated, in 万元 (ten thousand yuan): 0.5 is 5,000 yuan."
    )
    validity_date: date | None = strawberry.field(description="处罚有效期.")
    publicity_end_date: date | None = strawberry.field(description="公示截止期.")
    sub_area: str | None = strawberry.field(description="The domain's sub-area code, e.g. OUTDOOR_ADVERTISING.")
    remarks: str | None


@strawberry.type(description="An administrative licence in the double-publicity format (行政许可).")
class AdministrativeLicense(CreditRecord):
    party_type: PartyTypeEnum
    legal_representative: str | None
    document_title: str = strawberry.field(description="行政许可决定文书名称.")
    license_category: LicenseCategoryEnum
    certificate_name: str | None
    certificate_number: str | None
    content: str
    valid_from: date
    valid_to: date = strawberry.field(description="2099-12-31 means long-term (长期).")
    license_status: LicenseStatusEnum
    sub_area: str | None
    remarks: str | None


@strawberry.type(description="An entry on a red or black list (红黑名单).")
class CreditListEntry(CreditRecord):
    list_type: ListTypeEnum
    list_name: str
    reason: str
    removal_date: date | None = strawberry.field(description="When the entry leaves the list; null: not yet set.")
    measures: list[str] = strawberry.field(description="Codes of the joint reward or punishment measures it triggers.")
    sub_area: str | None

    @strawberry.field(description="Whether the entry is on its list today: in force and not yet removed.")
    def is_current(self) -> bool:
        return self.status is RecordStatus.ACTIVE and (self.removal_date is None or self.removal_date > clock_today())


@strawberry.input(description="An administrative penalty to submit (双公示 行政处罚).")
class AdministrativePenaltyInput:
    party_name: str = strawberry.field(description="行政相对人名称.")
    party_type: PartyTypeEnum
    party_code: str = strawberry.field(description="USCC, or the resident ID number of a natural person.")
    legal_representative: str | None = None
    document_number: str = strawberry.field(description="行政处罚决定书文号.")
    violation_type: str
    facts: str
    legal_basis: str
    penalty_categories: list[PenaltyCategoryEnum]
    content: str
    fine_amount: Decimal | None = strawberry.field(
        default=None, description="罚款金额 in 万元 (ten thousand yuan; 0.5 is 5,000 yuan), at most six decimals."
    )
    confiscated_amount: Decimal | None = strawberry.field(
        default=None, description="没收金额 in 万元 (ten thousand yuan; 0.5 is 5,000 yuan), at most six decimals."
    )
    decision_date: date
    validity_date: date | None = None
    publicity_end_date: date | None = None
    deciding_authority: str
    deciding_authority_code: str | None = None
    source_unit: str
    source_unit_code: str
    sub_area: str | None = None
    severity: Severity | None = strawberry.field(default=None, description="Defaults from the categories.")
    remarks: str | None = None


@strawberry.input(description="An administrative licence to submit (双公示 行政许可).")
class AdministrativeLicenseInput:
    party_name: str
    party_type: PartyTypeEnum
    party_code: str
    legal_representative: str | None = None
    document_title: str
    document_number: str
    license_category: LicenseCategoryEnum
    certificate_name: str | None = None
    certificate_number: str | None = None
    content: str
    decision_date: date
    valid_from: date
    valid_to: date
    deciding_authority: str
    deciding_authority_code: str | None = None
    license_status: LicenseStatusEnum | None = None
    source_unit: str
    source_unit_code: str
    sub_area: str | None = None
    remarks: str | None = None


@strawberry.input(description="A red or black list entry to submit; the listing decision's document number keys it.")
class CreditListEntryInput:
    party_name: str
    party_type: PartyTypeEnum | None = None
    party_code: str
    list_type: ListTypeEnum
    list_name: str
    reason: str
    document_number: str
    decision_date: date = strawberry.field(description="The listing date.")
    removal_date: date | None = None
    measures: list[str] | None = None
    deciding_authority: str
    deciding_authority_code: str | None = None
    source_unit: str
    source_unit_code: str
    sub_area: str | None = None


FORMAT_TYPES: tuple[type, ...] = (AdministrativePenalty, AdministrativeLicense, CreditListEntry)


def _labelled(table: sa.Table, prefix: str) -> list[sa.Label[Any]]:
    return [c.label(f"{prefix}{c.name}") for c in table.c if c.name != "record_id"]


FORMAT_COLUMNS = (
    *_labelled(admin_penalty, "penalty_"),
    *_labelled(admin_license, "license_"),
    *_labelled(credit_list_entry, "list_"),
)


def join_formats(from_clause: Any) -> Any:
    """Outer-join the shared format tables to a FROM clause that contains ``credit_record``."""
    return (
        from_clause.outerjoin(admin_penalty, admin_penalty.c.record_id == credit_record.c.id)
        .outerjoin(admin_license, admin_license.c.record_id == credit_record.c.id)
        .outerjoin(credit_list_entry, credit_list_entry.c.record_id == credit_record.c.id)
    )


class _FormatColumns:
    """Where each shared format's columns sit in the rows of one result shape (labelled ``penalty_``,
    ``license_``, ``list_``), worked out once per shape: each format's field names and a C-level getter
    of its values, so a row becomes a record's arguments without a lookup per column."""

    __slots__ = ("formats",)

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.formats: dict[str, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}
        for prefix in ("penalty_", "license_", "list_"):
            positions = [(index, key[len(prefix) :]) for index, key in enumerate(fields) if key.startswith(prefix)]
            names = tuple(name for _, name in positions)
            indexes = [index for index, _ in positions]
            # itemgetter of one index returns the value, not a 1-tuple: wrapped so every getter gives a tuple
            getter = operator.itemgetter(*indexes) if len(indexes) > 1 else _tuple_of(indexes)
            self.formats[prefix] = (names, getter)

    def arguments(self, row: Any, prefix: str, into: dict[str, Any]) -> dict[str, Any]:
        """``into`` (the envelope's arguments) with the format's columns of ``row`` added by field name."""
        names, getter = self.formats[prefix]
        into.update(zip(names, getter(row), strict=True))
        return into


def _tuple_of(indexes: list[int]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda row: tuple(row[index] for index in indexes)


_SHAPES: dict[int, tuple[Any, _FormatColumns]] = {}
_SHAPES_KEPT = 256  # result shapes: a few per domain; the bound is for statements built per request


def _columns_of(row: Any) -> _FormatColumns:
    """The format columns of a row's result shape. The rows of one result share one metadata object
    (SQLAlchemy's result metadata, or the short path's row class), so the work is done once per shape;
    a row without one (a plain named tuple) is worked out each time."""
    shape = getattr(row, "_parent", None)
    if shape is None:
        return _FormatColumns(tuple(row._fields))
    found = _SHAPES.get(id(shape))
    if found is None or found[0] is not shape:
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        found = _SHAPES[id(shape)] = (shape, _FormatColumns(tuple(row._fields)))
    return found[1]


# Every record row of a level comes through format_record: the enums by dict look-up (kernel.parsing).
_PARTY_TYPE = stored_enum(PartyType)
_LICENSE_CATEGORY = stored_enum(LicenseCategory)
_LICENSE_STATUS = stored_enum(LicenseStatus)
_LIST_TYPE = stored_enum(ListType)


def format_record(row: Any) -> CreditRecord | None:
    """The shared-format record a row holds (selected with ENVELOPE_COLUMNS and FORMAT_COLUMNS), or None."""
    record_type = row.record_type
    if record_type == PENALTY_TYPE:
        p = _columns_of(row).arguments(row, "penalty_", envelope_kwargs(row))
        p["party_type"] = _PARTY_TYPE(p["party_type"])
        p["penalty_categories"] = split_categories(p["penalty_categories"])
        return record_from(AdministrativePenalty, p)
    if record_type == LICENSE_TYPE:
        lic = _columns_of(row).arguments(row, "license_", envelope_kwargs(row))
        lic["party_type"] = _PARTY_TYPE(lic["party_type"])
        lic["license_category"] = _LICENSE_CATEGORY(lic["license_category"])
        lic["license_status"] = _LICENSE_STATUS(lic["license_status"])
        return record_from(AdministrativeLicense, lic)
    if record_type == LIST_ENTRY_TYPE:
        e = _columns_of(row).arguments(row, "list_", envelope_kwargs(row))
        e["list_type"] = _LIST_TYPE(e["list_type"])
        e["measures"] = [x for x in e["measures"].split(",") if x]
        return record_from(CreditListEntry, e)
    return None


def format_records_query(domain: str) -> sa.Select[Any]:
    """Envelope and shared-format columns of a domain's records for the subjects of the parameter
    ``subject_ids`` (a list; gateway.db.bulk.any_of), one statement."""
    return (
        sa.select(credit_record.c.record_type, *ENVELOPE_COLUMNS, *FORMAT_COLUMNS)
        .select_from(join_formats(credit_record))
        .where(credit_record.c.domain == domain, any_of(credit_record.c.subject_id, name="subject_ids"))
        .order_by(credit_record.c.decision_date.desc(), credit_record.c.id.desc())
    )


def format_records_loader(domain: str) -> LoaderSpec:
    """A ``<domain>.records`` loader for a domain whose records are all in shared formats."""
    query = format_records_query(domain)  # built once; the subjects are its parameter

    async def load(conn: AsyncConnection, subject_ids: Sequence[int]) -> Mapping[int, list[CreditRecord]]:
        found: dict[int, list[CreditRecord]] = defaultdict(list)
        for row in await conn.execute(query, {"subject_ids": subject_ids}):
            record = format_record(row)
            if record is not None:
                found[row.subject_id].append(record)
        return found

    return LoaderSpec(f"{domain}.records", load, default=())
