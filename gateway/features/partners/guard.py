"""The run-time half of partner-grantable fields (``partner:<group>``).

The audience schemas of partners, subjects and departments have these fields (a role's schema
says what it may *ever* see); which subject a value is about decides whether it is handed out:

* a partner: only if the group is in its contract and in a current authorisation by that subject
  for the request's purpose;
* a subject: only about itself;
* a department: only a group of its own domain (groups are named ``<plugin>.<name>``), and for a
  department bound to a division only about what lies in its division and below, as for records
  (gateway.policy.access): a record's division (its deciding authority's area, else its subject's
  registration area), a subject's registration area. Elsewhere it gets what the public gets: nothing.

A refused field resolves to ``null`` with a ``FORBIDDEN_FIELD`` error at its path. The subject a
value is about is the object's ``subject_id`` (every ``CreditRecord``), or the subject itself.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import isawaitable
from typing import Any

from graphql import GraphQLObjectType
from strawberry.extensions import SchemaExtension

from gateway.auth.principal import Role
from gateway.features.partners.access import PartnerAccess, in_department_division
from gateway.kernel.errors import FORBIDDEN_FIELD, GatewayError
from gateway.policy.visibility import Policies, partner_group

GUARDED_ROLES = frozenset({Role.PARTNER, Role.SUBJECT, Role.DEPARTMENT})


def subject_id_of(source: Any) -> int | None:
    """The subject a value is about: a record's ``subject_id``, or the subject's own id."""
    sid = getattr(source, "subject_id", None)
    if sid is None and type(source).__name__ == "CreditSubject":
        sid = getattr(source, "id", None)
    return sid


class FieldGroups:
    """(type, field) → partner group, worked out once per field from the declarations."""

    def __init__(self, policies: Policies) -> None:
        self.policies = policies
        self._cache: dict[tuple[str, str], str | None] = {}

    def group(self, parent_type: GraphQLObjectType, field_name: str) -> str | None:
        key = (parent_type.name, field_name)
        if key not in self._cache:
            interface = next((i.name for i in parent_type.interfaces if field_name in i.fields), None)
            self._cache[key] = partner_group(self.policies.visibility(parent_type.name, field_name, interface))
        return self._cache[key]


class PartnerFieldGuard(SchemaExtension):
    def __init__(self, *, execution_context: Any = None, groups: FieldGroups) -> None:
        super().__init__(execution_context=execution_context)
        self.groups = groups

    @classmethod
    def factory(cls, groups: FieldGroups) -> Callable[..., PartnerFieldGuard]:
        def make(*, execution_context: Any = None) -> PartnerFieldGuard:
            return cls(execution_context=execution_context, groups=groups)

        return make

    def planned_field_wrapped(self, parent_type: GraphQLObjectType, field_name: str) -> bool:
        """For the planned engine (gateway.engine): only partner-group fields need this guard."""
        return self.groups.group(parent_type, field_name) is not None

    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        group = self.groups.group(info.parent_type, info.field_name) if root is not None else None
        if group is None:
            return _next(root, info, *args, **kwargs)
        return self._guarded(group, _next, root, info, args, kwargs)

    async def _guarded(
        self, group: str, _next: Callable[..., Any], root: Any, info: Any, args: Any, kwargs: Any
    ) -> Any:
        if not await _allowed(info.context, group, root, subject_id_of(root)):
            raise GatewayError(
                f"{info.parent_type.name}.{info.field_name} (field group {group}) is not yours to see for this "
                "subject.",
                FORBIDDEN_FIELD,
                group=group,
            )
        result = _next(root, info, *args, **kwargs)
        return await result if isawaitable(result) else result


async def _allowed(context: Any, group: str, source: Any, subject_id: int | None) -> bool:
    principal = context.principal
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.DEPARTMENT:
        if group.split(".", 1)[0] != principal.domain:
            return False
        return principal.division_code is None or await in_department_division(context, source, subject_id)
    if subject_id is None:
        return False
    if principal.role is Role.SUBJECT:
        return subject_id == await context.loaders.own_subject_id()
    if principal.role is Role.PARTNER:
        decision = await PartnerAccess.of(context).decision(subject_id)
        return not isinstance(decision, str) and group in decision
    return False


async def remote_field_allowed(context: Any, group: str, subject_id: int | None) -> bool:
    """A remote field of ``group`` about a subject (gateway.federation.serving.subjects): the same rule
    as the plugins' own fields, decided from the subject's id (no local object to read a division from)."""
    return await _allowed(context, group, None, subject_id)


def check_partner_fields(schema: Any, policies: Policies) -> None:
    """At start: every partner-grantable field must be nullable (a refused one reads null and the rest
    stands) and about a subject (on a type with ``subject_id``, or on ``CreditSubject``)."""
    from graphql import GraphQLNonNull

    from gateway.kernel.errors import ConfigurationError

    problems: list[str] = []
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        definition = (gql_type.extensions or {}).get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        about_a_subject = gql_type.name == "CreditSubject" or "subject_id" in getattr(
            origin, "__dataclass_fields__", {}
        )
        for name, gql_field in gql_type.fields.items():
            interface = next((i.name for i in gql_type.interfaces if name in i.fields), None)
            group = partner_group(policies.visibility(gql_type.name, name, interface))
            if group is None:
                continue
            if isinstance(gql_field.type, GraphQLNonNull):
                problems.append(f"{gql_type.name}.{name} (partner:{group}) must be nullable")
            if not about_a_subject:
                problems.append(f"{gql_type.name}.{name} (partner:{group}) is on a type that is not about a subject")
    if problems:
        raise ConfigurationError("partner-grantable fields: " + "; ".join(problems))
