"""The tax credit domain (纳税信用): annual ratings and the major tax violation black list.

A built-in plugin that uses only the public hook API (``gateway.api``), exactly as a third-party
domain would; the hooks below only hand over what the modules beside them define.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from gateway.api import (
    DemoContext,
    FactSource,
    Importer,
    LoaderSpec,
    MutationField,
    QueryField,
    RecordSource,
    SubjectField,
    hookimpl,
    submission_mutation,
)
from plugins.tax import demo as _demo
from plugins.tax import rules
from plugins.tax.facts import TAX_FACTS
from plugins.tax.grading import grade_rules as grade_rules  # hook grade_rules
from plugins.tax.importing import IMPORTERS
from plugins.tax.loaders import RECORDS, TAX_RECORDS
from plugins.tax.queries import resolve_major_tax_violations, resolve_tax
from plugins.tax.sections import credit_sections as credit_sections  # hook credit_sections
from plugins.tax.submissions import RATINGS, VIOLATIONS
from plugins.tax.tables import TABLES
from plugins.tax.types import MajorTaxViolation, MajorTaxViolationInput, TaxCreditRating, TaxCreditRatingInput


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def graphql_types() -> Sequence[type]:
    # Reached only through the CreditRecord interface (CreditSubject.records).
    return [TaxCreditRating, MajorTaxViolation]


@hookimpl
def field_policies() -> dict[str, str]:
    return {
        "CreditSubject.tax": "public",
        "Query.majorTaxViolations": "public",  # the tax black list is published
        "TaxProfile": "public",
        "TaxCreditRating": "public",
        # The points behind a grade, and why a D was assigned: for partners the subject authorised.
        "TaxCreditRating.score": "partner:tax.rating",
        "TaxCreditRating.directAssignmentReason": "partner:tax.rating",
        "MajorTaxViolation": "public",
        "MajorTaxViolationConnection": "public",
        "MajorTaxViolationEdge": "public",
    }


@hookimpl
def subject_fields() -> Sequence[SubjectField]:
    return [SubjectField("tax", resolve_tax, "Tax credit ratings and major tax violations (纳税信用).")]


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return [
        QueryField(
            "majorTaxViolations",
            resolve_major_tax_violations,
            "The tax black list (重大税收违法失信主体): listings in force, newest decision first.",
        )
    ]


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    return [
        submission_mutation(
            "submitTaxCreditRatings",
            RATINGS,
            "ratings",
            TaxCreditRatingInput,
            "Submit annual tax credit ratings; idempotent on (subject, year).",
        ),
        submission_mutation(
            "submitMajorTaxViolations",
            VIOLATIONS,
            "violations",
            MajorTaxViolationInput,
            "Submit major tax violation listings; idempotent on (source unit, document number).",
        ),
    ]


@hookimpl
def loaders() -> Sequence[LoaderSpec]:
    return [TAX_RECORDS]


@hookimpl
def record_sources() -> Sequence[RecordSource]:
    return [RecordSource(domain=rules.DOMAIN, loader=RECORDS)]


@hookimpl
def measure_facts() -> Sequence[FactSource]:
    # Grades and the black list, for the joint rewards and punishments catalogue (core.measures).
    return [TAX_FACTS]


@hookimpl
def importers() -> Sequence[Importer]:
    return IMPORTERS


@hookimpl
async def seed_demo_data(demo: DemoContext) -> None:
    await _demo.seed(demo)
