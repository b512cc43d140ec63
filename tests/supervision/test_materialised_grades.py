"""Materialised grades (supervision_grade) on SQLite and PostgreSQL: equal to the grades computed on request,
made stale by a record written, a revocation and a commitment breach, by a new rules version and by their
own expiry, the next draw using the new grade; Python and SQL draws agree; a draw's statements do not grow
with the population; ``credit-gateway supervision regrade`` recomputes in batches."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from gateway.db.engine import count_statements, create_engine
from gateway.db.tables import credit_record, subject
from gateway.features.supervision import drawing, sampling
from gateway.features.supervision.contributed import rules_for
from gateway.features.supervision.tables import supervision_grade, supervision_scope, supervision_watermark
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness
from testsupport.factories import VIOLATOR_CODE, tax_violation

DRAW = """mutation($d: String!, $n: Int!, $s: String!) {
  drawInspectionSample(domain: $d, kind: "检查", size: $n, seed: $s) {
    rulesVersion population sample { code grade } } }"""
GRADES = """query($c: [String!]!) { subjects(codes: $c) { code
  supervisionGrade { grade score rulesVersion domains { domain grade score } } } }"""
SUBMIT = (
    """mutation($v: [MajorTaxViolationInput!]!) { submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
)
DAY = dt.date(2025, 7, 1)


async def _draw(gw: GatewayHarness, key: str, domain: str, size: int | None = None, seed: str = "s") -> dict[str, Any]:
    if size is None:
        size = (await gw.graphql(DRAW, {"d": domain, "n": 1, "s": seed}, key=key))["data"]["drawInspectionSample"][
            "population"
        ]
    body = await gw.graphql(DRAW, {"d": domain, "n": size, "s": seed}, key=key)
    assert "errors" not in body, body
    return body["data"]["drawInspectionSample"]


async def _stored(gw: GatewayHarness) -> dict[int, Any]:
    async with gw.engine.connect() as conn:
        return {row.subject_id: row for row in await conn.execute(sa.select(supervision_grade))}


async def test_materialised_grades_equal_the_computed_ones_and_draws_agree(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=60)
    admin = await gw.create_key("admin")
    drawn = await _draw(gw, admin, "culture", 10)  # nothing precomputed: the draw computes what is missing
    assert len(drawn["sample"]) == 10
    stored = await _stored(gw)
    async with gw.engine.connect() as conn:
        codes = dict((await conn.execute(sa.select(subject.c.id, subject.c.display_code))).all())
        holders = set((await conn.execute(sa.select(credit_record.c.subject_id).distinct())).scalars())
    assert set(stored) == holders and all(not row.stale and row.grade for row in stored.values())
    version = rules_for(gw.graph.composition).version
    compared = 0
    all_codes = [s.code.value for s in demo_subjects(60)]
    for start in range(0, len(all_codes), 20):
        body = await gw.graphql(GRADES, {"c": all_codes[start : start + 20]}, key=admin)
        assert "errors" not in body, body
        for found in body["data"]["subjects"]:
            if found is None:
                continue
            row = next((r for sid, r in stored.items() if codes[sid] == found["code"]), None)
            if row is None:
                continue  # holds no records: not in any draw's population
            computed = found["supervisionGrade"]
            assert (row.grade, row.score, row.rules_version) == (computed["grade"], computed["score"], version)
            assert row.domains == {d["domain"]: [d["grade"], d["score"]] for d in computed["domains"]}
            assert row.next_change is None or row.next_change > row.as_of
            compared += 1
    assert compared == len(stored) > 20
    # The draw in SQL (PostgreSQL) and in Python pick the same sample from the same rows.
    ratios = rules_for(gw.graph.composition).ratios
    async with gw.engine.connect() as conn:
        found = drawing.population("culture", "350000")
        rows = [(int(r[0]), r[1]) for r in await conn.execute(sa.select(found).order_by(found.c.subject_id))]
        for seed_text in ("2026-11-30 第1号", "x"):
            in_sql = await drawing.draw(conn, seed_text, "culture", "350000", ratios, 15)
            assert in_sql == sampling.draw(seed_text, rows, ratios, 15) and len(in_sql) == 15


