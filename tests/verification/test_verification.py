"""Credit verification (信用核查) over HTTP, on SQLite and PostgreSQL: opinions answered at once or pending on
a dispute until the credit centre answers (and overdue past 5 working days), the five-year window,
repaired records left out, idempotent request ids, who may ask and read, bad input, the query record, and
a constant number of statements for 1 or 100 subjects."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gateway.db.engine import count_statements
from gateway.db.tables import credit_record, query_record
from gateway.features.verification.tables import credit_verification
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import VIOLATOR_CODE, tax_violation

TODAY = china_today()
CLEAN = "91110108551385082Q"  # valid, never seeded
PERSON = "11010519491231002X"

REQUEST = """mutation($i: CreditVerificationInput!) { requestCreditVerification(input: $i) {
  number state matter purpose dueOn overdue answeredAt note requesterRole requestingDepartment subjectCodes
  review { subjectCode recordId reason }
  items { code name found conclusion catalogueVersion
    dishonesty { recordId domain category decisionDate documentNumber }
    lists { recordId listType } measures { id kind matters facts { kind recordId } }
    commitments { id commitmentType } } } }"""
ONE = """query($n: String!) { creditVerification(number: $n) { number state dueOn overdue note subjectCodes
  items { code found conclusion dishonesty { recordId } } } }"""
LIST = """query($s: VerificationState, $f: Int, $a: String) { creditVerifications(state: $s, first: $f, after: $a) {
  edges { node { number state } } pageInfo { hasNextPage endCursor } } }"""
ANSWER = """mutation($n: String!, $t: String!) { answerCreditVerification(number: $n, note: $t) {
  number state answeredAt note items { code conclusion dishonesty { recordId } } } }"""
SUBMIT = (
    """mutation($v: [MajorTaxViolationInput!]!) { submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
)
# A subject's budget of query cost is smaller: it asks for less.
SLIM = """mutation($i: CreditVerificationInput!) { requestCreditVerification(input: $i) {
  number requesterRole requestingDepartment items { code conclusion dishonesty { recordId } } } }"""
DISPUTE = 'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "金额计算有误"}) { id } }'


def _input(codes: list[str], request_id: str = "req-1", **extra: Any) -> dict[str, Any]:
    return {"i": {"subjectCodes": codes, "requestId": request_id, "matter": "PUBLIC_PROCUREMENT", **extra}}


async def _violation(gw: GatewayHarness, decided: dt.date, number: str) -> int:
    key = await gw.create_key("department", domain="tax")
    body = await gw.graphql(
        SUBMIT, {"v": [tax_violation(decisionDate=decided.isoformat(), documentNumber=number)]}, key=key
    )
    assert "errors" not in body, body
    return int(body["data"]["submitMajorTaxViolations"]["records"][0]["recordId"])


