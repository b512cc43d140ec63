"""Complaints (投诉举报) over HTTP: anyone files, the domain's departments investigate and conclude, the
complainant follows with a tracking token; illegal steps, other domains, wrong roles and bad input fail
with their codes; on PostgreSQL, of two departments acting at once exactly one wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from stdnum.cn.uscc import calc_check_digit

from gateway.db.tables import credit_record, subject
from gateway.features.lifecycle.tables import complaint
from gateway.host.demo import seed
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.rules import ComplaintRules
from gateway.kernel.settings import Settings
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"  # the demo's subject with records in every domain
OTHER = "91110000600037341L"
PERSON = "11010519491231002X"
UNKNOWN = "91350100MA0000001" + calc_check_digit("91350100MA0000001")  # valid, never seeded
DAY = dt.date(2026, 3, 2)

FILE = """mutation($i: FileComplaintInput!) {
  fileComplaint(input: $i) { trackingToken complaint { domain state conclusion feedback filedAt concludedAt } } }"""
TRACK = """query($t: String!) { complaint(trackingToken: $t) {
  domain state conclusion feedback filedAt updatedAt concludedAt } }"""
FIELDS = """id domain state conclusion feedback subjectCode subjectName matter contact recordId concludedAt
  transitions { action fromState toState actorRole actorName at note }"""
LIST = f"""query($state: ComplaintState, $domain: String, $first: Int, $after: String) {{
  complaints(state: $state, domain: $domain, first: $first, after: $after) {{
    edges {{ node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
INVESTIGATE = f"mutation($id: ID!, $n: String) {{ investigateComplaint(id: $id, note: $n) {{ {FIELDS} }} }}"
CONCLUDE = f"""mutation($id: ID!, $c: ComplaintConclusion!, $f: String!, $r: ID) {{
  concludeComplaint(id: $id, conclusion: $c, feedback: $f, recordId: $r) {{ {FIELDS} }} }}"""
LINK = f"mutation($id: ID!, $r: ID!) {{ linkComplaintRecord(id: $id, recordId: $r) {{ {FIELDS} }} }}"


@pytest.fixture
async def demo(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30)
    gw.clock.travel_to(DAY)
    return gw


def complaint_input(**overrides: Any) -> dict[str, Any]:
    return {"i": {"subjectCode": SHOWCASE, "domain": "tax", "matter": "Issues fake VAT invoices.", **overrides}}


async def file(gw: GatewayHarness, key: str | None = None, **overrides: Any) -> tuple[str, dict[str, Any]]:
    body = await gw.graphql(FILE, complaint_input(**overrides), key=key)
    assert not body.get("errors"), body
    filed = body["data"]["fileComplaint"]
    return filed["trackingToken"], filed["complaint"]


async def only_id(gw: GatewayHarness, key: str) -> str:
    body = await gw.graphql(LIST, key=key)
    [edge] = body["data"]["complaints"]["edges"]
    return edge["node"]["id"]


async def record_id(gw: GatewayHarness, code: str, domain: str) -> int:
    wanted = lookup_hash(parse_subject_code(code), gw.settings.secret_key)
    async with gw.engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(sa.func.min(credit_record.c.id))
                .join(subject, subject.c.id == credit_record.c.subject_id)
                .where(subject.c.lookup_hash == wanted, credit_record.c.domain == domain)
            )
        ).scalar_one()


async def test_anyone_files_and_follows_it_with_the_token(demo: GatewayHarness) -> None:
    token, filed = await file(demo)  # no key at all
    assert filed["state"] == "RECEIVED" and filed["domain"] == "tax" and filed["conclusion"] is None
    assert len(token) >= 40
    async with demo.engine.connect() as conn:
        stored = (await conn.execute(sa.select(complaint.c.token_hash))).scalars().all()
    assert token not in stored and len(stored) == 1  # only its hash is kept
    body = await demo.graphql(TRACK, {"t": token})
    assert body["data"]["complaint"]["state"] == "RECEIVED" and not body.get("errors")
    # An unknown, empty or absurd token reads as nothing, with no error to tell them apart.
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x" * 10_000):
        body = await demo.graphql(TRACK, {"t": wrong})
        assert body == {"data": {"complaint": None}}
    # A request may look up a few tokens, not a dictionary of guesses.
    many = "{ " + " ".join(f'a{n}: complaint(trackingToken: "{token}") {{ state }}' for n in range(6)) + " }"
    body = await demo.graphql(many)
    assert error_codes(body) == ["LIMIT_EXCEEDED"]
    assert body["data"]["a0"] == {"state": "RECEIVED"} and body["data"]["a5"] is None
    # The complainant's view has no subject, matter or contact; the public has no department view.
    for field in ("contact", "matter", "subjectCode", "transitions"):
        body = await demo.graphql(f'{{ complaint(trackingToken: "{token}") {{ {field} }} }}')
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"], field
    assert error_codes(await demo.graphql(LIST)) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_the_domain_investigates_concludes_and_links_the_record(demo: GatewayHarness) -> None:
    portal = await demo.create_key("portal", name="credit portal")
    token, _ = await file(demo, key=portal, contact="138 0000 0000")
    await file(demo, domain="culture")  # another domain's: not in the tax list
    tax = await demo.create_key("department", domain="tax", name="Fuzhou tax bureau")
    body = await demo.graphql(LIST, {"state": "RECEIVED"}, key=tax)
    [node] = [e["node"] for e in body["data"]["complaints"]["edges"]]
    assert node["domain"] == "tax" and node["contact"] == "138 0000 0000"
    assert node["subjectCode"] == SHOWCASE and node["subjectName"] == "福州闽都信用示范科技有限公司"
    assert [(t["action"], t["actorRole"], t["actorName"]) for t in node["transitions"]] == [
        ("FILE", "portal", "complainant")  # who filed stays with the contact the complainant gave
    ]
    cid = node["id"]

    body = await demo.graphql(INVESTIGATE, {"id": cid, "n": "inspection booked"}, key=tax)
    assert body["data"]["investigateComplaint"]["state"] == "INVESTIGATING"
    assert (await demo.graphql(LIST, {"state": "RECEIVED"}, key=tax))["data"]["complaints"]["edges"] == []
    demo.clock.travel_to(DAY + dt.timedelta(days=20))
    body = await demo.graphql(CONCLUDE, {"id": cid, "c": "SUBSTANTIATED", "f": "Confirmed; penalty follows."}, key=tax)
    concluded = body["data"]["concludeComplaint"]
    assert concluded["state"] == "CONCLUDED" and concluded["conclusion"] == "SUBSTANTIATED"
    assert concluded["recordId"] is None

    tracked = (await demo.graphql(TRACK, {"t": token}))["data"]["complaint"]
    assert tracked["state"] == "CONCLUDED" and tracked["feedback"] == "Confirmed; penalty follows."
    assert tracked["concludedAt"].startswith("2026-03-22") and tracked["filedAt"].startswith("2026-03-02")

    rid = await record_id(demo, SHOWCASE, "tax")
    linked = (await demo.graphql(LINK, {"id": cid, "r": str(rid)}, key=tax))["data"]["linkComplaintRecord"]
    assert linked["recordId"] == str(rid)
    steps = [(t["action"], t["fromState"], t["toState"], t["actorName"], t["note"]) for t in linked["transitions"]]
    assert steps == [
        ("FILE", None, "RECEIVED", "complainant", None),
        ("INVESTIGATE", "RECEIVED", "INVESTIGATING", "Fuzhou tax bureau", "inspection booked"),
        ("CONCLUDE", "INVESTIGATING", "CONCLUDED", "Fuzhou tax bureau", None),
        ("LINK_RECORD", "CONCLUDED", "CONCLUDED", "Fuzhou tax bureau", f"record {rid}"),
    ]
    assert all(t["at"] for t in linked["transitions"])
    # Linking the same record again changes nothing; another one is refused.
    again = await demo.graphql(LINK, {"id": cid, "r": str(rid)}, key=tax)
    assert again["data"]["linkComplaintRecord"]["recordId"] == str(rid)
    other = await record_id(demo, SHOWCASE, "tax") + 1
    assert error_codes(await demo.graphql(LINK, {"id": cid, "r": str(other)}, key=tax)) == ["CONFLICT"]


STAGE = "dueOn overdue allowedActions"
TRACK_STAGE = "query($t: String!) { complaint(trackingToken: $t) { state dueOn overdue } }"


async def test_each_stage_has_a_working_day_deadline(gw: GatewayHarness) -> None:
    """Intake within 3 working days of filing; investigation and feedback within 10 + 2 of its start."""
    gw.clock.travel_to(DAY)  # Monday 2 March 2026
    token, _ = await file(gw)
    tax = await gw.create_key("department", domain="tax")
    admin = await gw.create_key("admin")

    async def handled(key: str) -> dict[str, Any]:
        body = await gw.graphql(f"{{ complaints {{ edges {{ node {{ id state {STAGE} }} }} }} }}", key=key)
        [edge] = body["data"]["complaints"]["edges"]
        return edge["node"]

    async def tracked() -> dict[str, Any]:
        return (await gw.graphql(TRACK_STAGE, {"t": token}))["data"]["complaint"]

    received = {"state": "RECEIVED", "dueOn": "2026-03-05", "overdue": False}
    assert await tracked() == received
    node = await handled(tax)
    assert (node["dueOn"], node["overdue"], node["allowedActions"]) == ("2026-03-05", False, ["INVESTIGATE"])
    assert (await handled(admin))["allowedActions"] == ["INVESTIGATE"]
    gw.clock.travel_to(dt.date(2026, 3, 5))  # the day itself is still in time
    assert await tracked() == received
    gw.clock.travel_to(dt.date(2026, 3, 6))
    assert await tracked() == {**received, "overdue": True} and (await handled(tax))["overdue"] is True

    # Taken up on Monday 9 March: the clock restarts, 12 working days (investigation + feedback).
    gw.clock.travel_to(dt.date(2026, 3, 9))
    investigate = f"mutation($id: ID!) {{ investigateComplaint(id: $id) {{ {STAGE} }} }}"
    body = await gw.graphql(investigate, {"id": node["id"]}, key=tax)
    investigating = body["data"]["investigateComplaint"]
    assert (investigating["dueOn"], investigating["overdue"], investigating["allowedActions"]) == (
        "2026-03-25",
        False,
        ["CONCLUDE"],
    )
    gw.clock.travel_to(dt.date(2026, 3, 26))
    assert await tracked() == {"state": "INVESTIGATING", "dueOn": "2026-03-25", "overdue": True}
    conclude = f"""mutation($id: ID!) {{
      concludeComplaint(id: $id, conclusion: UNSUBSTANTIATED, feedback: "查无实据") {{ {STAGE} }} }}"""
    body = await gw.graphql(conclude, {"id": node["id"]}, key=tax)
    assert body["data"]["concludeComplaint"] == {"dueOn": None, "overdue": False, "allowedActions": []}
    assert await tracked() == {"state": "CONCLUDED", "dueOn": None, "overdue": False}


async def test_complaint_deadlines_are_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_GATEWAY_COMPLAINTS", '{"intake_days": 5, "investigation_days": 20, "feedback_days": 1}')
    assert Settings().complaints == ComplaintRules(intake_days=5, investigation_days=20, feedback_days=1)
    monkeypatch.setenv("CREDIT_GATEWAY_COMPLAINTS", '{"intake_days": 0}')
    with pytest.raises(ValidationError, match="intake_days"):
        Settings()
    monkeypatch.delenv("CREDIT_GATEWAY_COMPLAINTS")
    async with GatewayHarness.start(plugins=["tax"], complaints={"intake_days": 5}) as gw:
        gw.clock.travel_to(DAY)
        token, _ = await file(gw)
        assert (await gw.graphql(TRACK_STAGE, {"t": token}))["data"]["complaint"]["dueOn"] == "2026-03-09"


async def test_a_record_already_submitted_links_at_conclusion(demo: GatewayHarness) -> None:
    await file(demo, domain="urban_management")
    urban = await demo.create_key("department", domain="urban_management")
    cid = await only_id(demo, urban)
    await demo.graphql(INVESTIGATE, {"id": cid}, key=urban)
    rid = str(await record_id(demo, SHOWCASE, "urban_management"))
    unsubstantiated = {"id": cid, "c": "UNSUBSTANTIATED", "f": "No evidence.", "r": rid}
    assert error_codes(await demo.graphql(CONCLUDE, unsubstantiated, key=urban)) == ["BAD_USER_INPUT"]
    body = await demo.graphql(CONCLUDE, {**unsubstantiated, "c": "SUBSTANTIATED"}, key=urban)
    assert body["data"]["concludeComplaint"]["recordId"] == rid


async def test_illegal_steps_are_invalid_transitions(demo: GatewayHarness) -> None:
    await file(demo)
    tax = await demo.create_key("department", domain="tax")
    cid = await only_id(demo, tax)
    rid = str(await record_id(demo, SHOWCASE, "tax"))
    done = {"id": cid, "c": "UNSUBSTANTIATED", "f": "Nothing found."}
    body = await demo.graphql(CONCLUDE, done, key=tax)  # not investigated yet
    assert error_codes(body) == ["INVALID_TRANSITION"]
    assert body["errors"][0]["extensions"]["allowed"] == ["INVESTIGATE"]
    assert error_codes(await demo.graphql(LINK, {"id": cid, "r": rid}, key=tax)) == ["INVALID_TRANSITION"]
    assert error_codes(await demo.graphql(CONCLUDE, {**done, "c": "SUBSTANTIATED", "r": rid}, key=tax)) == [
        "INVALID_TRANSITION"
    ]
    await demo.graphql(INVESTIGATE, {"id": cid}, key=tax)
    assert error_codes(await demo.graphql(INVESTIGATE, {"id": cid}, key=tax)) == ["INVALID_TRANSITION"]
    assert not (await demo.graphql(CONCLUDE, done, key=tax)).get("errors")
    assert error_codes(await demo.graphql(CONCLUDE, done, key=tax)) == ["INVALID_TRANSITION"]
    # Unsubstantiated: there is no record to link.
    assert error_codes(await demo.graphql(LINK, {"id": cid, "r": rid}, key=tax)) == ["INVALID_TRANSITION"]


async def test_only_the_domain_and_the_admin_handle_it(demo: GatewayHarness) -> None:
    await file(demo)
    tax = await demo.create_key("department", domain="tax")
    culture = await demo.create_key("department", domain="culture")
    admin = await demo.create_key("admin", name="credit centre")
    cid = await only_id(demo, tax)
    # Another domain's department: the complaint is not there for it.
    assert (await demo.graphql(LIST, key=culture))["data"]["complaints"]["edges"] == []
    assert error_codes(await demo.graphql(LIST, {"domain": "tax"}, key=culture)) == ["FORBIDDEN"]
    assert error_codes(await demo.graphql(INVESTIGATE, {"id": cid}, key=culture)) == ["NOT_FOUND"]
    # Roles without the department view: absent from their schema.
    for role in ("subject", "partner", "portal"):
        key = await demo.create_key(role, subject=SHOWCASE if role == "subject" else None)
        assert error_codes(await demo.graphql(INVESTIGATE, {"id": cid}, key=key)) == ["GRAPHQL_VALIDATION_FAILED"]
        assert error_codes(await demo.graphql(LIST, key=key)) == ["GRAPHQL_VALIDATION_FAILED"]
    # The admin sees every domain's complaints and may act on them.
    await file(demo, domain="culture")
    body = await demo.graphql(LIST, key=admin)
    assert {e["node"]["domain"] for e in body["data"]["complaints"]["edges"]} == {"tax", "culture"}
    body = await demo.graphql(LIST, {"domain": "culture"}, key=admin)
    assert [e["node"]["domain"] for e in body["data"]["complaints"]["edges"]] == ["culture"]
    body = await demo.graphql(INVESTIGATE, {"id": cid}, key=admin)
    assert body["data"]["investigateComplaint"]["transitions"][-1]["actorRole"] == "admin"


async def test_any_valid_subject_code_is_accepted_and_persons_stay_masked(demo: GatewayHarness) -> None:
    await file(demo, subjectCode=UNKNOWN)
    await file(demo, subjectCode=PERSON.lower())
    tax = await demo.create_key("department", domain="tax")
    nodes = [e["node"] for e in (await demo.graphql(LIST, key=tax))["data"]["complaints"]["edges"]]
    assert [(n["subjectCode"], n["subjectName"]) for n in nodes] == [
        ("110105********002X", "张建华"),
        (UNKNOWN, None),
    ]


async def test_bad_input(demo: GatewayHarness) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"subjectCode": "91110000600037341N"}, "INVALID_SUBJECT_CODE"),
        ({"subjectCode": "x" * 500}, "INVALID_SUBJECT_CODE"),
        ({"domain": "fisheries"}, "BAD_USER_INPUT"),
        ({"matter": "   "}, "BAD_USER_INPUT"),
        ({"matter": "举" * 2_001}, "BAD_USER_INPUT"),
        ({"contact": "x" * 201}, "BAD_USER_INPUT"),
    ]
    for overrides, code in cases:
        assert error_codes(await demo.graphql(FILE, complaint_input(**overrides))) == [code], overrides
    await file(demo, matter="举" * 2_000, contact="x" * 200)  # the ceilings themselves are fine
    # One complaint per request: aliases cannot multiply it.
    twice = """mutation($i: FileComplaintInput!) { a: fileComplaint(input: $i) { trackingToken }
      b: fileComplaint(input: $i) { trackingToken } }"""
    body = await demo.graphql(twice, complaint_input())
    assert body["data"]["a"]["trackingToken"] and error_codes(body) == ["LIMIT_EXCEEDED"]
    async with demo.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(complaint))).scalar_one() == 2

    tax = await demo.create_key("department", domain="tax")
    cid = (await demo.graphql(LIST, {"first": 1}, key=tax))["data"]["complaints"]["edges"][0]["node"]["id"]
    assert error_codes(await demo.graphql(INVESTIGATE, {"id": "999999"}, key=tax)) == ["NOT_FOUND"]
    assert error_codes(await demo.graphql(INVESTIGATE, {"id": "abc"}, key=tax)) == ["BAD_USER_INPUT"]
    assert error_codes(await demo.graphql(INVESTIGATE, {"id": cid, "n": "n" * 2_001}, key=tax)) == ["BAD_USER_INPUT"]
    await demo.graphql(INVESTIGATE, {"id": cid}, key=tax)
    conclude = {"id": cid, "c": "SUBSTANTIATED", "f": "Confirmed."}
    assert error_codes(await demo.graphql(CONCLUDE, {**conclude, "f": " "}, key=tax)) == ["BAD_USER_INPUT"]
    await demo.graphql(CONCLUDE, conclude, key=tax)
    # The record must exist, be in the complaint's domain and be about the subject complained of.
    wrong_domain = await record_id(demo, SHOWCASE, "culture")
    wrong_subject = await record_id(demo, OTHER, "tax")
    for record, code in ((999_999, "NOT_FOUND"), (wrong_domain, "BAD_USER_INPUT"), (wrong_subject, "BAD_USER_INPUT")):
        assert error_codes(await demo.graphql(LINK, {"id": cid, "r": str(record)}, key=tax)) == [code]
    # Paging is bounded.
    assert error_codes(await demo.graphql(LIST, {"first": 1_000}, key=tax)) == ["LIMIT_EXCEEDED"]
    assert error_codes(await demo.graphql(LIST, {"after": "nonsense"}, key=tax)) == ["BAD_USER_INPUT"]


