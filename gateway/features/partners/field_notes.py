"""Partner-grantable fields say so in the schema itself.

A partner bank's developer codes against ``schema/audience-partner.graphql`` and browses GraphiQL's
docs: both come from the schema, so each ``partner:<group>`` field's description names its group and
what a caller gets without it. The groups are declared in ``field_policies`` (not on the types), so
the note is added to every audience schema once it is built.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType

from gateway.policy.visibility import Policies, partner_group

NOTE = (
    "Partner field group `{group}` (partner:{group}): a partner sees it where its contract and the subject's "
    "current authorisation for the stated purpose cover the group; a subject about itself; a department of the "
    "group's domain. Otherwise null, with a FORBIDDEN_FIELD error."
)


def partner_note(group: str) -> str:
    return NOTE.format(group=group)


def describe_partner_fields(schema: Any, policies: Policies) -> None:
    """Append the note to the description of every partner-grantable field of a built schema (its
    graphql-core schema: what introspection and the SDL printer read)."""
    for gql_type in schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType) or gql_type.name.startswith("__"):
            continue
        for name, gql_field in gql_type.fields.items():
            interface = next((i.name for i in gql_type.interfaces if name in i.fields), None)
            group = partner_group(policies.visibility(gql_type.name, name, interface))
            if group is None:
                continue
            note = partner_note(group)
            if note not in (gql_field.description or ""):
                # One paragraph: a blank line would print as a line of trailing spaces in the SDL.
                gql_field.description = f"{gql_field.description} {note}" if gql_field.description else note
