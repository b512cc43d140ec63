"""The query record (查询记录) as a default plugin: ``me`` and ``queryRecords``, their visibilities,
the extension that writes the record of every operation that served subjects, and ``credit-gateway
audit`` (its chain's check)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gateway.features.audit.graphql import audit_query_fields
from gateway.features.audit.recorder import QueryRecordExtension, record_federated_request, record_subject_access
from gateway.hooks.contributions import QueryField, SubjectAccess, fields_of
from gateway.hooks.specs import CommandLine, hookimpl
from gateway.policy.visibility import ADMIN, SUBJECT

if TYPE_CHECKING:
    import typer

POLICIES: dict[str, str] = {
    "Query.me": SUBJECT,
    "Query.queryRecords": ADMIN,
    "Me": SUBJECT,
    "QueryRecord": SUBJECT,
    "QueryRecordConnection": SUBJECT,
    "QueryRecordEdge": SUBJECT,
    "QueryRecordDetail": ADMIN,
    "QueryRecordDetailConnection": ADMIN,
    "QueryRecordDetailEdge": ADMIN,
}


@hookimpl
def query_fields(subject_type: type) -> Sequence[QueryField]:
    return fields_of(audit_query_fields(subject_type), QueryField)


@hookimpl
def field_policies() -> Mapping[str, str]:
    return POLICIES


@hookimpl
def schema_extensions() -> Sequence[Any]:
    return [QueryRecordExtension]


@hookimpl
def subject_access() -> SubjectAccess:
    # Every subject served goes to the query record; a federated request's, with the subgraphs it called.
    return SubjectAccess(served=record_subject_access, served_federated=record_federated_request)


@hookimpl
def cli_commands(app: typer.Typer, cli: CommandLine) -> None:
    # The commands import typer, which a serving worker, loading this plugin too, never needs.
    from gateway.features.audit.commands import add_audit_commands

    add_audit_commands(app, cli)
