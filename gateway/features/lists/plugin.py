"""The lists feature as a default plugin (core.lists): ``Query.creditLists``, every domain's red and black
lists in one published, paged connection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.features.lists.query import resolve_credit_lists
from gateway.hooks.contributions import QueryField
from gateway.hooks.specs import hookimpl
from gateway.policy.visibility import PUBLIC


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return [
        QueryField(
            "creditLists",
            resolve_credit_lists,
            "Every domain's red and black lists (红黑名单): the entries on a list today, newest listing first "
            "(then newest record); filter by domain, list type, division and listing date.",
        )
    ]


@hookimpl
def field_policies() -> Mapping[str, str]:
    # Published lists: the public sees them, and of a person only the name and the masked ID number.
    return {
        "Query.creditLists": PUBLIC,
        "CreditListing": PUBLIC,
        "CreditListingConnection": PUBLIC,
        "CreditListingEdge": PUBLIC,
        "ListedSubject": PUBLIC,
    }