async def _request(gw: GatewayHarness, key: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = await gw.graphql(REQUEST, variables, key=key)
    assert "errors" not in body, body
    return body["data"]["requestCreditVerification"]


async def _count(gw: GatewayHarness, table: sa.Table) -> int:
    async with gw.engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def test_an_opinion_is_answered_at_once_and_reads_the_same_later(gw: GatewayHarness) -> None:
    record_id = await _violation(gw, TODAY - dt.timedelta(days=200), "榕税稽罚〔2026〕1号")
    department = await gw.create_key("department", domain="culture")
    before = await _count(gw, query_record)
    opinion = await _request(gw, department, _input([VIOLATOR_CODE, CLEAN], purpose="闽采〔2026〕88号"))
    assert opinion["number"] == f"XYHC-{TODAY:%Y%m%d}-000001"
    assert opinion["state"] == "ANSWERED" and opinion["answeredAt"] and opinion["dueOn"] is None
    assert opinion["requesterRole"] == "department" and opinion["review"] == []
    violator, unknown = opinion["items"]
    assert violator["found"] and violator["conclusion"] == "ADVERSE_INFORMATION"
    assert [d["recordId"] for d in violator["dishonesty"]] == [str(record_id)]
    assert "MAJOR_TAX_VIOLATION_RESTRICTIONS" in [m["id"] for m in violator["measures"]]
    assert all("PUBLIC_PROCUREMENT" in m["matters"] for m in violator["measures"])
    assert unknown == {**unknown, "code": CLEAN, "found": False, "conclusion": "NOT_FOUND", "dishonesty": []}
    # Every check is in the query record: the one subject on file, once.
    async with gw.engine.connect() as conn:
        rows = (await conn.execute(sa.select(query_record).where(query_record.c.id > before))).all()
    assert len(rows) == 1 and rows[0].role == "department"
    # A snapshot: the record revoked since, the opinion still says what it said.
    async with gw.engine.begin() as conn:
        await conn.execute(credit_record.update().where(credit_record.c.id == record_id).values(status="REVOKED"))
    body = await gw.graphql(ONE, {"n": opinion["number"]}, key=department)
    assert body["data"]["creditVerification"]["items"][0]["dishonesty"] == [{"recordId": str(record_id)}]
    fresh = await _request(gw, department, _input([VIOLATOR_CODE], "req-2"))
    assert fresh["items"][0]["dishonesty"] == [] and fresh["number"].endswith("-000002")


async def test_five_years_back_and_repaired_records_left_out(gw: GatewayHarness) -> None:
    recent = await _violation(gw, TODAY - dt.timedelta(days=365), "榕税稽罚〔2025〕2号")
    old = await _violation(gw, TODAY - dt.timedelta(days=6 * 365), "榕税稽罚〔2020〕3号")
    repaired = await _violation(gw, TODAY - dt.timedelta(days=400), "榕税稽罚〔2025〕4号")
    async with gw.engine.begin() as conn:  # no publicity window ends: only the five-year rule is left to judge
        await conn.execute(credit_record.update().values(published_until=None))
        await conn.execute(credit_record.update().where(credit_record.c.id == repaired).values(status="REPAIRED"))
    admin = await gw.create_key("admin")
    [item] = (await _request(gw, admin, _input([VIOLATOR_CODE])))["items"]
    assert [d["recordId"] for d in item["dishonesty"]] == [str(recent)]
    triggering = {f["recordId"] for m in item["measures"] for f in m["facts"]}
    assert str(old) not in triggering and str(repaired) not in triggering


async def test_a_disputed_record_makes_it_pending_until_the_centre_answers(gw: GatewayHarness) -> None:
    gw.clock.travel_to(dt.date(2026, 11, 27))  # a Friday: due five working days later, Friday 4 December
    record_id = await _violation(gw, dt.date(2026, 6, 1), "榕税稽罚〔2026〕5号")
    subject = await gw.create_key("subject", subject=VIOLATOR_CODE)
    assert "errors" not in await gw.graphql(DISPUTE, {"r": str(record_id)}, key=subject)
    department = await gw.create_key("department", domain="culture")
    opinion = await _request(gw, department, _input([VIOLATOR_CODE]))
    assert opinion["state"] == "PENDING" and opinion["items"] is None and opinion["answeredAt"] is None
    assert opinion["dueOn"] == "2026-12-04" and not opinion["overdue"]
    assert opinion["review"] == [{"subjectCode": VIOLATOR_CODE, "recordId": str(record_id), "reason": "DISPUTED"}]
    gw.clock.travel_to(dt.date(2026, 12, 7))
    body = await gw.graphql(ONE, {"n": opinion["number"]}, key=department)
    assert body["data"]["creditVerification"]["overdue"] is True
    pending = await gw.graphql(LIST, {"s": "PENDING"}, key=department)
    assert [e["node"]["number"] for e in pending["data"]["creditVerifications"]["edges"]] == [opinion["number"]]
    # Only the admin answers; the sources are read again then, and kept.
    assert error_codes(await gw.graphql(ANSWER, {"n": opinion["number"], "t": "x"}, key=department)) == [
        "GRAPHQL_VALIDATION_FAILED"
    ]
    admin = await gw.create_key("admin")
    answered = await gw.graphql(ANSWER, {"n": opinion["number"], "t": "异议核实中，信息维持"}, key=admin)
    done = answered["data"]["answerCreditVerification"]
    assert done["state"] == "ANSWERED" and done["note"] == "异议核实中，信息维持" and done["answeredAt"]
    assert done["items"][0]["dishonesty"] == [{"recordId": str(record_id)}]
    body = await gw.graphql(ONE, {"n": opinion["number"]}, key=department)
    assert body["data"]["creditVerification"]["overdue"] is False
    again = await gw.graphql(ANSWER, {"n": opinion["number"], "t": "再次"}, key=admin)
    assert error_codes(again) == ["INVALID_TRANSITION"]
    assert error_codes(await gw.graphql(ANSWER, {"n": "XYHC-20261130-999999", "t": "x"}, key=admin)) == ["NOT_FOUND"]


async def test_request_ids_are_idempotent(gw: GatewayHarness) -> None:
    await _violation(gw, TODAY - dt.timedelta(days=30), "榕税稽罚〔2026〕6号")
    department = await gw.create_key("department", domain="culture")
    first = await _request(gw, department, _input([VIOLATOR_CODE]))
    again = await _request(gw, department, _input([VIOLATOR_CODE]))
    assert again["number"] == first["number"] and await _count(gw, credit_verification) == 1
    other = await gw.graphql(REQUEST, _input([VIOLATOR_CODE], matter="FINANCING"), key=department)
    assert error_codes(other) == ["CONFLICT"] and "matter" in other["errors"][0]["message"]
    assert error_codes(await gw.graphql(REQUEST, _input([CLEAN]), key=department)) == ["CONFLICT"]
    # Another client may use the same id for its own request.
    admin = await gw.create_key("admin")
    assert (await _request(gw, admin, _input([CLEAN])))["number"] != first["number"]
    assert await _count(gw, credit_verification) == 2


async def test_who_may_ask_and_read(gw: GatewayHarness) -> None:
    await _violation(gw, TODAY - dt.timedelta(days=30), "榕税稽罚〔2026〕7号")
    department = await gw.create_key("department", domain="culture")
    other_department = await gw.create_key("department", domain="tax")
    subject = await gw.create_key("subject", subject=VIOLATOR_CODE)
    admin = await gw.create_key("admin")
    for key in (None, await gw.create_key("portal"), await gw.create_key("partner")):
        refused = await gw.graphql(REQUEST, _input([VIOLATOR_CODE]), key=key)  # neither the field nor its input
        assert set(error_codes(refused)) == {"GRAPHQL_VALIDATION_FAILED"}
    forbidden = await gw.graphql(SLIM, _input([CLEAN], requestingDepartment="某局"), key=subject)
    assert error_codes(forbidden) == ["FORBIDDEN"]
    assert error_codes(await gw.graphql(SLIM, _input([VIOLATOR_CODE]), key=subject)) == ["BAD_USER_INPUT"]
    asked = await gw.graphql(SLIM, _input([VIOLATOR_CODE], requestingDepartment="某局"), key=department)
    assert error_codes(asked) == ["BAD_USER_INPUT"]
    body = await gw.graphql(SLIM, _input([VIOLATOR_CODE], requestingDepartment="福州市财政局"), key=subject)
    own = body["data"]["requestCreditVerification"]
    assert own["requesterRole"] == "subject" and own["requestingDepartment"] == "福州市财政局"
    about_two = await _request(gw, department, _input([VIOLATOR_CODE, CLEAN]))
    # The department reads its own; another department does not; the subject reads its own item only.
    assert (await gw.graphql(ONE, {"n": about_two["number"]}, key=department))["data"]["creditVerification"]
    assert error_codes(await gw.graphql(ONE, {"n": about_two["number"]}, key=other_department)) == ["NOT_FOUND"]
    seen = (await gw.graphql(ONE, {"n": about_two["number"]}, key=subject))["data"]["creditVerification"]
    assert seen["subjectCodes"] == [VIOLATOR_CODE] and [i["code"] for i in seen["items"]] == [VIOLATOR_CODE]
    listed = await gw.graphql(LIST, {}, key=subject)
    numbers = [e["node"]["number"] for e in listed["data"]["creditVerifications"]["edges"]]
    assert numbers == [about_two["number"], own["number"]]
    mine = await gw.graphql(LIST, {}, key=department)
    assert [e["node"]["number"] for e in mine["data"]["creditVerifications"]["edges"]] == [about_two["number"]]
    everything = await gw.graphql(LIST, {"f": 1}, key=admin)
    page = everything["data"]["creditVerifications"]
    assert page["pageInfo"]["hasNextPage"] and len(page["edges"]) == 1
    rest = await gw.graphql(LIST, {"f": 5, "a": page["pageInfo"]["endCursor"]}, key=admin)
    assert [e["node"]["number"] for e in rest["data"]["creditVerifications"]["edges"]] == [own["number"]]
    too_many = await gw.graphql(LIST, {"f": gw.settings.max_page_size + 1}, key=admin)
    assert error_codes(too_many) == ["LIMIT_EXCEEDED"]
    assert error_codes(await gw.graphql(ONE, {"n": "nonsense"}, key=admin)) == ["NOT_FOUND"]


async def test_bad_codes_and_too_many_write_nothing(gw: GatewayHarness) -> None:
    department = await gw.create_key("department", domain="culture")
    body = await gw.graphql(REQUEST, _input([VIOLATOR_CODE, "123", "91350100M000100Y4X"]), key=department)
    assert error_codes(body) == ["INVALID_SUBJECT_CODE"]
    assert [i["index"] for i in body["errors"][0]["extensions"]["invalid"]] == [1, 2]
    too_many = [CLEAN] * (gw.settings.max_batch_subjects + 1)
    assert error_codes(await gw.graphql(REQUEST, _input(too_many), key=department)) == ["LIMIT_EXCEEDED"]
    assert error_codes(await gw.graphql(REQUEST, _input([CLEAN, CLEAN]), key=department)) == ["BAD_USER_INPUT"]
    assert error_codes(await gw.graphql(REQUEST, _input([]), key=department)) == ["BAD_USER_INPUT"]
    assert await _count(gw, credit_verification) == 0
    # A person's code unknown to the gateway is shown masked, and stored only so.
    opinion = await _request(gw, department, _input([PERSON]))
    assert opinion["subjectCodes"] == ["110105********002X"] and opinion["items"][0]["found"] is False


def _per_request(statement: str) -> bool:
    """The key's look-ups and the query record's write (its lock): the same for any keyed request."""
    noise = ("api_client", "query_record", "pg_advisory_xact_lock")
    return any(word in statement for word in noise) or statement.startswith("BEGIN")


async def test_a_hundred_subjects_cost_the_statements_of_one(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    department = await gw.create_key("department", domain="culture")
    codes = [s.code.value for s in demo_subjects(150)][:100]
    counts = []
    for n, batch in enumerate((codes[:1], codes)):
        with count_statements(gw.engine) as counter:
            opinion = await _request(gw, department, _input(batch, f"batch-{n}"))
        counts.append(sum(1 for q in counter.statements if not _per_request(q)))
    assert counts[0] == counts[1]
    assert len(opinion["items"]) == 100 or opinion["state"] == "PENDING"
    async with gw.engine.connect() as conn:
        logged = (await conn.execute(sa.select(sa.func.count(sa.distinct(query_record.c.subject_id))))).scalar_one()
    assert logged == 100