async def test_a_write_a_revocation_and_a_breach_change_the_next_draw(gw: GatewayHarness) -> None:
    gw.clock.travel_to(DAY)
    tax = await gw.create_key("department", domain="tax")
    admin = await gw.create_key("admin")
    body = await gw.graphql(SUBMIT, {"v": [tax_violation()]}, key=tax)
    record_id = body["data"]["submitMajorTaxViolations"]["records"][0]["recordId"]
    violator = await gw.create_key("subject", subject=VIOLATOR_CODE)

    async def violators_grade() -> str:
        [drawn] = (await _draw(gw, admin, "tax"))["sample"]
        return drawn["grade"]

    assert await violators_grade() == "D"  # the black list
    # A revocation (dispute upheld as REVOKED): the record is no fact any more; 80 is B.
    filed = await gw.graphql(
        'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "不是本单位"}) { id } }',
        {"r": record_id},
        key=violator,
    )
    dispute_id = filed["data"]["fileDispute"]["id"]
    await gw.graphql("mutation($i: ID!) { forwardDispute(id: $i) { id } }", {"i": dispute_id}, key=admin)
    verified = await gw.graphql(
        'mutation($i: ID!) { verifyDispute(id: $i, outcome: REVOKED, finding: "核实") { state } }',
        {"i": dispute_id},
        key=tax,
    )
    assert "errors" not in verified, verified
    assert await violators_grade() == "B"
    # A broken commitment: a negative record of the domain (-15): 65 is C.
    made = await gw.graphql(
        """mutation($i: MakeCommitmentInput!) { makeCommitment(input: $i) { id } }""",
        {
            "i": {
                "domain": "tax",
                "commitmentType": "IN_PLACE_OF_CERTIFICATE",
                "content": "Our tax filings are complete and true.",
                "liability": "Listed as dishonest.",
                "validUntil": "2026-12-31",
                "disclosure": "PUBLIC",
            }
        },
        key=violator,
    )
    assert "errors" not in made, made
    breach = "mutation($id: ID!) { breachCommitment(id: $id) { state } }"
    breached = await gw.graphql(breach, {"id": made["data"]["makeCommitment"]["id"]}, key=tax)
    assert breached["data"]["breachCommitment"]["state"] == "BREACHED", breached
    assert await violators_grade() == "C"
    # A record written (a submission): listed again, D.
    again = await gw.graphql(SUBMIT, {"v": [tax_violation(documentNumber="榕税稽罚〔2025〕8号")]}, key=tax)
    assert "errors" not in again, again
    assert await violators_grade() == "D"
    [row] = (await _stored(gw)).values()
    # The grade changes by itself the day after the first publication window of its facts ends.
    async with gw.engine.connect() as conn:
        in_force = sa.select(credit_record.c.published_until).where(credit_record.c.status == "ACTIVE")
        windows = (await conn.execute(in_force)).scalars().all()
    assert row.as_of == DAY and row.next_change == min(d for d in windows if d) + dt.timedelta(days=1)


async def test_a_new_rules_version_and_an_expired_grade_are_recomputed(gw: GatewayHarness) -> None:
    gw.clock.travel_to(DAY)
    tax = await gw.create_key("department", domain="tax")
    admin = await gw.create_key("admin")
    await gw.graphql(SUBMIT, {"v": [tax_violation()]}, key=tax)
    assert (await _draw(gw, admin, "tax"))["sample"][0]["grade"] == "D"
    async with gw.engine.begin() as conn:  # as if the rules had been others, and the grade wrong
        await conn.execute(supervision_watermark.update().values(rules_version="2025.9"))
        await conn.execute(supervision_grade.update().values(grade="A", score=100, rules_version="2025.9"))
    assert (await _draw(gw, admin, "tax"))["sample"][0]["grade"] == "D"
    [row] = (await _stored(gw)).values()
    assert row.rules_version == rules_for(gw.graph.composition).version
    async with gw.engine.begin() as conn:  # its own expiry has come: recomputed without any write
        await conn.execute(supervision_grade.update().values(grade="A", next_change=DAY))
    assert (await _draw(gw, admin, "tax"))["sample"][0]["grade"] == "D"
    async with gw.engine.begin() as conn:  # neither stale nor expired: the stored grade is what is drawn
        await conn.execute(supervision_scope.update().values(grade="A"))
    assert (await _draw(gw, admin, "tax"))["sample"][0]["grade"] == "A"


