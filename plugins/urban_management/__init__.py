"""The urban management domain (城市管理): double-publicity penalties and licences by sub-area
(outdoor advertising, street merchants, construction waste, sanitation, 门前三包 …), inspection
results, and the 门前三包 red and black lists.

A built-in plugin that uses only the public hook API (``gateway.api``), exactly as a third-party
domain would; the hooks below only hand over what the modules beside them define.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from gateway.api import (
    FORMAT_TYPES,
    AdministrativeLicenseInput,
    AdministrativePenaltyInput,
    CreditListEntryInput,
    DemoContext,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectField,
    hookimpl,
    submission_mutation,
)
from plugins.urban_management import demo as _demo
from plugins.urban_management import rules
from plugins.urban_management.grading import grade_rules as grade_rules  # hook grade_rules
from plugins.urban_management.importing import IMPORTERS
from plugins.urban_management.lists import resolve_urban_red_black_list
from plugins.urban_management.loaders import RECORDS, URBAN_RECORDS
from plugins.urban_management.queries import resolve_urban_management, resolve_urban_sub_areas
from plugins.urban_management.sections import credit_sections as credit_sections  # hook credit_sections
from plugins.urban_management.submissions import INSPECTIONS, LICENSES, LIST_ENTRIES, PENALTIES
from plugins.urban_management.tables import TABLES
from plugins.urban_management.types import UrbanInspection, UrbanInspectionInput


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def graphql_types() -> Sequence[type]:
    # Reached only through the CreditRecord interface (CreditSubject.records).
    return [UrbanInspection, *FORMAT_TYPES]


@hookimpl
def field_policies() -> dict[str, str]:
    return {
        "CreditSubject.urbanManagement": "public",
        "Query.urbanSubAreas": "public",
        "Query.urbanManagementRedBlackList": "public",  # the 门前三包 红黑榜 is published
        "UrbanRedBlackListConnection": "public",
        "UrbanRedBlackListEdge": "public",
        "UrbanManagementProfile": "public",
        "UrbanInspection": "public",
        # The result of an inspection is published; what the inspectors found is not.
        "UrbanInspection.findings": "partner:urban_management.inspection",
        "UrbanInspection.rectificationDeadline": "partner:urban_management.inspection",
        "UrbanSubArea": "public",
    }


@hookimpl
def subject_fields() -> Sequence[SubjectField]:
    return [
        SubjectField(
            "urbanManagement",
            resolve_urban_management,
            "Urban management (城市管理): penalties, licences, inspections and the 门前三包 red and black lists.",
        )
    ]


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return [
        QueryField(
            "urbanSubAreas",
            resolve_urban_sub_areas,
            "The urban management sub-areas records name in subArea, with the labels to show.",
        ),
        QueryField(
            "urbanManagementRedBlackList",
            resolve_urban_red_black_list,
            "The 门前三包 red or black list (红黑榜): entries on the list today, newest listing first.",
        ),
    ]


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    return [
        submission_mutation(
            "submitUrbanManagementPenalties",
            PENALTIES,
            "penalties",
            AdministrativePenaltyInput,
            "Submit administrative penalties (双公示 行政处罚); idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitUrbanManagementLicenses",
            LICENSES,
            "licenses",
            AdministrativeLicenseInput,
            "Submit administrative licences (双公示 行政许可); idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitUrbanManagementListEntries",
            LIST_ENTRIES,
            "entries",
            CreditListEntryInput,
            "Submit 门前三包 red and black list entries; idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitUrbanInspections",
            INSPECTIONS,
            "inspections",
            UrbanInspectionInput,
            "Submit inspection results (检查结果); idempotent on (source unit, inspection document number).",
        ),
    ]


@hookimpl
def loaders() -> Sequence[LoaderSpec]:
    return [URBAN_RECORDS]


@hookimpl
def record_sources() -> Sequence[RecordSource]:
    return [RecordSource(domain=rules.DOMAIN, loader=RECORDS)]


@hookimpl
def importers() -> Sequence[Importer]:
    return IMPORTERS


@hookimpl
async def seed_demo_data(demo: DemoContext) -> None:
    await _demo.seed(demo)
