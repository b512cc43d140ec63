"""The authorization matrix: for every field of the whole graph and every role, the visibility the
policies declare, asserted over HTTP.

For each field a minimal operation is generated from the schema: a path from the root to the field's
type (with placeholder arguments), the field, and ``__typename`` below it. A field the role may see
validates (whatever its resolver then says); a field it may never see, or one behind a field it may
never see, fails validation. A new plugin field therefore cannot leak silently: undeclared, it is
admin-only, and this test shows it absent for everyone else.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

from gateway.auth.principal import Role
from gateway.kernel.clock import china_today
from gateway.policy.visibility import visible_to
from gateway.testing import GatewayHarness, error_codes

UNLIMITED = {role.value: {"rate": 1_000_000, "burst": 1_000_000} for role in Role}


@dataclass(frozen=True)
class Step:
    type_name: str  # the type the field is on
    field_name: str
    arguments: str
    fragment: str | None  # "... on X" needed to reach type_name from its parent


def placeholder(arg_type: object) -> str | None:
    """A literal a required argument accepts, or None when none can be made up (input objects)."""
    inner = arg_type.of_type if isinstance(arg_type, GraphQLNonNull) else arg_type
    if isinstance(inner, GraphQLList):
        return "[]"
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLScalarType):
        return {"String": '"91350100M000100Y43"', "Int": "1", "Float": "1.0", "Boolean": "true", "ID": '"1"',
                "Date": '"2024-01-01"', "DateTime": '"2024-01-01T00:00:00+00:00"', "Decimal": '"1"'}.get(
            inner.name, '"x"')  # fmt: skip
    if isinstance(inner, GraphQLInputObjectType):
        return None
    return None


def arguments(field: GraphQLField) -> str | None:
    parts = []
    for name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            value = placeholder(arg.type)
            if value is None:
                return None
            parts.append(f"{name}: {value}")
    return f"({', '.join(parts)})" if parts else ""


def paths(schema: object, root: GraphQLObjectType) -> dict[str, list[Step]]:
    """A shortest path of fields from ``root`` to every composite type it reaches."""
    found: dict[str, list[Step]] = {root.name: []}
    queue = deque([root])
    while queue:
        current = queue.popleft()
        for name, field in current.fields.items():
            if name.startswith("__"):
                continue
            args = arguments(field)
            target = get_named_type(field.type)
            if args is None or not isinstance(target, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
                continue
            reach = [target]
            if isinstance(target, (GraphQLInterfaceType, GraphQLUnionType)):
                reach += list(schema.get_possible_types(target))  # type: ignore[attr-defined]
            for concrete in reach:
                if concrete.name in found:
                    continue
                fragment = concrete.name if concrete is not target else None
                found[concrete.name] = [*found[current.name], Step(current.name, name, args, fragment)]
                if isinstance(concrete, (GraphQLObjectType, GraphQLInterfaceType)):
                    queue.append(concrete)
    return found


def operation(kind: str, route: list[Step], field_name: str, field: GraphQLField, target_type: str) -> str | None:
    args = arguments(field)
    if args is None:
        return None
    leaf = field_name + args
    if isinstance(get_named_type(field.type), (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
        leaf += " { __typename }"
    body = leaf
    # wrap from the innermost step outwards
    wrapped_type = target_type
    for step in reversed(route):
        if step.fragment is not None or wrapped_type != get_named_type_name(step):
            body = f"... on {wrapped_type} {{ {body} }}"
        body = f"{step.field_name}{step.arguments} {{ {body} }}"
        wrapped_type = step.type_name
    return f"{kind} {{ {body} }}"


_FIELD_TYPES: dict[tuple[str, str], str] = {}


def get_named_type_name(step: Step) -> str:
    return _FIELD_TYPES[(step.type_name, step.field_name)]


def cases(graph: object) -> Iterator[tuple[str, str, str, bool, list[Step]]]:
    """(type, field, operation, mutation?, path) for every field of the whole graph that can be reached."""
    schema = graph.schema._schema  # type: ignore[attr-defined]
    for type_ in schema.type_map.values():
        if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            for name, field in type_.fields.items():
                _FIELD_TYPES[(type_.name, name)] = get_named_type(field.type).name
    for root, kind in ((schema.query_type, "query"), (schema.mutation_type, "mutation")):
        if root is None:
            continue
        for type_name, route in paths(schema, root).items():
            type_ = schema.type_map[type_name]
            if not isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
                continue
            for field_name, field in type_.fields.items():
                text = operation(kind, route, field_name, field, type_name)
                if text is not None:
                    yield type_name, field_name, text, kind == "mutation", route


def expected(graph: object, role: Role, type_name: str, field_name: str, route: list[Step]) -> bool:
    """What the declarations say: the field and every field on the way to it visible to the role."""
    schema = graph.schema._schema  # type: ignore[attr-defined]
    policies = graph.composition.policies  # type: ignore[attr-defined]

    def visible(on: str, name: str) -> bool:
        owner = schema.type_map[on]
        interface = next((i.name for i in getattr(owner, "interfaces", ()) if name in i.fields), None)
        return visible_to(role, policies.visibility(on, name, interface))

    return visible(type_name, field_name) and all(visible(s.type_name, s.field_name) for s in route)


async def test_every_field_for_every_role() -> None:
    async with GatewayHarness.start(rate_limits=UNLIMITED) as gw:
        keys: dict[Role, str | None] = {Role.PUBLIC: None}
        for role in Role:
            if role is Role.DEPARTMENT:
                keys[role] = await gw.create_key("department", domain="tax")
            elif role is Role.SUBJECT:
                keys[role] = await gw.create_key("subject", subject="91350100M000100Y43")
            elif role is not Role.PUBLIC:
                keys[role] = await gw.create_key(role.value)
        all_cases = list(cases(gw.graph))
        covered = {(t, f) for t, f, *_ in all_cases}
        assert len(covered) > 300, len(covered)
        wrong: list[str] = []
        for role, key in keys.items():
            for type_name, field_name, text, _is_mutation, route in all_cases:
                body = await gw.graphql(text, key=key)
                absent = any(
                    e.get("extensions", {}).get("code") == "GRAPHQL_VALIDATION_FAILED" for e in body.get("errors") or []
                )
                if absent == expected(gw.graph, role, type_name, field_name, route):
                    wrong.append(f"{role.value}: {type_name}.{field_name} {'absent' if absent else 'present'}: {text}")
        assert not wrong, "\n".join(wrong[:30])


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.PARTNER, Role.AGENCY])
async def test_audiences_that_may_not_write_have_no_mutations(role: Role) -> None:
    async with GatewayHarness.start(rate_limits=UNLIMITED) as gw:
        key = await gw.create_key(role.value) if role is not Role.PUBLIC else None
        body = await gw.graphql("mutation { submitTaxCreditRatings(ratings: []) { created } }", key=key)
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
        # Their only mutation is fileComplaint (complaints are open to anyone): domain writes are absent.
        assert "submitTaxCreditRatings" in body["errors"][0]["message"]


# The division dimension: a department key bound to a division has the department's schema (divisions
# narrow rows, never fields), and sees a record in full only inside its division; elsewhere, as the public.
HAIDIAN_COMPANY = "91110108551385082Q"  # registered in 海淀 (110108)
HAIDIAN_AUTHORITY = "11110108MB0000000L"


def _penalty(number: str, authority_code: str | None) -> dict[str, object]:
    return {"partyName": "北京海淀中关村数据服务有限公司", "partyType": "LEGAL_PERSON", "partyCode": HAIDIAN_COMPANY,
            "legalRepresentative": "王建国",
            "documentNumber": number, "violationType": "占道经营", "facts": "占道经营。", "legalBasis": "条例第十四条",
            "penaltyCategories": ["WARNING"], "content": "警告。", "decisionDate": china_today().isoformat(),
            "decidingAuthority": "城市管理局", "decidingAuthorityCode": authority_code, "sourceUnit": "城市管理委员会",
            "sourceUnitCode": HAIDIAN_AUTHORITY, "subArea": "OUTDOOR_ADVERTISING"}  # fmt: skip


# (who, domain, division) → whether it sees the unpublished records (published ones: everyone).
DIVISION_MATRIX: list[tuple[str, str | None, str | None, bool]] = [
    ("public", None, None, False),
    ("admin", None, None, True),
    ("department", "urban_management", None, True),  # unbound: the whole platform
    ("department", "urban_management", "110000", True),  # the municipality covers its districts
    ("department", "urban_management", "110108", True),  # the record's own county
    ("department", "urban_management", "110105", False),  # a sibling district
    ("department", "urban_management", "350100", False),  # another province's city
    ("department", "tax", "110108", False),  # the right place, another domain
]


async def test_the_division_dimension_of_record_visibility(gw: GatewayHarness) -> None:
    from gateway.auth.keys import bind_division
    from gateway.db.tables import credit_record

    admin = await gw.create_key("admin")
    mutation = """mutation($p: [AdministrativePenaltyInput!]!) {
      submitUrbanManagementPenalties(penalties: $p) { created } }"""
    # By the authority's code and by the subject's area (no code): both records are 海淀's.
    penalties = [_penalty(f"海城管罚〔2026〕{n}号", code) for n, code in ((1, HAIDIAN_AUTHORITY), (2, None), (3, None))]
    assert "errors" not in await gw.graphql(mutation, {"p": penalties}, key=admin)
    async with gw.engine.begin() as conn:  # the first two are no longer published
        await conn.execute(
            credit_record.update()
            .where(credit_record.c.document_number != "海城管罚〔2026〕3号")
            .values(status="REVOKED")
        )
    query = "query($c: String!) { subject(code: $c) { urbanManagement { penalties { documentNumber } } } }"
    wrong = []
    for role, domain, division, sees_all in DIVISION_MATRIX:
        key = admin if role == "admin" else None
        if role == "department":
            key = await gw.create_key("department", domain=domain)
            if division is not None:
                await bind_division(gw.engine, await gw.client_id(key), division)
        body = await gw.graphql(query, {"c": HAIDIAN_COMPANY}, key=key)
        shown = sorted(p["documentNumber"] for p in body["data"]["subject"]["urbanManagement"]["penalties"])
        expected = 3 if sees_all else 1
        if len(shown) != expected:
            wrong.append(f"{role} {domain} {division}: {shown}")
    assert not wrong, wrong


async def test_a_bound_department_has_the_departments_schema() -> None:
    from gateway.auth.keys import bind_division

    async with GatewayHarness.start(rate_limits=UNLIMITED) as gw:
        unbound = await gw.create_key("department", domain="tax")
        bound = await gw.create_key("department", domain="tax")
        await bind_division(gw.engine, await gw.client_id(bound), "350100")
        # The schema is chosen by role alone (Graph.schema_for(role)); these are the fields that tell a
        # department's schema from the public's, each asked with both keys.
        telling = [
            (type_name, field_name, text)
            for type_name, field_name, text, _is_mutation, route in cases(gw.graph)
            if expected(gw.graph, Role.DEPARTMENT, type_name, field_name, route)
            != expected(gw.graph, Role.PUBLIC, type_name, field_name, route)
        ]
        assert len(telling) > 20, len(telling)
        differ = []
        for type_name, field_name, text in telling:
            answers = [await gw.graphql(text, key=key) for key in (unbound, bound)]
            absent = [
                any(e.get("extensions", {}).get("code") == "GRAPHQL_VALIDATION_FAILED" for e in a.get("errors") or [])
                for a in answers
            ]
            if absent[0] != absent[1]:
                differ.append(f"{type_name}.{field_name}")
        assert not differ, differ