async def test_pages_by_keyset(demo: GatewayHarness) -> None:
    for _ in range(3):
        await file(demo)
    tax = await demo.create_key("department", domain="tax")
    seen: list[str] = []
    after = None
    while True:
        page = (await demo.graphql(LIST, {"first": 2, "after": after}, key=tax))["data"]["complaints"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 3 and seen == sorted(seen, key=int, reverse=True)


@pytest.mark.postgres
async def test_two_departments_acting_at_once_one_wins(postgres_url: str) -> None:
    async with GatewayHarness.start(database_url=postgres_url) as gw:
        await gw.truncate()
        token, _ = await file(gw)
        first = await gw.create_key("department", domain="tax", name="tax bureau, desk 1")
        second = await gw.create_key("department", domain="tax", name="tax bureau, desk 2")
        cid = await only_id(gw, first)
        bodies = await gw.race_on_row(
            "complaint",
            int(cid),
            [gw.graphql(INVESTIGATE, {"id": cid, "n": f"desk {n}"}, key=key) for n, key in ((1, first), (2, second))],
        )
        codes = sorted(tuple(error_codes(body)) for body in bodies)
        assert codes == [(), ("CONFLICT",)], bodies
        loser = next(body for body in bodies if body.get("errors"))
        assert loser["errors"][0]["extensions"]["state"] == "INVESTIGATING"
        winner = next(body for body in bodies if not body.get("errors"))["data"]["investigateComplaint"]
        # Exactly one transition was made and logged.
        assert [t["action"] for t in winner["transitions"]] == ["FILE", "INVESTIGATE"]
        body = await gw.graphql(LIST, key=first)
        assert [t["action"] for t in body["data"]["complaints"]["edges"][0]["node"]["transitions"]] == [
            "FILE",
            "INVESTIGATE",
        ]
        assert (await gw.graphql(TRACK, {"t": token}))["data"]["complaint"]["state"] == "INVESTIGATING"
