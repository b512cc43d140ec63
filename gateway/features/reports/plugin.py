"""Credit reports as a default plugin (core.reports): the registry of the credit reports (信用报告) that
qualified third-party credit service agencies issue, and their verification by number.

An agency (``Role.AGENCY``) reads a subject's public credit supervision information once the subject has
authorised it (partner access: ``grantAuthorization`` names the agency, with no field groups), writes its
report elsewhere, and registers it here: number, subject, grade, risk notes, issue date; valid a year. A
department verifies a report presented to it by the number; the subject and the agency list theirs.

Who sees what: registering and revoking are the agency's (the admin may revoke too); verifying is for
departments and the admin (any report) and for the subject and the agency (their own, others read as
NOT_FOUND); the lists for the subject, the agency and the admin. Nothing is public: a report's grade and
risk notes are the subject's business, shown to those it presents the report to.

No demo data: the demo seeds subjects and records, not API clients, and a report needs an agency client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa

from gateway.features.reports.graphql import MUTATION_FIELDS, QUERY_FIELDS
from gateway.features.reports.tables import TABLES
from gateway.hooks.contributions import MutationField, QueryField, fields_of
from gateway.hooks.specs import hookimpl
from gateway.policy.visibility import AGENCY, DEPARTMENT, SUBJECT

_READERS = f"{SUBJECT},{DEPARTMENT},{AGENCY}"


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(QUERY_FIELDS, QueryField)


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # Agencies are no domain's departments: each resolver checks its caller.
    return fields_of(MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def field_policies() -> Mapping[str, str]:
    return {
        "Mutation.registerCreditReport": AGENCY,
        "Mutation.revokeCreditReport": AGENCY,
        "Query.verifyCreditReport": _READERS,
        "Query.creditReports": f"{SUBJECT},{AGENCY}",
        "CreditReport": _READERS,
        "CreditReportVerification": _READERS,
        "CreditReportConnection": f"{SUBJECT},{AGENCY}",
        "CreditReportEdge": f"{SUBJECT},{AGENCY}",
    }
