"""The query record (查询记录): who looked at which subject, what is recorded and who reads it. The hash
chain, its verification and the migrations under it: test_audit_chain.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import gateway.features.audit.recorder
from gateway.db.engine import count_statements
from gateway.features.audit.chain import GENESIS, verify
from gateway.testing import GatewayHarness, error_codes
from tests.features.audit_support import (
    KEY,
    LOAN,
    PARTNER_BATCH,
    PROFILE,
    SHOWCASE,
    all_rows,
    ask,
    bearer,
    org_codes,
    partner_viewed_one_and_was_refused_one,
    refuses_updates_and_deletes,
    seed,
)

ME = "{ me { queryRecords { edges { node { clientName role recordedAt fieldGroups purpose } } } } }"


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    return await seed(gw)


async def test_a_portal_query_of_three_subjects_appends_three_rows(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    purpose = "统一信用档案展示 / profile page".encode()
    body = await ask(
        seeded, PROFILE, {"c": org_codes(3)}, **bearer(key, **{"X-Purpose": purpose, "X-Request-ID": "r-1"})
    )
    assert "errors" not in body, body
    rows = await all_rows(seeded)
    assert [r.id for r in rows] == [1, 2, 3]
    assert {r.field_groups for r in rows} == {"name,tax,records"}
    assert {r.purpose for r in rows} == {"统一信用档案展示 / profile page"}
    assert {(r.role, r.client_name, r.request_id) for r in rows} == {("portal", "test portal", "r-1")}
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].row_hash
    assert len({r.subject_id for r in rows}) == 3 and len({r.operation_hash for r in rows}) == 1


async def test_a_public_query_appends_nothing(seeded: GatewayHarness) -> None:
    body = await seeded.graphql(PROFILE, {"c": org_codes(3)})
    assert "errors" not in body
    body = await seeded.graphql('{ searchSubjects(name: "有限公司") { edges { node { name } } } }')
    assert body["data"]["searchSubjects"]["edges"]
    assert await all_rows(seeded) == []


async def test_search_entities_and_aliases_are_recorded_once_per_subject(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("department", domain="tax")
    body = await ask(
        seeded,
        f'{{ a: subject(code: "{SHOWCASE}") {{ name }} b: subject(code: "{SHOWCASE}") {{ kind __typename }} }}',
        **bearer(key),
    )
    assert "errors" not in body, body
    body = await ask(
        seeded,
        "query($r: [_Any!]!) { _entities(representations: $r) { "
        "... on CreditSubject { code tax { isMajorViolator } } } }",
        {"r": [{"__typename": "CreditSubject", "code": c} for c in org_codes(2)]},
        **bearer(key),
    )
    assert "errors" not in body, body
    body = await ask(
        seeded, '{ searchSubjects(name: "示范", first: 1) { edges { node { name region { name } } } } }', **bearer(key)
    )
    assert body["data"]["searchSubjects"]["edges"], body
    rows = await all_rows(seeded)
    assert [(r.role, r.field_groups) for r in rows] == [
        ("department", "name,kind"),
        ("department", "code,tax"),
        ("department", "code,tax"),
        ("department", "name,region"),
    ]


async def test_the_subject_reads_its_own_query_records_only(seeded: GatewayHarness) -> None:
    portal, other = await seeded.create_key("portal"), await seeded.create_key("subject", subject=org_codes(2)[1])
    await ask(seeded, PROFILE, {"c": org_codes(3)}, **bearer(portal, **{"X-Purpose": "loan check"}))
    await ask(seeded, PROFILE, {"c": org_codes(2)[1:]}, **bearer(portal))
    me = await seeded.create_key("subject", subject=SHOWCASE)
    body = await ask(seeded, ME, **bearer(me))
    assert "errors" not in body, body
    [edge] = body["data"]["me"]["queryRecords"]["edges"]
    node = edge["node"]
    assert node["clientName"] == "test portal" and node["role"] == "portal"
    assert node["fieldGroups"] == ["name", "tax", "records"] and node["purpose"] == "loan check"
    assert node["recordedAt"].endswith("+08:00")  # China time, offset written out (gateway.graph.datetimes)
    hidden = await ask(seeded, "{ me { queryRecords { edges { node { requestId } } } } }", **bearer(me))
    assert error_codes(hidden) == ["GRAPHQL_VALIDATION_FAILED"]
    body = await ask(seeded, ME, **bearer(other))
    assert len(body["data"]["me"]["queryRecords"]["edges"]) == 2
    # Reading one's own profile through `me` is an access like any other.
    body = await ask(seeded, "{ me { subject { code name } } }", **bearer(me))
    assert body["data"]["me"]["subject"]["code"] == SHOWCASE
    assert (await all_rows(seeded))[-1].role == "subject"


async def test_me_is_for_subject_keys_and_query_records_for_the_admin(seeded: GatewayHarness) -> None:
    """Other audiences do not even have the fields: their schemas leave them out."""
    portal, subject = await seeded.create_key("portal"), await seeded.create_key("subject", subject=SHOWCASE)
    absent = ["GRAPHQL_VALIDATION_FAILED"]
    assert error_codes(await seeded.graphql(ME)) == absent
    assert error_codes(await ask(seeded, ME, **bearer(portal))) == absent
    search = "{ queryRecords { edges { node { id } } } }"
    assert error_codes(await seeded.graphql(search)) == absent
    assert error_codes(await ask(seeded, search, **bearer(portal))) == absent
    assert error_codes(await ask(seeded, search, **bearer(subject))) == absent


async def test_the_admin_searches_query_records(seeded: GatewayHarness) -> None:
    portal, admin = await seeded.create_key("portal"), await seeded.create_key("admin")
    await ask(seeded, PROFILE, {"c": org_codes(3)}, **bearer(portal))
    await ask(seeded, PROFILE, {"c": org_codes(1)}, **bearer(portal))
    search = """query($s: String, $c: Int, $f: DateTime, $t: DateTime, $n: Int, $a: String) {
      queryRecords(subjectCode: $s, clientId: $c, from: $f, to: $t, first: $n, after: $a) {
        edges { node { id subjectCode subjectName clientId clientName role fieldGroups requestId operationHash
                       prevHash rowHash recordedAt } }
        pageInfo { hasNextPage endCursor } } }"""
    body = await ask(seeded, search, {"s": SHOWCASE}, **bearer(admin))
    nodes = [e["node"] for e in body["data"]["queryRecords"]["edges"]]
    assert [n["id"] for n in nodes] == ["4", "1"]  # newest first
    assert {n["subjectCode"] for n in nodes} == {SHOWCASE} and all(len(n["rowHash"]) == 64 for n in nodes)
    client_id = nodes[0]["clientId"]

    page = await ask(seeded, search, {"c": client_id, "n": 3}, **bearer(admin))
    assert [e["node"]["id"] for e in page["data"]["queryRecords"]["edges"]] == ["4", "3", "2"]
    cursor = page["data"]["queryRecords"]["pageInfo"]["endCursor"]
    rest = await ask(seeded, search, {"c": client_id, "n": 3, "a": cursor}, **bearer(admin))
    assert [e["node"]["id"] for e in rest["data"]["queryRecords"]["edges"]] == ["1"]
    assert rest["data"]["queryRecords"]["pageInfo"]["hasNextPage"] is False

    nobody = await ask(seeded, search, {"c": client_id + 1000}, **bearer(admin))
    assert nobody["data"]["queryRecords"]["edges"] == []
    at = nodes[0]["recordedAt"]
    since = await ask(seeded, search, {"f": at}, **bearer(admin))
    assert {e["node"]["id"] for e in since["data"]["queryRecords"]["edges"]} >= {"4"}
    before = await ask(seeded, search, {"t": "2000-01-01T00:00:00Z"}, **bearer(admin))
    assert before["data"]["queryRecords"]["edges"] == []
    too_many = await ask(seeded, search, {"n": seeded.settings.max_page_size + 1}, **bearer(admin))
    assert error_codes(too_many) == ["LIMIT_EXCEEDED"]
    assert error_codes(await ask(seeded, search, {"a": "bm90LWEtY3Vyc29y"}, **bearer(admin))) == ["BAD_USER_INPUT"]
    assert error_codes(await ask(seeded, search, {"s": "not-a-code"}, **bearer(admin))) == ["INVALID_SUBJECT_CODE"]


async def test_the_database_refuses_updates_and_deletes(seeded: GatewayHarness) -> None:
    await refuses_updates_and_deletes(seeded)


async def test_a_batch_of_100_subjects_is_one_insert(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    with count_statements(seeded.engine) as counter:
        body = await ask(
            seeded, "query($c: [String!]!) { subjects(codes: $c) { name } }", {"c": org_codes(100)}, **bearer(key)
        )
    assert "errors" not in body
    inserts = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT INTO QUERY_RECORD")]
    assert len(inserts) == 1
    assert sum("query_record" in s for s in counter.statements) == 2  # the last hash, the insert
    assert len(await all_rows(seeded)) == 100
    assert (await verify(seeded.engine, KEY(seeded))).records == 100


async def test_concurrent_appends_keep_one_chain(seeded: GatewayHarness) -> None:
    keys = [await seeded.create_key("portal") for _ in range(5)]
    codes = org_codes(20)
    bodies = await asyncio.gather(
        *(ask(seeded, PROFILE, {"c": codes[i * 4 : i * 4 + 4]}, **bearer(k)) for i, k in enumerate(keys))
    )
    assert all("errors" not in b for b in bodies), bodies
    result = await verify(seeded.engine, KEY(seeded))
    assert result.intact and result.records == 20, result
    rows = await all_rows(seeded)
    assert [r.id for r in rows] == list(range(1, 21))
    # Each request's rows are contiguous: one transaction each.
    assert len({r.request_id for r in rows}) == 5
    runs = [rows[i].request_id != rows[i - 1].request_id for i in range(1, 20)]
    assert sum(runs) == 4


async def test_a_failed_append_withholds_the_response(seeded: GatewayHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: Any) -> None:
        # Not an outage (an unreachable database is a 503 SERVICE_UNAVAILABLE: tests/server/test_outage.py).
        raise RuntimeError("the append failed")

    monkeypatch.setattr(gateway.features.audit.recorder, "append", broken)
    key = await seeded.create_key("portal")
    body = await ask(seeded, PROFILE, {"c": org_codes(2)}, **bearer(key))
    assert body.get("data") is None and error_codes(body) == ["AUDIT_UNAVAILABLE"]
    assert "requestId" in body["errors"][0]["extensions"]
    # The public is never recorded, so it is never refused for it.
    assert "errors" not in await seeded.graphql(PROFILE, {"c": org_codes(2)})


async def test_a_refused_partner_is_recorded_as_denied_with_the_reason(seeded: GatewayHarness) -> None:
    await partner_viewed_one_and_was_refused_one(seeded)
    admin = await seeded.create_key("admin")
    search = """{ queryRecords { edges { node { subjectCode role purpose outcome denialReason hashFormat
                                                subgraphs } } } }"""
    body = await ask(seeded, search, **bearer(admin))
    nodes = [e["node"] for e in body["data"]["queryRecords"]["edges"]]
    assert sorted(nodes, key=lambda node: node["outcome"]) == [
        {
            "subjectCode": org_codes(2)[1],
            "role": "partner",
            "purpose": "loan application",
            "outcome": "DENIED",
            "denialReason": "NOT_GRANTED",
            "hashFormat": 3,
            "subgraphs": [],  # a request to the gateway's own graph, not through a supergraph
        },
        {
            "subjectCode": SHOWCASE,
            "role": "partner",
            "purpose": "loan application",
            "outcome": "VIEWED",
            "denialReason": None,
            "hashFormat": 3,
            "subgraphs": [],
        },
    ]
    refused = await seeded.create_key("subject", subject=org_codes(2)[1])
    mine = await ask(
        seeded, "{ me { queryRecords { edges { node { clientName outcome denialReason } } } } }", **bearer(refused)
    )
    assert [e["node"] for e in mine["data"]["me"]["queryRecords"]["edges"]] == [
        {"clientName": "Bank of Fuzhou", "outcome": "DENIED", "denialReason": "NOT_GRANTED"}
    ]
    assert (await verify(seeded.engine, KEY(seeded))).records == 2


async def test_a_failed_append_of_refusals_only_leaves_the_refusals(
    seeded: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused known subject (whose attempt is recorded) and a refused unknown code (nothing to record)
    get the same answer even when the query record cannot be written: refusals hand out nothing."""
    partner = await seeded.create_key("partner")

    async def broken(*_: Any) -> None:
        raise RuntimeError("the append failed")

    monkeypatch.setattr(gateway.features.audit.recorder, "append", broken)
    unknown = "91350100MA0000001P"  # valid, never seeded
    refused = await ask(seeded, PARTNER_BATCH, {"c": [org_codes(2)[1]]}, **bearer(partner, **LOAN))
    nobody = await ask(seeded, PARTNER_BATCH, {"c": [unknown]}, **bearer(partner, **LOAN))
    assert refused["data"] == nobody["data"] == {"subjects": [None]}
    assert error_codes(refused) == error_codes(nobody) == ["AUTHORIZATION_REQUIRED"]
    # A response that hands a subject out is still withheld.
    await seeded.authorize(SHOWCASE, partner, groups=[])
    viewed = await ask(seeded, PARTNER_BATCH, {"c": [SHOWCASE, org_codes(2)[1]]}, **bearer(partner, **LOAN))
    assert viewed.get("data") is None and error_codes(viewed) == ["AUDIT_UNAVAILABLE"]
