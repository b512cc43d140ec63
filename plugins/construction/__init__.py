"""The construction market credit domain (建筑市场信用): enterprise qualifications, good- and
bad-conduct records, the construction market black list, and registered practitioners linked to
the enterprises that employ them.

A built-in plugin that uses only the public hook API (``gateway.api``), exactly as a third-party
domain would; the hooks below only hand over what the modules beside them define.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from gateway.api import (
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
from plugins.construction import demo as _demo
from plugins.construction import rules
from plugins.construction.grading import grade_rules as grade_rules  # hook grade_rules
from plugins.construction.importing import IMPORTERS
from plugins.construction.lists import resolve_construction_black_list
from plugins.construction.loaders import CONSTRUCTION_PRACTITIONERS, CONSTRUCTION_RECORDS, RECORDS
from plugins.construction.queries import resolve_construction
from plugins.construction.sections import credit_sections as credit_sections  # hook credit_sections
from plugins.construction.submissions import BLACKLIST_ENTRIES, CONDUCT_RECORDS, QUALIFICATIONS, REGISTRATIONS
from plugins.construction.tables import TABLES
from plugins.construction.types import (
    ConstructionBlacklistEntry,
    ConstructionBlacklistEntryInput,
    ConstructionConductRecord,
    ConstructionConductRecordInput,
    ConstructionQualification,
    ConstructionQualificationInput,
    RegisteredPractitioner,
    RegisteredPractitionerInput,
)


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def graphql_types() -> Sequence[type]:
    # Reached only through the CreditRecord interface (CreditSubject.records).
    return [ConstructionQualification, ConstructionConductRecord, ConstructionBlacklistEntry, RegisteredPractitioner]


@hookimpl
def field_policies() -> dict[str, str]:
    return {
        "CreditSubject.construction": "public",
        "ConstructionProfile": "public",
        "ConstructionQualification": "public",
        "ConstructionConductRecord": "public",
        "ConstructionBlacklistEntry": "public",
        "Query.constructionBlackList": "public",  # the black list is published
        "ConstructionBlackListConnection": "public",
        "ConstructionBlackListEdge": "public",
        # Registered practitioners are natural persons: not for the public.
        "ConstructionProfile.registrations": "portal",
        "ConstructionProfile.registeredPractitioners": "portal",
        "RegisteredPractitioner": "portal",
    }


@hookimpl
def subject_fields() -> Sequence[SubjectField]:
    return [
        SubjectField(
            "construction",
            resolve_construction,
            "Construction market credit (建筑市场信用): qualifications, conduct records, the black list, "
            "registered practitioners.",
        )
    ]


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return [
        QueryField(
            "constructionBlackList",
            resolve_construction_black_list,
            "The construction market black list (建筑市场主体“黑名单”): listings in force today, newest listing first.",
        )
    ]


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    return [
        submission_mutation(
            "submitConstructionBlacklistEntries",
            BLACKLIST_ENTRIES,
            "entries",
            ConstructionBlacklistEntryInput,
            "Submit construction market black-list entries; idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitConstructionConductRecords",
            CONDUCT_RECORDS,
            "records",
            ConstructionConductRecordInput,
            "Submit good- and bad-conduct records; idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitConstructionQualifications",
            QUALIFICATIONS,
            "qualifications",
            ConstructionQualificationInput,
            "Submit enterprise qualifications; idempotent on (source unit, certificate number).",
        ),
        submission_mutation(
            "submitRegisteredPractitioners",
            REGISTRATIONS,
            "practitioners",
            RegisteredPractitionerInput,
            "Submit practitioner registrations with their employers; idempotent on (source unit, certificate number).",
        ),
    ]


@hookimpl
def loaders() -> Sequence[LoaderSpec]:
    return [CONSTRUCTION_RECORDS, CONSTRUCTION_PRACTITIONERS]


@hookimpl
def record_sources() -> Sequence[RecordSource]:
    return [RecordSource(domain=rules.DOMAIN, loader=RECORDS)]


@hookimpl
def importers() -> Sequence[Importer]:
    return IMPORTERS


@hookimpl
async def seed_demo_data(demo: DemoContext) -> None:
    await _demo.seed(demo)