def _drawing_statements(statements: list[str]) -> int:
    noise = ("api_client", "query_record", "pg_advisory_xact_lock")
    return sum(1 for q in statements if not any(w in q for w in noise) and not q.startswith("BEGIN"))


async def test_a_draw_costs_the_same_statements_whatever_the_population(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    counts, populations = [], []
    for subjects in (20, 120):
        await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=subjects)
        await _draw(gw, admin, "culture", 5)  # brings the grades up to date
        with count_statements(gw.engine) as counter:
            drawn = await _draw(gw, admin, "culture", 5, seed="again")
        counts.append(_drawing_statements(counter.statements))
        populations.append(drawn["population"])
    assert populations[1] > 3 * populations[0] and counts[0] == counts[1], counts


def test_regrade_recomputes_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command is the same on PostgreSQL: it runs once, on a scratch SQLite database.
    from gateway.cli.main import app
    from gateway.kernel.settings import Settings
    from gateway.server.app import compose_plugins

    for name in [n for n in __import__("os").environ if n.startswith("CREDIT_GATEWAY_")]:
        monkeypatch.delenv(name)
    url = f"sqlite+aiosqlite:///{tmp_path / 'regrade.sqlite3'}"
    monkeypatch.setenv("CREDIT_GATEWAY_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    async def seeded() -> int:
        engine = create_engine(url)
        try:
            await seed(engine, compose_plugins(Settings(database_url=url)).manager, secret_key="k" * 32, subjects=40)
            async with engine.connect() as conn:
                query = sa.select(sa.func.count(sa.distinct(credit_record.c.subject_id)))
                return int((await conn.execute(query)).scalar_one())
        finally:
            await engine.dispose()

    holders = asyncio.run(seeded())
    first = runner.invoke(app, ["supervision", "regrade"])
    assert first.exit_code == 0, first.output
    assert f"recomputed {holders} grades" in first.output
    assert "recomputed 0 grades" in runner.invoke(app, ["supervision", "regrade"]).output
    assert f"recomputed {holders} grades" in runner.invoke(app, ["supervision", "regrade", "--all"]).output


@pytest.fixture
async def pg_gw(postgres_url: str) -> AsyncIterator[GatewayHarness]:
    """PostgreSQL only: SQLite writes one transaction at a time, so nothing there runs at once."""
    async with GatewayHarness.start(database_url=postgres_url) as harness:
        await harness.truncate()
        harness.clock.travel_to(china_today())
        yield harness


async def test_two_draws_at_once_on_nothing_precomputed_grade_each_subject_once(pg_gw: GatewayHarness) -> None:
    gw = pg_gw
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=40)
    admin = await gw.create_key("admin")
    variables = {"d": "culture", "n": 5, "s": "at once"}
    first, second = await asyncio.gather(*(gw.graphql(DRAW, variables, key=admin) for _ in range(2)))
    assert "errors" not in first and "errors" not in second, (first, second)
    assert first["data"]["drawInspectionSample"]["sample"] == second["data"]["drawInspectionSample"]["sample"]
    async with gw.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(supervision_scope.c.subject_id, supervision_scope.c.domain, supervision_scope.c.division_code)
            )
        ).all()
    assert len(rows) == len(set(rows)) > 0  # no subject's rows written twice
