"""The verification feature as a default plugin (core.verification): credit verification (信用核查).

A department handling a matter (or the subject, on a department's request, for itself) asks for a check of
one subject or a batch; the credit centre answers with a numbered query opinion (信用信息查询意见): each
subject's dishonesty information of the last five years, its list memberships, the measures in force for
the matter and the commitments bearing on it. It is answered at once unless a person must look (a record
under dispute or awaiting a repair decision): then it is PENDING, due in 5 working days, and the admin
answers it. Every check goes to the query record.

Who sees what: opinions are for departments, the admin and subjects (rows are scoped in the resolvers: a
department reads those it asked, a subject those about itself and only its own item). Answering is the
admin's. Not for the public, portals or partners.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa

from gateway.features.verification.graphql import MUTATION_FIELDS, QUERY_FIELDS
from gateway.features.verification.tables import TABLES
from gateway.hooks.contributions import MutationField, QueryField, fields_of
from gateway.hooks.specs import hookimpl
from gateway.policy.visibility import ADMIN, DEPARTMENT, SUBJECT

_SUBJECT_AND_DEPARTMENTS = f"{SUBJECT},{DEPARTMENT}"


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(QUERY_FIELDS, QueryField)


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # No domain of its own: departments of every domain ask, and the resolvers check their callers.
    return fields_of(MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def field_policies() -> Mapping[str, str]:
    readers = {
        name: _SUBJECT_AND_DEPARTMENTS
        for name in (
            "Mutation.requestCreditVerification",
            "Query.creditVerification",
            "Query.creditVerifications",
            "CreditVerification",
            "CreditVerificationConnection",
            "CreditVerificationEdge",
            "VerificationItem",
            "VerifiedRecord",
            "VerifiedListing",
            "VerifiedFact",
            "VerifiedMeasure",
            "VerifiedCommitment",
            "VerificationReview",
        )
    }
    return {**readers, "Mutation.answerCreditVerification": ADMIN}
