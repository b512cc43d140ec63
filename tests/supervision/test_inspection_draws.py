"""``drawInspectionSample``, ``inspectionDraws`` and ``inspectionDraw`` over HTTP, on SQLite and PostgreSQL:
reproducible draws over the demo data, the log as published, refusals, and department scoping."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.auth.keys import create_client
from gateway.auth.principal import Role
from gateway.db.tables import credit_record, subject
from gateway.features.supervision.tables import inspection_draw
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.limits import MAX_INSPECTION_SAMPLE
from gateway.testing import GatewayHarness, error_codes

DRAW = """mutation($d: String!, $v: String, $k: String!, $n: Int!, $s: String!) {
  drawInspectionSample(domain: $d, division: $v, kind: $k, size: $n, seed: $s) {
    id domain division kind size seed asOf rulesVersion population drawnBy
    shares { grade ratio subjects } sample { code name grade } } }"""
PUBLIC_DRAWS = """query($f: Int, $a: String) { inspectionDraws(first: $f, after: $a) {
  edges { cursor node { id domain kind seed size population shares { grade ratio subjects } sample { code name } } }
  pageInfo { hasNextPage endCursor } } }"""
ONE = "query($i: ID!) { inspectionDraw(id: $i) { id seed sample { code name grade } } }"
FUZHOU = "350100"


def _inputs(**overrides: Any) -> dict[str, Any]:
    return {"d": "culture", "v": None, "k": "文化市场经营场所检查", "n": 10, "s": "2026-11-30 第1号", **overrides}


async def _draw(gw: GatewayHarness, key: str, **overrides: Any) -> dict[str, Any]:
    body = await gw.graphql(DRAW, _inputs(**overrides), key=key)
    assert "errors" not in body, body
    return body["data"]["drawInspectionSample"]


async def _seeded(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)


async def _holders(gw: GatewayHarness, domain: str, prefix: str = "") -> int:
    query = sa.select(sa.func.count(sa.distinct(credit_record.c.subject_id))).where(
        credit_record.c.domain == domain, credit_record.c.division_code.startswith(prefix)
    )
    async with gw.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_the_same_inputs_seed_and_data_draw_the_same_sample(gw: GatewayHarness) -> None:
    await _seeded(gw)
    admin = await gw.create_key("admin")
    first = await _draw(gw, admin)
    again = await _draw(gw, admin)
    assert first["sample"] == again["sample"] and first["id"] != again["id"]  # logged twice, drawn alike
    assert len(first["sample"]) == 10 and len({s["code"] for s in first["sample"]}) == 10
    assert first["population"] == await _holders(gw, "culture") > 10
    shares = {s["grade"]: (s["ratio"], s["subjects"]) for s in first["shares"]}
    assert {g: r for g, (r, _) in shares.items()} == {"A": 0.03, "B": 0.05, "C": 0.1, "D": 0.3}
    assert sum(n for _, n in shares.values()) == first["population"]
    other = await _draw(gw, admin, s="2026-11-30 第2号")
    assert other["sample"] != first["sample"]
    assert first["rulesVersion"].startswith("2026.1+") and first["drawnBy"].startswith("admin:")


async def test_draws_are_published_and_shown_as_made(gw: GatewayHarness) -> None:
    await _seeded(gw)
    admin = await gw.create_key("admin")
    drawn = [await _draw(gw, admin, s=f"seed-{n}", n=3) for n in range(3)]
    body = await gw.graphql(PUBLIC_DRAWS, {"f": 2})  # no key: 一公开
    assert "errors" not in body, body
    page = body["data"]["inspectionDraws"]
    assert [e["node"]["seed"] for e in page["edges"]] == ["seed-2", "seed-1"] and page["pageInfo"]["hasNextPage"]
    rest = await gw.graphql(PUBLIC_DRAWS, {"f": 2, "a": page["pageInfo"]["endCursor"]})
    assert [e["node"]["seed"] for e in rest["data"]["inspectionDraws"]["edges"]] == ["seed-0"]
    newest = page["edges"][0]["node"]
    assert [s["code"] for s in newest["sample"]] == [s["code"] for s in drawn[2]["sample"]]
    # The public is not shown the grades of the subjects drawn, nor who drew.
    hidden = await gw.graphql("{ inspectionDraws { edges { node { sample { grade } } } } }")
    assert error_codes(hidden) == ["GRAPHQL_VALIDATION_FAILED"]
    assert error_codes(await gw.graphql("{ inspectionDraws { edges { node { drawnBy } } } }")) == [
        "GRAPHQL_VALIDATION_FAILED"
    ]
    shown = await gw.graphql(ONE, {"i": drawn[1]["id"]}, key=admin)
    assert shown["data"]["inspectionDraw"]["sample"] == drawn[1]["sample"]
    async with gw.engine.connect() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(inspection_draw))).scalar_one()
    assert count == 3  # showing a draw draws nothing
    assert error_codes(await gw.graphql(ONE, {"i": "999999"}, key=admin)) == ["NOT_FOUND"]


async def test_a_natural_persons_name_and_full_id_are_never_published(gw: GatewayHarness) -> None:
    await _seeded(gw)
    async with gw.engine.connect() as conn:
        people = (await conn.execute(sa.select(subject).where(subject.c.code_type == "RESIDENT_ID"))).all()
    admin = await gw.create_key("admin")
    # Draw everyone of every domain: whoever is a person shows a masked code and no name.
    published = []
    for domain in ("culture", "tax", "construction", "urban_management"):
        size = await _holders(gw, domain)
        published += (await _draw(gw, admin, d=domain, n=min(size, MAX_INSPECTION_SAMPLE)))["sample"]
    masked = {p.display_code for p in people}
    drawn_people = [s for s in published if s["code"] in masked]
    assert drawn_people and all(s["name"] is None for s in drawn_people)
    assert not {p.name for p in people} & {s["name"] for s in published}
    assert all("*" in code for code in masked)  # what is published for a person is masked
    full = {d.code.value for d in demo_subjects(150) if d.code.is_natural_person}
    assert full and not full & {s["code"] for s in published}


async def test_refusals(gw: GatewayHarness) -> None:
    await _seeded(gw)
    admin = await gw.create_key("admin")
    population = await _holders(gw, "culture")
    body = await gw.graphql(DRAW, _inputs(n=population + 1), key=admin)
    assert error_codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["population"] == population
    assert error_codes(await gw.graphql(DRAW, _inputs(n=MAX_INSPECTION_SAMPLE + 1), key=admin)) == ["LIMIT_EXCEEDED"]
    assert error_codes(await gw.graphql(DRAW, _inputs(n=0), key=admin)) == ["BAD_USER_INPUT"]
    assert error_codes(await gw.graphql(DRAW, _inputs(s="   "), key=admin)) == ["BAD_USER_INPUT"]
    assert error_codes(await gw.graphql(DRAW, _inputs(d="nowhere"), key=admin)) == ["BAD_USER_INPUT"]
    assert error_codes(await gw.graphql(DRAW, _inputs(v="999999"), key=admin)) == ["INVALID_DIVISION"]
    # Not for the public, portals, partners or subjects: the mutation is not in their schemas.
    assert error_codes(await gw.graphql(DRAW, _inputs())) == ["GRAPHQL_VALIDATION_FAILED"]
    portal = await gw.create_key("portal")
    assert error_codes(await gw.graphql(DRAW, _inputs(), key=portal)) == ["GRAPHQL_VALIDATION_FAILED"]
    async with gw.engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(inspection_draw))).scalar_one() == 0


async def test_departments_draw_for_their_own_domain_and_division(gw: GatewayHarness) -> None:
    await _seeded(gw)
    culture = await gw.create_key("department", domain="culture")
    assert (await _draw(gw, culture, n=5))["domain"] == "culture"
    assert error_codes(await gw.graphql(DRAW, _inputs(d="tax"), key=culture)) == ["FORBIDDEN"]
    _, fuzhou = await create_client(
        gw.engine, name="福州市住建局", role=Role.DEPARTMENT, domain="construction", division_code=FUZHOU
    )
    local = await _holders(gw, "construction", "3501")
    assert 0 < local < await _holders(gw, "construction")
    drawn = await _draw(gw, fuzhou, d="construction", n=min(local, 5))  # no division: the key's own
    assert drawn["division"] == FUZHOU and drawn["population"] == local
    refused = await gw.graphql(DRAW, _inputs(d="construction", v="350000", n=1), key=fuzhou)
    assert error_codes(refused) == ["FORBIDDEN"]  # the province is above the key's city
    too_many = await gw.graphql(DRAW, _inputs(d="construction", n=local + 1), key=fuzhou)
    assert error_codes(too_many) == ["BAD_USER_INPUT"]  # the province's subjects are not the city's population
