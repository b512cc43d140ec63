"""What a merchant page shows, read through the public audience's GraphQL schema in process.

The page asks the public schema exactly as a member of the public would ask ``/graphql``: what it shows is
what the public API answers (published records only, public commitments only, the same limits), and, as for
every public request, nothing is written to the query record. The document is built from the schema it runs
against: a record type that no loaded plugin provides is left out of it rather than failing validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema

from gateway.features.merchants.labels import chinese_label

ENVELOPE = (
    "__typename id domain category polarity severity decisionDate documentNumber decidingAuthority status disputed"
)
# The record types the page shows in detail, the shared formats, with the fields it uses (``alias: field`` where
# two types give one name different types); a domain's own types show their envelope under their own name.
DETAILS: dict[str, tuple[str, ...]] = {
    "AdministrativePenalty": ("violationType", "facts", "content", "penaltyCategories", "fineAmount"),
    "AdministrativeLicense": ("documentTitle", "certificateName", "content", "validFrom", "validTo", "licenseStatus"),
    "CreditListEntry": ("listType", "listName", "reason", "isCurrent", "removalDate"),
}
COMMITMENT = "domain commitmentType content validFrom validUntil state fulfilment isExpired"


def document(schema: GraphQLSchema, first: int) -> str:
    """The page's query against ``schema`` (the public audience's graphql-core schema)."""
    fragments = []
    for type_name, wanted in DETAILS.items():
        found = schema.type_map.get(type_name)
        if not isinstance(found, GraphQLObjectType):
            continue
        fields = [name for name in wanted if name.rpartition(" ")[2] in found.fields]
        if fields:
            fragments.append(f"... on {type_name} {{ {' '.join(fields)} }}")
    query = schema.query_type
    commitments = ""
    if query is not None and "commitments" in query.fields:
        commitments = f"commitments(subjectCode: $code, first: {first}) {{ edges {{ node {{ {COMMITMENT} }} }} }}"
    return (
        "query MerchantPage($code: String!) {\n"
        "  subject(code: $code) {\n"
        "    name code kind registrationAuthority { name organizationType } region { name }\n"
        f"    records(first: {first}) {{ {ENVELOPE} {' '.join(fragments)} }}\n"
        "  }\n"
        f"  {commitments}\n"
        "}"
    )


@dataclass(frozen=True, slots=True)
class MerchantView:
    """The page's content, as the public API answered it."""

    name: str
    code: str
    kind: str
    registration_authority: str | None
    region: str | None
    lists: list[Mapping[str, Any]] = field(default_factory=list)  # red and black list entries
    negative: list[Mapping[str, Any]] = field(default_factory=list)  # other negative records
    positive: list[Mapping[str, Any]] = field(default_factory=list)  # licences and other records
    commitments: list[Mapping[str, Any]] = field(default_factory=list)
    type_labels: Mapping[str, str] = field(default_factory=dict)  # record type → its name for people
    truncated: bool = False  # the record list reached its page size: older ones are not on the page


def view_of(data: Mapping[str, Any] | None, first: int, schema: GraphQLSchema) -> MerchantView | None:
    """The view of an answer's ``data``; None when the subject is not there (the public does not see it)."""
    subject = (data or {}).get("subject")
    if not subject:
        return None
    records: Sequence[Mapping[str, Any]] = subject.get("records") or []
    authority = subject.get("registrationAuthority") or {}
    view = MerchantView(
        name=subject["name"],
        code=subject["code"],
        kind=subject["kind"],
        registration_authority=authority.get("name"),
        region=(subject.get("region") or {}).get("name"),
        truncated=len(records) >= first,
        type_labels={
            name: found
            for name in {str(record.get("__typename")) for record in records}
            if (found := chinese_label(getattr(schema.type_map.get(name), "description", None)))
        },
    )
    for record in records:
        if record.get("__typename") == "CreditListEntry":
            view.lists.append(record)
        elif record.get("polarity") == "NEGATIVE":
            view.negative.append(record)
        else:
            view.positive.append(record)
    edges = ((data or {}).get("commitments") or {}).get("edges") or []
    view.commitments.extend(edge["node"] for edge in edges)
    return view
