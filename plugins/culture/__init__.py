"""The culture and tourism domain (文化和旅游市场信用): double-publicity penalties and licences, and the
red and black lists (红黑榜) whose red-list subjects get a green channel.

A built-in plugin that uses only the public hook API (``gateway.api``), exactly as a third-party
domain would. All its records are in the core's shared formats, so it has no tables or migrations of
its own; the hooks below only hand over what the modules beside them define.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.api import (
    LICENSE_COLUMNS,
    LIST_COLUMNS,
    PENALTY_COLUMNS,
    AdministrativeLicense,
    AdministrativeLicenseInput,
    AdministrativePenalty,
    AdministrativePenaltyInput,
    CreditListEntry,
    CreditListEntryInput,
    DemoContext,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectField,
    format_records_loader,
    hookimpl,
    license_input,
    list_entry_input,
    penalty_input,
    submission_mutation,
)
from plugins.culture import demo as _demo
from plugins.culture import rules
from plugins.culture.grading import grade_rules as grade_rules  # hook grade_rules
from plugins.culture.queries import (
    RECORDS,
    resolve_culture,
    resolve_culture_measures,
    resolve_culture_red_black_list,
)
from plugins.culture.rules import LICENSES, LIST_ENTRIES, PENALTIES
from plugins.culture.sections import credit_sections as credit_sections  # hook credit_sections


@hookimpl
def graphql_types() -> Sequence[type]:
    # Reached through CultureProfile as well; listed so that CreditSubject.records can always return them.
    return [AdministrativePenalty, AdministrativeLicense, CreditListEntry]


@hookimpl
def field_policies() -> dict[str, str]:
    return {
        "CreditSubject.culture": "public",
        "Query.cultureMeasures": "public",
        "Query.cultureRedBlackList": "public",  # the 红黑榜 is published
        "CultureProfile": "public",
        "CultureGreenChannel": "public",
        "CultureIncentive": "public",
        "CultureMeasure": "public",
        "CultureRedBlackListConnection": "public",
        "CultureRedBlackListEdge": "public",
    }


@hookimpl
def subject_fields() -> Sequence[SubjectField]:
    return [
        SubjectField(
            "culture",
            resolve_culture,
            "Culture and tourism market credit (文化和旅游): penalties, licences, red and black lists, green channel.",
        )
    ]


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return [
        QueryField(
            "cultureMeasures",
            resolve_culture_measures,
            "The measures culture red and black lists trigger, with labels for CreditListEntry.measures.",
        ),
        QueryField(
            "cultureRedBlackList",
            resolve_culture_red_black_list,
            "The culture red or black list (红黑榜): entries on the list today, newest listing first.",
        ),
    ]


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    return [
        submission_mutation(
            "submitCulturePenalties",
            PENALTIES,
            "penalties",
            AdministrativePenaltyInput,
            "Submit administrative penalties (行政处罚); idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitCultureLicenses",
            LICENSES,
            "licenses",
            AdministrativeLicenseInput,
            "Submit administrative licences (行政许可); idempotent on (source unit, document number).",
        ),
        submission_mutation(
            "submitCultureListEntries",
            LIST_ENTRIES,
            "entries",
            CreditListEntryInput,
            "Submit red and black list entries (红黑榜); idempotent on (source unit, document number).",
        ),
    ]


@hookimpl
def loaders() -> Sequence[LoaderSpec]:
    return [format_records_loader(rules.DOMAIN)]


@hookimpl
def record_sources() -> Sequence[RecordSource]:
    return [RecordSource(domain=rules.DOMAIN, loader=RECORDS)]


@hookimpl
def importers() -> Sequence[Importer]:
    return [
        Importer("penalties", rules.PENALTIES, PENALTY_COLUMNS, penalty_input, "行政处罚 (双公示)"),
        Importer("licenses", rules.LICENSES, LICENSE_COLUMNS, license_input, "行政许可 (双公示)"),
        Importer("list-entries", rules.LIST_ENTRIES, LIST_COLUMNS, list_entry_input, "红黑榜 entries"),
    ]


@hookimpl
async def seed_demo_data(demo: DemoContext) -> None:
    await _demo.seed(demo)
