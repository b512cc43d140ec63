"""Demo data is deterministic and seeding twice changes nothing."""

from __future__ import annotations

import hashlib
from datetime import date

import sqlalchemy as sa

from gateway.host.demo import ANCHOR_SUBJECTS, demo_subjects, seed
from gateway.testing import GatewayHarness


async def _snapshot(gw: GatewayHarness) -> dict[str, str]:
    tables = ["subject", "credit_record", *(o.item.name for o in gw.graph.composition.tables)]
    digest: dict[str, str] = {}
    async with gw.engine.connect() as conn:
        for table in tables:
            rows = (await conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))).all()
            stable = [tuple(v for v in row if not hasattr(v, "tzinfo")) for row in rows]  # drop timestamps
            digest[table] = f"{len(rows)}:{hashlib.sha256(repr(stable).encode()).hexdigest()[:16]}"
    return digest


def test_demo_subjects_are_deterministic_and_valid() -> None:
    first, second = demo_subjects(300), demo_subjects(300)
    assert [(s.code, s.name) for s in first] == [(s.code, s.name) for s in second]
    assert len({s.code.value for s in first}) == 300
    assert [s.code.value for s in first[: len(ANCHOR_SUBJECTS)]] == [c for c, _, _ in ANCHOR_SUBJECTS]
    kinds = {s.kind for s in first}
    assert {"LEGAL_PERSON", "NATURAL_PERSON", "INDIVIDUAL_BUSINESS"} <= {k.value for k in kinds}


async def test_seeding_twice_changes_nothing(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url) as gw:
        if database_url:
            await gw.truncate()
        manager = gw.graph.composition.manager
        added = await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=120)
        once = await _snapshot(gw)
        again = await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=120)
        assert added == 120 and again == 0
        assert await _snapshot(gw) == once
        assert int(once["credit_record"].split(":")[0]) > 0


DISPUTE = """mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "记录有误", evidence: "附件1"}) { id } }"""
FORWARD = "mutation($i: ID!) { forwardDispute(id: $i) { state } }"
VERIFY = """mutation($i: ID!, $o: DisputeOutcome!, $c: RecordCorrection) {
  verifyDispute(id: $i, outcome: $o, finding: "经核实", correction: $c) { state correctedRevision } }"""
APPLY = """mutation($r: ID!) { applyForRepair(input: {recordId: $r, commitment: "依法经营，按时整改"}) { id } }"""
DECIDE = """mutation($i: ID!) { decideRepair(id: $i, approve: true, reason: "已履行义务") { state } }"""


async def _record(gw: GatewayHarness, where: str) -> dict:
    """The first demo record matching ``where`` (SQL over credit_record r joined to subject s)."""
    query = f"""SELECT r.id, r.domain, r.document_number, r.decision_date, s.display_code FROM credit_record r
                JOIN subject s ON s.id = r.subject_id WHERE {where} ORDER BY r.id LIMIT 1"""
    async with gw.engine.connect() as conn:
        row = (await conn.execute(sa.text(query))).mappings().first()
    assert row is not None, where
    return dict(row)


async def _dispute(gw: GatewayHarness, record: dict, admin: str, outcome: str, correction: dict | None = None) -> None:
    """Filed and forwarded by the credit centre, verified by the record's department, as the README shows."""
    filed = await gw.graphql(DISPUTE, {"r": str(record["id"])}, key=admin)
    assert not filed.get("errors"), filed
    dispute_id = filed["data"]["fileDispute"]["id"]
    assert not (await gw.graphql(FORWARD, {"i": dispute_id}, key=admin)).get("errors")
    department = await gw.create_key("department", domain=record["domain"])
    verified = await gw.graphql(VERIFY, {"i": dispute_id, "o": outcome, "c": correction}, key=department)
    assert not verified.get("errors"), verified


async def test_seeding_again_keeps_what_workflows_did_to_demo_records(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url) as gw:
        if database_url:
            await gw.truncate()
        manager = gw.graph.composition.manager
        await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=80)
        gw.clock.travel_to(date(2026, 11, 2))  # the demo's records are dated up to 2026-11-01
        admin = await gw.create_key("admin")
        # A listing corrected in its document number, severity and date: its key moves away from the demo's.
        listing = await _record(gw, "r.category = 'MAJOR_TAX_VIOLATION'")
        renumbered = {"documentNumber": "榕税稽更〔2026〕1号", "severity": "GENERAL", "decisionDate": "2025-01-02"}
        await _dispute(gw, listing, admin, "CORRECTED", renumbered)
        # A rating corrected in its date: same key, a different record than the demo would submit.
        rating = await _record(gw, "r.category = 'TAX_CREDIT_RATING' AND r.decision_date < '2026-01-01'")
        redated = {"decisionDate": "2025-12-30", "decidingAuthority": "国家税务总局福州市鼓楼区税务局"}
        await _dispute(gw, rating, admin, "CORRECTED", redated)
        # A penalty of another domain revoked, and a record repaired by its subject.
        penalty = await _record(gw, "r.domain = 'urban_management' AND r.document_number IS NOT NULL")
        await _dispute(gw, penalty, admin, "REVOKED")
        repairable = await _record(
            gw,
            f"r.polarity = 'NEGATIVE' AND r.status = 'ACTIVE' AND r.repair_from <= '2026-11-02' "
            f"AND s.code_type = 'USCC' AND r.id NOT IN ({listing['id']}, {rating['id']}, {penalty['id']})",
        )
        subject_key = await gw.create_key("subject", subject=repairable["display_code"])
        applied = await gw.graphql(APPLY, {"r": str(repairable["id"])}, key=subject_key)
        assert not applied.get("errors"), applied
        department = await gw.create_key("department", domain=repairable["domain"])
        decided = await gw.graphql(DECIDE, {"i": applied["data"]["applyForRepair"]["id"]}, key=department)
        assert decided["data"]["decideRepair"]["state"] == "APPROVED", decided
        after_workflows = await _snapshot(gw)

        again = await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=80)

        assert again == 0
        assert await _snapshot(gw) == after_workflows  # nothing added, nothing undone
        async with gw.engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT id, document_number, severity, revision, status FROM credit_record WHERE id IN "
                        f"({listing['id']}, {rating['id']}, {penalty['id']}, {repairable['id']})")
            )  # fmt: skip
            held = {row.id: row for row in rows}
            old_number = await conn.execute(
                sa.text("SELECT count(*) FROM credit_record WHERE document_number = :n"),
                {"n": listing["document_number"]},
            )
            assert old_number.scalar_one() == 0  # the listing was not submitted again under its old number
        assert (held[listing["id"]].document_number, held[listing["id"]].severity) == ("榕税稽更〔2026〕1号", "GENERAL")
        assert held[listing["id"]].revision == held[rating["id"]].revision == 2
        assert held[penalty["id"]].status == "REVOKED"
        assert held[repairable["id"]].status == "REPAIRED"
