"""The visibilities of the core's own types and fields (plugins declare theirs through a hook)."""

from gateway.features.lifecycle.graphql import LIFECYCLE_POLICIES
from gateway.features.partners.graphql import PARTNER_POLICIES
from gateway.policy.visibility import ADMIN, DEPARTMENT, PORTAL, PUBLIC, SUBJECT

CORE_POLICIES: dict[str, str] = {
    "Query.subject": PUBLIC,
    "Query.subjects": PUBLIC,
    "Query.searchSubjects": PUBLIC,
    "Query._entities": PUBLIC,
    # The SDL is introspection by another name: for the machine clients that compose the graph.
    "Query._service": PORTAL,
    "_Service": PORTAL,
    "Query.me": SUBJECT,
    "Query.queryRecords": ADMIN,
    # Field by field: a type-level entry would also cover the fields plugins add to CreditSubject.
    **{
        f"CreditSubject.{name}": PUBLIC
        for name in ("code", "codeType", "name", "kind", "registrationAuthority", "region", "records")
    },
    "CreditRecord": PUBLIC,
    "CommitmentBreach": PUBLIC,  # a record like any other: which ones are shown is decided per row
    "RegistrationAuthority": PUBLIC,
    "Region": PUBLIC,
    # Page wrappers show what their nodes' own visibilities allow; each is declared by its GraphQL name.
    "PageInfo": PUBLIC,
    "CreditSubjectConnection": PUBLIC,
    "CreditSubjectEdge": PUBLIC,
    # Shared formats: published records; what is published is decided per record, not per field.
    "AdministrativePenalty": PUBLIC,
    "AdministrativeLicense": PUBLIC,
    "CreditListEntry": PUBLIC,
    # Every domain mutation: the core admits only the domain's departments and the admin anyway.
    "Mutation": DEPARTMENT,
    "SubmissionResult": DEPARTMENT,
    "SubmittedRecord": DEPARTMENT,
    "Me": SUBJECT,
    "QueryRecord": SUBJECT,
    "QueryRecordConnection": SUBJECT,
    "QueryRecordEdge": SUBJECT,
    "QueryRecordDetail": ADMIN,
    "QueryRecordDetailConnection": ADMIN,
    "QueryRecordDetailEdge": ADMIN,
    **PARTNER_POLICIES,
    **LIFECYCLE_POLICIES,
}
