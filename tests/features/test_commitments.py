"""Credit commitments (信用承诺) over HTTP: made by the subject or recorded by a department, read per
disclosure and audience, fulfilled, breached into a negative record, expired as the clock moves; bad
input and wrong roles fail with their codes; on PostgreSQL, of two breaches at once exactly one wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn.uscc import calc_check_digit

from gateway.db.tables import credit_record, subject
from gateway.features.lifecycle.commitment_store import load_breach_records
from gateway.features.lifecycle.tables import credit_commitment
from gateway.host.demo import seed
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"  # the demo's subject with records in every domain
OTHER = "91110000600037341L"
PERSON = "11010519491231002X"
UNKNOWN = "91350100MA0000001" + calc_check_digit("91350100MA0000001")  # valid, never seeded
DAY = dt.date(2026, 3, 2)
UNTIL = "2026-12-31"

FIELDS = """id subjectCode subjectName domain commitmentType content liability validFrom validUntil disclosure
  state fulfilment isExpired madeBy madeAt breachRecordId"""
MAKE = f"mutation($i: MakeCommitmentInput!) {{ makeCommitment(input: $i) {{ {FIELDS} transitions {{ action }} }} }}"
LIST = f"""query($c: String, $d: String, $s: CommitmentState, $first: Int, $after: String) {{
  commitments(subjectCode: $c, domain: $d, state: $s, first: $first, after: $after) {{
    edges {{ node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
HISTORY = "query($c: String) { commitments(subjectCode: $c) { edges { node { disclosure transitions { action } } } } }"
STEPS = "transitions { action fromState toState actorRole actorName note }"
FULFIL = f"""mutation($id: ID!, $f: FulfilmentLevel, $n: String) {{
  fulfilCommitment(id: $id, fulfilment: $f, note: $n) {{ {FIELDS} {STEPS} }} }}"""
BREACH = f"""mutation($id: ID!, $f: FulfilmentLevel, $u: String, $n: String) {{
  breachCommitment(id: $id, fulfilment: $f, unitCode: $u, note: $n) {{ {FIELDS} {STEPS} }} }}"""
EXPIRE = f"mutation($id: ID!) {{ expireCommitment(id: $id) {{ {FIELDS} {STEPS} }} }}"


@pytest.fixture
async def demo(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    gw.clock.travel_to(DAY)
    return gw


def commitment(**overrides: Any) -> dict[str, Any]:
    return {
        "i": {
            "domain": "tax",
            "commitmentType": "IN_PLACE_OF_CERTIFICATE",
            "content": "Our tax filings are complete and true.",
            "liability": "Listed as dishonest; the certificate waiver is withdrawn.",
            "validUntil": UNTIL,
            "disclosure": "PUBLIC",
            **overrides,
        }
    }


async def make(gw: GatewayHarness, key: str, **overrides: Any) -> dict[str, Any]:
    body = await gw.graphql(MAKE, commitment(**overrides), key=key)
    assert not body.get("errors"), body
    return body["data"]["makeCommitment"]


def disclosures(body: dict[str, Any]) -> list[str]:
    assert not body.get("errors"), body
    return sorted(e["node"]["disclosure"] for e in body["data"]["commitments"]["edges"])


async def test_disclosure_is_respected_per_audience(demo: GatewayHarness) -> None:
    own = await demo.create_key("subject", subject=SHOWCASE, name="闽都 online")
    made = await make(demo, own)
    assert made["madeBy"] == "subject" and made["state"] == "ACTIVE" and made["fulfilment"] is None
    assert made["validFrom"] == DAY.isoformat() and made["transitions"] == [{"action": "MAKE"}]
    await make(demo, own, disclosure="RESTRICTED")
    await make(demo, own, disclosure="NOT_DISCLOSABLE")
    everything = ["NOT_DISCLOSABLE", "PUBLIC", "RESTRICTED"]
    keys = {
        "public": None,
        "portal": await demo.create_key("portal"),
        "partner": await demo.create_key("partner", contract=["tax.rating"]),
        "another subject": await demo.create_key("subject", subject=OTHER),
        "culture department": await demo.create_key("department", domain="culture"),
        "itself": own,
        "tax department": await demo.create_key("department", domain="tax"),
        "admin": await demo.create_key("admin"),
    }
    for who, key in keys.items():
        expected = everything if who in ("itself", "tax department", "admin") else ["PUBLIC"]
        assert disclosures(await demo.graphql(LIST, {"c": SHOWCASE}, key=key)) == expected, who
        assert disclosures(await demo.graphql(LIST, key=key)) == expected, who  # without a subject, the same
    # The history, with who acted, is for insiders: absent from outsiders' schemas, null for other readers.
    for who in ("public", "portal", "partner"):
        assert error_codes(await demo.graphql(HISTORY, {"c": SHOWCASE}, key=keys[who])) == [
            "GRAPHQL_VALIDATION_FAILED"
        ], who
    for who in ("another subject", "culture department"):
        body = await demo.graphql(HISTORY, {"c": SHOWCASE}, key=keys[who])
        assert [e["node"]["transitions"] for e in body["data"]["commitments"]["edges"]] == [None], who
    body = await demo.graphql(HISTORY, {"c": SHOWCASE}, key=own)
    assert all(e["node"]["transitions"] == [{"action": "MAKE"}] for e in body["data"]["commitments"]["edges"])


async def test_natural_persons_commitments_are_never_public(demo: GatewayHarness) -> None:
    tax = await demo.create_key("department", domain="tax", name="Fuzhou tax bureau")
    made = await make(demo, tax, subjectCode=PERSON, domain=None, commitmentType="VOLUNTARY")
    assert made["madeBy"] == "department" and made["subjectCode"] == "110105********002X"
    assert made["domain"] == "tax" and made["transitions"] == [{"action": "RECORD"}]
    person = await demo.create_key("subject", subject=PERSON)
    assert disclosures(await demo.graphql(LIST, {"c": PERSON}, key=person)) == ["PUBLIC"]
    assert disclosures(await demo.graphql(LIST, {"c": PERSON}, key=tax)) == ["PUBLIC"]
    for role in ("portal", "partner", "admin"):
        key = await demo.create_key(role)
        expected = ["PUBLIC"] if role == "admin" else []
        assert disclosures(await demo.graphql(LIST, {"c": PERSON}, key=key)) == expected, role
    assert disclosures(await demo.graphql(LIST, {"c": PERSON})) == []
    culture = await demo.create_key("department", domain="culture")
    assert disclosures(await demo.graphql(LIST, {"c": PERSON}, key=culture)) == []


async def test_a_department_records_and_assesses_fulfilment(demo: GatewayHarness) -> None:
    tax = await demo.create_key("department", domain="tax", name="Fuzhou tax bureau")
    made = await make(demo, tax, subjectCode=SHOWCASE, commitmentType="MISSING_DOCUMENTS")
    cid = made["id"]
    assert error_codes(await demo.graphql(FULFIL, {"id": cid, "f": "NONE"}, key=tax)) == ["BAD_USER_INPUT"]
    body = await demo.graphql(FULFIL, {"id": cid, "f": "PARTIAL", "n": "documents came late"}, key=tax)
    done = body["data"]["fulfilCommitment"]
    assert done["state"] == "FULFILLED" and done["fulfilment"] == "PARTIAL" and done["breachRecordId"] is None
    steps = [(t["action"], t["fromState"], t["toState"], t["actorName"], t["note"]) for t in done["transitions"]]
    assert steps == [
        ("RECORD", None, "ACTIVE", "Fuzhou tax bureau", None),
        ("FULFIL", "ACTIVE", "FULFILLED", "Fuzhou tax bureau", "documents came late"),
    ]
    assert {t["actorRole"] for t in done["transitions"]} == {"department"}
    for mutation in (FULFIL, BREACH, EXPIRE):
        body = await demo.graphql(mutation, {"id": cid}, key=tax)
        assert error_codes(body) == ["INVALID_TRANSITION"]
    # The admin may assess any domain's commitments; FULL is the default.
    admin = await demo.create_key("admin")
    other = await make(demo, tax, subjectCode=SHOWCASE)
    body = await demo.graphql(FULFIL, {"id": other["id"]}, key=admin)
    assert body["data"]["fulfilCommitment"]["fulfilment"] == "FULL"
    assert (await demo.graphql(LIST, {"s": "FULFILLED"}, key=tax))["data"]["commitments"]["edges"][0]["node"]["id"]


async def test_a_breach_becomes_a_negative_record_in_the_domain(demo: GatewayHarness) -> None:
    own = await demo.create_key("subject", subject=SHOWCASE)
    cid = (await make(demo, own, domain="urban_management", disclosure="RESTRICTED"))["id"]
    urban = await demo.create_key("department", domain="urban_management", name="Fuzhou urban management")
    unit = "91350100M000100Y43"
    assert error_codes(await demo.graphql(BREACH, {"id": cid, "f": "FULL"}, key=urban)) == ["BAD_USER_INPUT"]
    body = await demo.graphql(BREACH, {"id": cid, "u": unit, "n": "frontage not kept"}, key=urban)
    breached = body["data"]["breachCommitment"]
    assert breached["state"] == "BREACHED" and breached["fulfilment"] == "NONE"
    assert breached["transitions"][-1]["note"] == "frontage not kept"
    record_id = int(breached["breachRecordId"])
    async with demo.engine.connect() as conn:
        record = (await conn.execute(sa.select(credit_record).where(credit_record.c.id == record_id))).one()
        subject_id = (
            await conn.execute(sa.select(credit_commitment.c.subject_id).where(credit_commitment.c.id == int(cid)))
        ).scalar_one()
        found = await load_breach_records(conn, [subject_id, 999_999])
    assert (record.domain, record.record_type, record.category, record.polarity, record.severity) == (
        "urban_management",
        "commitment_breach",
        "COMMITMENT_BREACH",
        "NEGATIVE",
        "GENERAL",
    )
    assert record.subject_id == subject_id and record.decision_date == DAY and record.status == "ACTIVE"
    assert record.document_number == f"commitment-{cid}-breach"
    assert (record.deciding_authority, record.deciding_authority_code) == ("Fuzhou urban management", unit)
    assert (record.source_unit, record.source_unit_code) == ("Fuzhou urban management", unit)
    assert record.published_until == dt.date(2027, 3, 1) and record.repair_from == dt.date(2026, 6, 2)
    assert [r.id for r in found[subject_id]] == [record_id] and 999_999 not in found
    # The public reads it among the subject's records, in the commitment's domain, like any other.
    records = await demo.graphql(
        'query($c: String!) { subject(code: $c) { records(domain: "urban_management", polarity: NEGATIVE) '
        "{ __typename id category isPublished } } }",
        {"c": SHOWCASE},
    )
    [shown] = [r for r in records["data"]["subject"]["records"] if r["id"] == str(record_id)]
    assert shown == {
        "__typename": "CommitmentBreach",
        "id": str(record_id),
        "category": "COMMITMENT_BREACH",
        "isPublished": True,
    }
    # Once among all the subject's records too (no domain asked), and the lifecycle is no domain.
    everything = await demo.graphql(
        "query($c: String!) { subject(code: $c) { records(first: 100) { id } } }", {"c": SHOWCASE}
    )
    assert [r["id"] for r in everything["data"]["subject"]["records"]].count(str(record_id)) == 1
    not_a_domain = await demo.graphql(
        'query($c: String!) { subject(code: $c) { records(domain: "core.lifecycle") { id } } }', {"c": SHOWCASE}
    )
    assert error_codes(not_a_domain) == ["BAD_USER_INPUT"]
    # The subject sees its breach; a second breach is refused and writes nothing.
    assert (await demo.graphql(LIST, {"c": SHOWCASE}, key=own))["data"]["commitments"]["edges"][0]["node"][
        "breachRecordId"
    ] == str(record_id)
    assert error_codes(await demo.graphql(BREACH, {"id": cid}, key=urban)) == ["INVALID_TRANSITION"]
    # Without a unit code, the acting client stands in for the source unit.
    second = (await make(demo, own, domain="urban_management"))["id"]
    body = await demo.graphql(BREACH, {"id": second, "f": "PARTIAL"}, key=urban)
    async with demo.engine.connect() as conn:
        code = (
            await conn.execute(
                sa.select(credit_record.c.source_unit_code).where(
                    credit_record.c.id == int(body["data"]["breachCommitment"]["breachRecordId"])
                )
            )
        ).scalar_one()
        assert len((await load_breach_records(conn, [subject_id]))[subject_id]) == 2
    assert code == f"client-{await demo.client_id(urban)}"


async def test_expiry_follows_the_clock(demo: GatewayHarness) -> None:
    own = await demo.create_key("subject", subject=SHOWCASE)
    tax = await demo.create_key("department", domain="tax")
    cid = (await make(demo, own, validUntil="2026-06-30"))["id"]
    body = await demo.graphql(EXPIRE, {"id": cid}, key=tax)
    assert error_codes(body) == ["INVALID_TRANSITION"] and body["errors"][0]["extensions"]["validUntil"] == "2026-06-30"
    demo.clock.travel_to(dt.date(2026, 6, 30))
    assert error_codes(await demo.graphql(EXPIRE, {"id": cid}, key=tax)) == ["INVALID_TRANSITION"]
    assert (await demo.graphql(LIST, key=own))["data"]["commitments"]["edges"][0]["node"]["isExpired"] is False
    demo.clock.travel_to(dt.date(2026, 7, 1))
    node = (await demo.graphql(LIST, key=own))["data"]["commitments"]["edges"][0]["node"]
    assert node["isExpired"] is True and node["state"] == "ACTIVE"  # past its validity, not yet taken out
    expired = (await demo.graphql(EXPIRE, {"id": cid}, key=tax))["data"]["expireCommitment"]
    assert expired["state"] == "EXPIRED" and expired["isExpired"] is True and expired["fulfilment"] is None
    assert [t["action"] for t in expired["transitions"]] == ["MAKE", "EXPIRE"]
    assert error_codes(await demo.graphql(EXPIRE, {"id": cid}, key=tax)) == ["INVALID_TRANSITION"]
    # Assessment after the validity but before expiry is still possible.
    late = (await make(demo, own, validUntil="2026-07-01"))["id"]
    demo.clock.travel_to(dt.date(2026, 8, 1))
    assert (await demo.graphql(FULFIL, {"id": late}, key=tax))["data"]["fulfilCommitment"]["isExpired"] is False


async def test_bad_input_and_wrong_roles(demo: GatewayHarness) -> None:
    own = await demo.create_key("subject", subject=SHOWCASE)
    tax = await demo.create_key("department", domain="tax")
    culture = await demo.create_key("department", domain="culture")
    admin = await demo.create_key("admin")
    cases: list[tuple[str | None, dict[str, Any], str]] = [
        (own, {"subjectCode": "91110000600037341N"}, "INVALID_SUBJECT_CODE"),
        (own, {"subjectCode": OTHER}, "FORBIDDEN"),  # a subject commits for itself only
        (own, {"domain": "fisheries"}, "BAD_USER_INPUT"),
        (own, {"domain": None}, "BAD_USER_INPUT"),
        (own, {"content": "承" * 2_001}, "BAD_USER_INPUT"),
        (own, {"liability": ""}, "BAD_USER_INPUT"),
        (own, {"validUntil": "2026-03-01"}, "BAD_USER_INPUT"),  # already past
        (own, {"validFrom": "2026-06-01", "validUntil": "2026-05-01"}, "BAD_USER_INPUT"),
        (own, {"validUntil": "2040-01-01"}, "BAD_USER_INPUT"),  # more than ten years
        (tax, {}, "BAD_USER_INPUT"),  # whose commitment?
        (tax, {"subjectCode": UNKNOWN}, "NOT_FOUND"),  # valid, never seeded
        (culture, {"subjectCode": SHOWCASE}, "FORBIDDEN"),  # tax is not culture's domain
        (admin, {"subjectCode": SHOWCASE, "domain": None}, "BAD_USER_INPUT"),
        (await demo.create_key("subject", subject=UNKNOWN), {}, "NOT_FOUND"),  # a subject the gateway holds nothing on
    ]
    for key, overrides, code in cases:
        assert error_codes(await demo.graphql(MAKE, commitment(**overrides), key=key)) == [code], overrides
    # Roles that may not make or assess commitments have neither the mutation nor its input type.
    for key in (None, await demo.create_key("portal"), await demo.create_key("partner")):
        body = await demo.graphql(MAKE, commitment(subjectCode=SHOWCASE), key=key)
        assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"} and body.get("data") is None
    cid = (await make(demo, own))["id"]
    for mutation in (FULFIL, BREACH, EXPIRE):
        assert error_codes(await demo.graphql(mutation, {"id": cid}, key=own)) == ["GRAPHQL_VALIDATION_FAILED"]
        assert error_codes(await demo.graphql(mutation, {"id": cid}, key=culture)) == ["NOT_FOUND"]
        assert error_codes(await demo.graphql(mutation, {"id": "424242"}, key=tax)) == ["NOT_FOUND"]
        assert error_codes(await demo.graphql(mutation, {"id": "x"}, key=tax)) == ["BAD_USER_INPUT"]
    assert error_codes(await demo.graphql(BREACH, {"id": cid, "u": PERSON}, key=tax)) == ["BAD_USER_INPUT"]
    assert error_codes(await demo.graphql(BREACH, {"id": cid, "u": "91110000600037341N"}, key=tax)) == [
        "INVALID_SUBJECT_CODE"
    ]
    assert error_codes(await demo.graphql(FULFIL, {"id": cid, "n": "n" * 2_001}, key=tax)) == ["BAD_USER_INPUT"]
    async with demo.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(credit_commitment))).scalar_one() == 1
    # The query's own arguments.
    assert error_codes(await demo.graphql(LIST, {"c": "91110000600037341N"})) == ["INVALID_SUBJECT_CODE"]
    assert error_codes(await demo.graphql(LIST, {"d": "fisheries"})) == ["BAD_USER_INPUT"]
    assert error_codes(await demo.graphql(LIST, {"first": 1_000})) == ["LIMIT_EXCEEDED"]
    assert error_codes(await demo.graphql(LIST, {"after": "nonsense"})) == ["BAD_USER_INPUT"]


async def test_pages_and_filters(demo: GatewayHarness) -> None:
    own = await demo.create_key("subject", subject=SHOWCASE)
    for domain in ("tax", "tax", "culture"):
        await make(demo, own, domain=domain)
    seen: list[str] = []
    after = None
    while True:
        page = (await demo.graphql(LIST, {"first": 2, "after": after}))["data"]["commitments"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 3 and seen == sorted(seen, key=int, reverse=True)
    assert len((await demo.graphql(LIST, {"d": "culture"}))["data"]["commitments"]["edges"]) == 1
    assert (await demo.graphql(LIST, {"c": OTHER}))["data"]["commitments"]["edges"] == []
    assert (await demo.graphql(LIST, {"s": "BREACHED"}))["data"]["commitments"]["edges"] == []


@pytest.mark.postgres
async def test_two_breaches_at_once_write_one_record(postgres_url: str) -> None:
    async with GatewayHarness.start(database_url=postgres_url) as gw:
        await gw.truncate()
        await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=5)
        gw.clock.travel_to(DAY)
        desks = [await gw.create_key("department", domain="tax", name=f"desk {n}") for n in (1, 2)]
        cid = (await make(gw, desks[0], subjectCode=SHOWCASE))["id"]
        # Both requests read the row before either writes it (a third transaction holds its lock).
        requests = [gw.graphql(BREACH, {"id": cid}, key=key) for key in desks]
        bodies = await gw.race_on_row("credit_commitment", int(cid), requests)
        assert sorted(tuple(error_codes(body)) for body in bodies) == [(), ("CONFLICT",)], bodies
        wanted = lookup_hash(parse_subject_code(SHOWCASE), gw.settings.secret_key)
        async with gw.engine.connect() as conn:
            subject_id = (
                await conn.execute(sa.select(subject.c.id).where(subject.c.lookup_hash == wanted))
            ).scalar_one()
            assert len((await load_breach_records(conn, [subject_id]))[subject_id]) == 1
