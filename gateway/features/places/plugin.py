"""The places feature as a default plugin (core.places): administrative divisions in the graph.

Jurisdictions themselves are the core's: a department's division narrows its writes
(gateway.write.submissions) and the records it sees in full (gateway.policy.access), for every domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.features.places.graphql import POLICIES, QUERY_FIELDS, DivisionType
from gateway.hooks.contributions import QueryField, fields_of
from gateway.hooks.specs import hookimpl


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(QUERY_FIELDS, QueryField)


@hookimpl
def field_policies() -> Mapping[str, str]:
    return POLICIES


@hookimpl
def graphql_types() -> Sequence[type]:
    return [DivisionType]
