"""The credit lifecycle as a default plugin: the queries and mutations of disputes, repairs,
complaints and commitments, their visibilities, and broken commitments as records of every domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.features.lifecycle.breach_records import BREACH_LOADER, BREACH_RECORDS, CommitmentBreach
from gateway.features.lifecycle.graphql import LIFECYCLE_MUTATION_FIELDS, LIFECYCLE_POLICIES, LIFECYCLE_QUERY_FIELDS
from gateway.hooks.contributions import LoaderSpec, MutationField, QueryField, RecordSource, fields_of
from gateway.hooks.specs import hookimpl
from gateway.policy.visibility import PUBLIC


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(LIFECYCLE_QUERY_FIELDS, QueryField)


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # Subjects file, departments and the admin decide: each resolver checks its caller.
    return fields_of(LIFECYCLE_MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def field_policies() -> Mapping[str, str]:
    # A broken commitment is a record like any other: which ones are shown is decided per row.
    return {**LIFECYCLE_POLICIES, "CommitmentBreach": PUBLIC}


@hookimpl
def graphql_types() -> Sequence[type]:
    return [CommitmentBreach]


@hookimpl
def loaders() -> Sequence[LoaderSpec]:
    return [BREACH_LOADER]


@hookimpl
def record_sources() -> Sequence[RecordSource]:
    return [RecordSource("core.lifecycle", BREACH_RECORDS, every_domain=True)]
