"""Partner access as a default plugin: the partners' queries and authorisation mutations, their
visibilities, the field guard of the audiences that see partner-grantable fields, the check
and notes of those fields on every built schema, and ``credit-gateway clients contract``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gateway.auth.principal import Role
from gateway.features.partners.access import PartnerAccess, admit_subjects
from gateway.features.partners.field_notes import describe_partner_fields
from gateway.features.partners.graphql import PARTNER_MUTATION_FIELDS, PARTNER_POLICIES, PARTNER_QUERY_FIELDS
from gateway.features.partners.guard import (
    GUARDED_ROLES,
    FieldGroups,
    PartnerFieldGuard,
    check_partner_fields,
    remote_field_allowed,
)
from gateway.features.partners.store import GRANTEE_ROLES
from gateway.hooks.contributions import MutationField, QueryField, SubjectAccess, fields_of
from gateway.hooks.specs import CommandLine, hookimpl
from gateway.policy.visibility import Policies

if TYPE_CHECKING:
    import typer


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(PARTNER_QUERY_FIELDS, QueryField)


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # Subjects grant and revoke, the admin records paper: each resolver checks its caller.
    return fields_of(PARTNER_MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def field_policies() -> Mapping[str, str]:
    return PARTNER_POLICIES


@hookimpl(tryfirst=True)  # the guard wraps fields before any other plugin's extension sees them
def schema_extensions(role: Role, policies: Policies) -> Sequence[Any]:
    return [PartnerFieldGuard.factory(FieldGroups(policies))] if role in GUARDED_ROLES else []


@hookimpl
def schema_built(schema: Any, role: Role, policies: Policies) -> None:
    describe_partner_fields(schema._schema, policies)  # each partner:<group> field names its group
    if role is Role.ADMIN:  # the admin's schema has every field: check the groups once, at start
        check_partner_fields(schema, policies)


def _authorized_only(info: Any, query: Any, table: Any) -> Any:
    """A partner finds only the subjects that authorised it for this purpose: no fishing by name."""
    if info.context.principal.role not in GRANTEE_ROLES:
        return query
    return query.where(table.c.id.in_(PartnerAccess.of(info.context).authorized_subject_ids()))


@hookimpl
def subject_access() -> SubjectAccess:
    return SubjectAccess(admit=admit_subjects, narrow_search=_authorized_only, field_allowed=remote_field_allowed)


@hookimpl
def cli_commands(app: typer.Typer, cli: CommandLine) -> None:
    # The commands import typer, which a serving worker, loading this plugin too, never needs.
    from gateway.features.partners.commands import add_partner_commands

    add_partner_commands(app, cli)  # `contract` joins the core's `clients` group
