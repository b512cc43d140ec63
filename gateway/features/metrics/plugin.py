"""Collection metrics as a default plugin (core.metrics): ``collectionMetrics`` for the admin and the
departments, ``CreditRecord.submittedAt`` for the same audiences, and ``credit-gateway metrics export``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from gateway.features.metrics.graphql import QUERY_FIELDS
from gateway.hooks.contributions import QueryField, fields_of
from gateway.hooks.specs import CommandLine, hookimpl
from gateway.policy.visibility import DEPARTMENT

if TYPE_CHECKING:
    import typer

# The resolver narrows a department to its own domain and division; the public never sees the types.
POLICIES: dict[str, str] = {
    "Query.collectionMetrics": DEPARTMENT,
    "CollectionMetrics": DEPARTMENT,
    "DepartmentMetrics": DEPARTMENT,
    "SourceUnitMetrics": DEPARTMENT,
    "CollectionFigures": DEPARTMENT,
    "CollectionKindVolume": DEPARTMENT,
    "LateRecord": DEPARTMENT,
    "CommitmentFigures": DEPARTMENT,
    # When a record reached the gateway says how a department works, not what the record says: for the
    # departments (whose audience also reads other domains' published records) and the admin.
    "CreditRecord.submittedAt": DEPARTMENT,
}


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(QUERY_FIELDS, QueryField)


@hookimpl
def field_policies() -> Mapping[str, str]:
    return POLICIES


@hookimpl
def cli_commands(app: typer.Typer, cli: CommandLine) -> None:
    # The commands import typer, which a serving worker, loading this plugin too, never needs.
    from gateway.features.metrics.commands import add_metrics_commands

    add_metrics_commands(app, cli)
