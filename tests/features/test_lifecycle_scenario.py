"""One record's life as the clock moves: published, disputed, corrected, repaired, republished after a
broken repair commitment, expired, and finally withheld by the five-year rule; at each step, what the
public, an authorised partner, the subject, the record's department, another department and the
admin each see. Then the workflows' bad input, and two departments acting on one dispute at once."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import VIOLATOR_CODE, tax_violation

COMPANY = VIOLATOR_CODE  # the subject of the one record
PURPOSE = {"X-Purpose": "loan application"}
SUBMIT = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
RECORDS = """query($c: String!) { subject(code: $c) { records(domain: "tax") {
  id isPublished disputed publishedUntil repairFrom revision status severity } } }"""
LIST = "{ majorTaxViolations(first: 10) { edges { node { id } } } }"


class World:
    """The keys of every audience, and what each sees of the record."""

    def __init__(self, gw: GatewayHarness) -> None:
        self.gw = gw

    async def start(self) -> World:
        gw = self.gw
        self.tax = await gw.create_key("department", domain="tax")
        self.culture = await gw.create_key("department", domain="culture")
        self.admin = await gw.create_key("admin")
        self.partner = await gw.create_key("partner", contract=["tax.rating"])
        return self

    async def submit(self) -> str:
        body = await self.gw.graphql(SUBMIT, {"v": [tax_violation()]}, key=self.tax)
        self.record_id = body["data"]["submitMajorTaxViolations"]["records"][0]["recordId"]
        self.subject = await self.gw.create_key("subject", subject=COMPANY)
        await self.gw.authorize(COMPANY, self.partner, groups=["tax.rating"], valid_until=dt.date(2028, 6, 30))
        return self.record_id

    async def seen(self, key: str | None, headers: dict[str, str] | None = None) -> dict[str, Any] | None:
        body = await self.gw.graphql(RECORDS, {"c": COMPANY}, key=key, headers=headers)
        assert "errors" not in body, body
        found = [r for r in body["data"]["subject"]["records"] if r["id"] == self.record_id]
        return found[0] if found else None

    async def audiences(self) -> dict[str, bool]:
        """Who sees the record now (the public's list included)."""
        listed = await self.gw.graphql(LIST)
        return {
            "public": await self.seen(None) is not None,
            "public list": any(
                e["node"]["id"] == self.record_id for e in listed["data"]["majorTaxViolations"]["edges"]
            ),
            "partner": await self.seen(self.partner, PURPOSE) is not None,
            "subject": await self.seen(self.subject) is not None,
            "tax department": await self.seen(self.tax) is not None,
            "culture department": await self.seen(self.culture) is not None,
            "admin": await self.seen(self.admin) is not None,
        }

    async def call(self, query: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
        return await self.gw.graphql(query, variables, key=key)


EVERYONE = {
    "public": True,
    "public list": True,
    "partner": True,
    "subject": True,
    "tax department": True,
    "culture department": True,
    "admin": True,
}
DISPUTE_FIELDS = "id state outcome dueOn overdue allowedActions correctedRevision transitions { action actorRole }"


async def test_a_record_through_its_whole_life(gw: GatewayHarness) -> None:
    world = await World(gw).start()
    # 1. Published: a serious violation, 1 to 3 years from the decision (2025-06-18).
    gw.clock.travel_to(dt.date(2025, 7, 1))
    record_id = await world.submit()
    assert await world.audiences() == EVERYONE
    seen = await world.seen(None)
    assert seen["isPublished"] and seen["publishedUntil"] == "2028-06-17" and seen["repairFrom"] == "2026-06-18"

    # 2. Disputed by the subject: still published, marked; due within 3 working days (Tue 1 July → Fri 4).
    filed = await world.call(
        f"""mutation($r: ID!) {{ fileDispute(input: {{recordId: $r, reason: "金额计算有误", evidence: "附件1"}}) {{
        {DISPUTE_FIELDS} }} }}""",
        {"r": record_id},
        world.subject,
    )
    dispute = filed["data"]["fileDispute"]
    assert dispute["state"] == "FILED" and dispute["dueOn"] == "2025-07-04" and not dispute["overdue"]
    # Each principal is offered only its own steps: the subject may withdraw, the admin forward (or withdraw).
    assert dispute["allowedActions"] == ["WITHDRAW"]
    actions = "{ disputes { edges { node { allowedActions } } } }"
    for key, offered in ((world.admin, ["FORWARD", "WITHDRAW"]), (world.tax, [])):
        assert (await world.call(actions, {}, key))["data"]["disputes"]["edges"][0]["node"]["allowedActions"] == offered
    assert (await world.seen(None))["disputed"] is True
    assert await world.audiences() == EVERYONE
    again = await world.call(
        'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "再次"}) { id } }',
        {"r": record_id},
        world.subject,
    )
    assert error_codes(again) == ["CONFLICT"]
    # The tax department sees its domain's dispute, the culture department does not.
    listing = "{ disputes { edges { node { id state } } } }"
    assert [e["node"]["id"] for e in (await world.call(listing, {}, world.tax))["data"]["disputes"]["edges"]] == [
        dispute["id"]
    ]
    assert (await world.call(listing, {}, world.culture))["data"]["disputes"]["edges"] == []

    # Not forwarded in time: overdue a week later. Verifying before forwarding is refused.
    gw.clock.travel_to(dt.date(2025, 7, 10))
    overdue = await world.call(f"{{ disputes {{ edges {{ node {{ {DISPUTE_FIELDS} }} }} }} }}", {}, world.admin)
    assert overdue["data"]["disputes"]["edges"][0]["node"]["overdue"] is True
    verify = f"""mutation($i: ID!) {{ verifyDispute(id: $i, outcome: CORRECTED, finding: "严重程度认定有误",
        correction: {{severity: GENERAL}}) {{ {DISPUTE_FIELDS} }} }}"""
    early = await world.call(verify, {"i": dispute["id"]}, world.tax)
    assert error_codes(early) == ["INVALID_TRANSITION"]
    assert early["errors"][0]["extensions"]["allowed"] == ["FORWARD", "WITHDRAW"]

    forwarded = await world.call(
        f"mutation($i: ID!) {{ forwardDispute(id: $i) {{ {DISPUTE_FIELDS} }} }}", {"i": dispute["id"]}, world.admin
    )
    assert forwarded["data"]["forwardDispute"]["dueOn"] == "2025-07-31"  # 15 working days
    assert (await world.call(actions, {}, world.tax))["data"]["disputes"]["edges"][0]["node"]["allowedActions"] == [
        "VERIFY"
    ]
    assert error_codes(await world.call(verify, {"i": dispute["id"]}, world.culture)) == ["FORBIDDEN"]  # not its domain

    # 3. Corrected: GENERAL is 3 to 12 months; the earlier version is kept for the admin.
    corrected = await world.call(verify, {"i": dispute["id"]}, world.tax)
    assert corrected["data"]["verifyDispute"]["outcome"] == "CORRECTED"
    assert corrected["data"]["verifyDispute"]["correctedRevision"] == 2
    seen = await world.seen(None)
    assert seen["severity"] == "GENERAL" and seen["revision"] == 2 and seen["publishedUntil"] == "2026-06-17"
    history = await world.call(
        "query($r: ID!) { recordHistory(recordId: $r) { revision severity decisionDate } }",
        {"r": record_id},
        world.admin,
    )
    assert history["data"]["recordHistory"] == [{"revision": 1, "severity": "SERIOUS", "decisionDate": "2025-06-18"}]
    assert error_codes(await world.call(verify, {"i": dispute["id"]}, world.tax)) == ["INVALID_TRANSITION"]
    closed = await world.call(
        f"mutation($i: ID!) {{ closeDispute(id: $i) {{ {DISPUTE_FIELDS} }} }}", {"i": dispute["id"]}, world.admin
    )
    steps = [t["action"] for t in closed["data"]["closeDispute"]["transitions"]]
    assert steps == ["FILE", "FORWARD", "VERIFY", "CLOSE"]
    assert [t["actorRole"] for t in closed["data"]["closeDispute"]["transitions"]] == [
        "subject",
        "admin",
        "department",
        "admin",
    ]
    assert (await world.seen(None))["disputed"] is False

    # 4. Repair: not before the minimum (2025-09-18), then approved: REPAIRED, seen only by those who may.
    apply = """mutation($r: ID!) { applyForRepair(input: {recordId: $r, commitment: "依法纳税，按时申报"}) {
      id state dueOn overdue allowedActions } }"""
    gw.clock.travel_to(dt.date(2025, 8, 1))
    too_early = await world.call(apply, {"r": record_id}, world.subject)
    assert error_codes(too_early) == ["REPAIR_NOT_ELIGIBLE"]
    assert too_early["errors"][0]["extensions"]["eligibleFrom"] == "2025-09-18"
    gw.clock.travel_to(dt.date(2025, 10, 1))
    application = (await world.call(apply, {"r": record_id}, world.subject))["data"]["applyForRepair"]
    assert application["state"] == "APPLIED"
    # The department decides within 15 working days: from National Day (1 October), the 28th. The subject
    # can only wait; the department may approve or reject.
    assert (application["dueOn"], application["overdue"], application["allowedActions"]) == ("2025-10-28", False, [])
    pending = "{ repairApplications { edges { node { state dueOn overdue allowedActions } } } }"
    gw.clock.travel_to(dt.date(2025, 10, 29))
    assert (await world.call(pending, {}, world.tax))["data"]["repairApplications"]["edges"][0]["node"] == {
        "state": "APPLIED",
        "dueOn": "2025-10-28",
        "overdue": True,
        "allowedActions": ["APPROVE", "REJECT"],
    }
    assert (await world.call(pending, {}, world.culture))["data"]["repairApplications"]["edges"] == []
    decide = """mutation($i: ID!, $a: Boolean!) { decideRepair(id: $i, approve: $a, reason: "已履行义务") { state } }"""
    assert error_codes(await world.call(decide, {"i": application["id"], "a": True}, world.culture)) == ["FORBIDDEN"]
    approved = await world.call(decide, {"i": application["id"], "a": True}, world.tax)
    assert approved["data"]["decideRepair"]["state"] == "APPROVED"
    decided = (await world.call(pending, {}, world.tax))["data"]["repairApplications"]["edges"][0]["node"]
    assert (decided["dueOn"], decided["overdue"], decided["allowedActions"]) == (None, False, ["BREACH"])
    assert await world.audiences() == {
        **EVERYONE,
        "public": False,
        "public list": False,
        "partner": False,
        "culture department": False,
    }
    assert (await world.seen(world.admin))["status"] == "REPAIRED"

    # 5. The repair commitment is broken: republished for the maximum window (12 months) from that day.
    gw.clock.travel_to(dt.date(2025, 11, 3))
    breach = """mutation($i: ID!) { reportRepairBreach(id: $i, note: "再次逾期申报") { state allowedActions } }"""
    breached = await world.call(breach, {"i": application["id"]}, world.tax)
    assert breached["data"]["reportRepairBreach"] == {"state": "BREACHED", "allowedActions": []}
    assert await world.audiences() == EVERYONE
    assert (await world.seen(None))["publishedUntil"] == "2026-11-02"
    assert error_codes(await world.call(breach, {"i": application["id"]}, world.tax)) == ["INVALID_TRANSITION"]

    # 6. Expired: the public and partners no longer see it; its department and subject still do.
    gw.clock.travel_to(dt.date(2026, 11, 3))
    assert await world.audiences() == {
        **EVERYONE,
        "public": False,
        "public list": False,
        "partner": False,
        "culture department": False,
    }
    assert (await world.seen(world.tax))["isPublished"] is False

    # 7. Five years after the behaviour: for the admin's eyes only.
    gw.clock.travel_to(dt.date(2030, 6, 18))
    await gw.authorize(COMPANY, world.partner, groups=["tax.rating"])  # the first one has run out by now
    assert await world.audiences() == {name: name == "admin" for name in EVERYONE}


async def test_dispute_bad_input(gw: GatewayHarness) -> None:
    world = await World(gw).start()
    gw.clock.travel_to(dt.date(2025, 7, 1))
    record_id = await world.submit()
    other = await gw.create_key("subject", subject="91350100M000100Y43")
    file = "mutation($r: ID!, $why: String!) { fileDispute(input: {recordId: $r, reason: $why}) { id } }"
    assert error_codes(await world.call(file, {"r": record_id, "why": "不是我的"}, other)) == ["NOT_FOUND"]
    assert error_codes(await world.call(file, {"r": "999999", "why": "x"}, world.subject)) == ["NOT_FOUND"]
    assert error_codes(await world.call(file, {"r": "abc", "why": "x"}, world.subject)) == ["BAD_USER_INPUT"]
    assert error_codes(await world.call(file, {"r": record_id, "why": " "}, world.subject)) == ["BAD_USER_INPUT"]
    assert error_codes(await world.call(file, {"r": record_id, "why": "长" * 2001}, world.subject)) == [
        "BAD_USER_INPUT"
    ]
    assert error_codes(await gw.graphql(file, {"r": record_id, "why": "x"})) == ["GRAPHQL_VALIDATION_FAILED"]
    filed = await world.call(file, {"r": record_id, "why": "金额有误"}, world.subject)
    dispute_id = filed["data"]["fileDispute"]["id"]
    # A correction with nothing to correct is refused, and leaves the dispute where it was.
    await world.call("mutation($i: ID!) { forwardDispute(id: $i) { id } }", {"i": dispute_id}, world.admin)
    empty = await world.call(
        'mutation($i: ID!) { verifyDispute(id: $i, outcome: CORRECTED, finding: "x") { id } }',
        {"i": dispute_id},
        world.tax,
    )
    assert error_codes(empty) == ["BAD_USER_INPUT"]
    state = await world.call("{ disputes { edges { node { state } } } }", {}, world.admin)
    assert state["data"]["disputes"]["edges"][0]["node"]["state"] == "FORWARDED"


@pytest.mark.parametrize("outcome", ["UPHELD", "REVOKED"])
async def test_two_departments_verify_one_dispute_at_once(gw: GatewayHarness, outcome: str) -> None:
    """Exactly one verification wins; the other is told, and nothing is applied twice."""
    world = await World(gw).start()
    gw.clock.travel_to(dt.date(2025, 7, 1))
    record_id = await world.submit()
    filed = await world.call(
        'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "金额有误"}) { id } }',
        {"r": record_id},
        world.subject,
    )
    dispute_id = filed["data"]["fileDispute"]["id"]
    await world.call("mutation($i: ID!) { forwardDispute(id: $i) { id } }", {"i": dispute_id}, world.admin)
    second_tax = await gw.create_key("department", domain="tax", name="second tax officer")
    verify = f'mutation($i: ID!) {{ verifyDispute(id: $i, outcome: {outcome}, finding: "核实") {{ state }} }}'
    results = await asyncio.gather(
        world.call(verify, {"i": dispute_id}, world.tax), world.call(verify, {"i": dispute_id}, second_tax)
    )
    won = [r for r in results if "errors" not in r]
    lost = [r for r in results if "errors" in r]
    assert len(won) == 1 and len(lost) == 1
    assert error_codes(lost[0])[0] in {"CONFLICT", "INVALID_TRANSITION"}
    history = await world.call("{ disputes { edges { node { transitions { action } } } } }", {}, world.admin)
    assert [t["action"] for t in history["data"]["disputes"]["edges"][0]["node"]["transitions"]] == [
        "FILE",
        "FORWARD",
        "VERIFY",
    ]
