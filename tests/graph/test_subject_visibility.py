"""Subject visibility, one rule at every entry point: role × entry point × subject kind.

The rule (gateway.policy.access): organisations are shown to everyone; a natural person only to
the admin, departments, partners (then bounded by the person's authorisation) and the person itself.
Each entry point that returns subjects is asked for an organisation and for a person by every kind
of caller, and must answer the same way: shown, or indistinguishable from unknown (null, absent from
a search, or for a partner the authorisation error it gets for any subject it may not see).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.auth.principal import Principal, Role
from gateway.db.tables import subject as subject_table
from gateway.host.demo import seed
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.policy.access import subject_visible, visible_subjects_clause
from gateway.testing import GatewayHarness

ORGANISATION = ("91110000600037341L", "北京京华建设集团有限公司")
PERSON = ("110102199101010078", "李明")
OTHER_PERSON = "11010519491231002X"
SHOWCASE = "91350100M000100Y43"
PURPOSE = "loan application"
KINDS = {"organisation": ORGANISATION, "person": PERSON}


@dataclass(frozen=True)
class Caller:
    label: str
    role: str | None
    sees: frozenset[str]  # the subject kinds this caller is shown
    domain: str | None = None
    subject: str | None = None
    authorised: bool = False  # partners and agencies: whether both subjects authorised it


CALLERS = [
    Caller("public", None, frozenset({"organisation"})),
    Caller("portal", "portal", frozenset({"organisation"})),
    Caller("subject: an organisation", "subject", frozenset({"organisation"}), subject=SHOWCASE),
    Caller("subject: another person", "subject", frozenset({"organisation"}), subject=OTHER_PERSON),
    Caller("subject: the person itself", "subject", frozenset({"organisation", "person"}), subject=PERSON[0]),
    Caller("department", "department", frozenset({"organisation", "person"}), domain="tax"),
    Caller("partner, authorised", "partner", frozenset({"organisation", "person"}), authorised=True),
    Caller("partner, not authorised", "partner", frozenset()),
    Caller("agency, authorised", "agency", frozenset({"organisation", "person"}), authorised=True),
    Caller("agency, not authorised", "agency", frozenset()),
    Caller("admin", "admin", frozenset({"organisation", "person"})),
]

SUBJECT = "query($c: String!) { subject(code: $c) { name records { __typename } } }"
SUBJECTS = "query($c: String!) { subjects(codes: [$c]) { name records { __typename } } }"
SEARCH = "query($n: String!) { searchSubjects(name: $n, first: 50) { edges { node { name records { __typename } } } } }"
ENTITIES = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on CreditSubject { name records { __typename } } } }"
)


def shown_names(body: dict[str, Any], entry_point: str) -> list[str]:
    data = body.get("data") or {}
    if entry_point == "subject":
        nodes = [data.get("subject")]
    elif entry_point == "subjects":
        nodes = data.get("subjects") or []
    elif entry_point == "searchSubjects":
        nodes = [edge["node"] for edge in (data.get("searchSubjects") or {}).get("edges", [])]
    else:
        nodes = data.get("_entities") or []
    return [node["name"] for node in nodes if node]


Ask = Callable[[GatewayHarness, str, str, str | None, dict[str, str]], Awaitable[dict[str, Any]]]

ENTRY_POINTS: dict[str, Ask] = {
    "subject": lambda gw, code, _name, key, headers: gw.graphql(SUBJECT, {"c": code}, key=key, headers=headers),
    "subjects": lambda gw, code, _name, key, headers: gw.graphql(SUBJECTS, {"c": code}, key=key, headers=headers),
    "searchSubjects": lambda gw, _code, name, key, headers: gw.graphql(SEARCH, {"n": name}, key=key, headers=headers),
    "_entities": lambda gw, code, _name, key, headers: gw.graphql(
        ENTITIES, {"r": [{"__typename": "CreditSubject", "code": code}]}, key=key, headers=headers
    ),
}


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    return gw


async def key_of(gw: GatewayHarness, caller: Caller) -> str | None:
    if caller.role is None:
        return None
    key = await gw.create_key(caller.role, domain=caller.domain, subject=caller.subject)
    if caller.authorised:
        for code, _name in KINDS.values():
            await gw.authorize(code, key, groups=[], purpose=PURPOSE)
    return key


async def test_every_entry_point_shows_subjects_by_one_rule(seeded: GatewayHarness) -> None:
    gw = seeded
    wrong: list[str] = []
    for caller in CALLERS:
        key = await key_of(gw, caller)
        headers = {"X-Purpose": PURPOSE} if caller.role in ("partner", "agency") else {}
        for entry_point, ask in ENTRY_POINTS.items():
            for kind, (code, name) in KINDS.items():
                body = await ask(gw, code, name, key, headers)
                shown = name in shown_names(body, entry_point)
                if shown != (kind in caller.sees):
                    wrong.append(f"{caller.label} × {entry_point} × {kind}: {'shown' if shown else 'hidden'} {body}")
                codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
                # Hidden means unknown, or for a partner the refusal any unauthorised subject gets: nothing else.
                assert codes <= {None, "AUTHORIZATION_REQUIRED"} or not codes, (caller.label, entry_point, body)
    assert not wrong, "\n".join(wrong)


async def test_a_subject_key_cannot_list_other_people_by_name(seeded: GatewayHarness) -> None:
    """The probe's query: a subject key searched 张 and got other people's names and records."""
    gw = seeded
    key = await gw.create_key("subject", subject="91110000600037341L")
    query = """{ searchSubjects(name: "张", first: 50) {
      edges { node { name code kind records { __typename documentNumber } } } } }"""
    body = await gw.graphql(query, key=key)
    kinds = {edge["node"]["kind"] for edge in body["data"]["searchSubjects"]["edges"]}
    assert "NATURAL_PERSON" not in kinds
    admin = await gw.graphql(query, key=await gw.create_key("admin"))
    assert "NATURAL_PERSON" in {edge["node"]["kind"] for edge in admin["data"]["searchSubjects"]["edges"]}


@pytest.mark.parametrize("role", list(Role))
async def test_the_sql_and_row_forms_of_the_rule_agree(seeded: GatewayHarness, role: Role) -> None:
    gw = seeded
    own = lookup_hash(parse_subject_code(PERSON[0]), gw.settings.secret_key) if role is Role.SUBJECT else None
    principal = Principal(role=role, subject_lookup_hash=own)
    async with gw.engine.connect() as conn:
        rows = (await conn.execute(sa.select(subject_table))).all()
        by_sql = set(
            (
                await conn.execute(
                    sa.select(subject_table.c.id).where(visible_subjects_clause(principal, subject_table))
                )
            ).scalars()
        )
    assert {row.code_type for row in rows} >= {"USCC", "RESIDENT_ID"}, "both kinds are seeded"
    assert by_sql == {row.id for row in rows if subject_visible(principal, row)}
