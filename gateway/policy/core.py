"""The visibilities of the core's own types and fields. Plugins declare theirs through a hook, and so
do the core's default plugins (the query record, partner access, the lifecycle)."""

from gateway.policy.visibility import DEPARTMENT, PORTAL, PUBLIC

CORE_POLICIES: dict[str, str] = {
    "Query.subject": PUBLIC,
    "Query.subjects": PUBLIC,
    "Query.searchSubjects": PUBLIC,
    "Query._entities": PUBLIC,
    # The SDL is introspection by another name: for the machine clients that compose the graph.
    "Query._service": PORTAL,
    "_Service": PORTAL,
    # Field by field: a type-level entry would also cover the fields plugins add to CreditSubject.
    **{
        f"CreditSubject.{name}": PUBLIC
        for name in ("code", "codeType", "name", "kind", "registrationAuthority", "region", "records")
    },
    "CreditRecord": PUBLIC,
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
}
