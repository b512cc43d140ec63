"""Benchmark (not a test): ``drawInspectionSample`` over 1,000,000 subjects with materialised grades, on PostgreSQL.

Creates a scratch database beside ``--database-url`` (dropped afterwards unless ``--keep``), migrates it,
bulk-loads (asyncpg COPY) ``--subjects`` subjects, each holding records of ``culture`` (every one) and of
``tax`` (three in ten) in a Fujian division, with fresh materialised grades (supervision_grade;
supervision_scope by domain and division; supervision_watermark at today and the rules in force), then runs
the mutation through the real ASGI app as the admin, ``--repeat`` times per scope, and prints the timings
(every run included: the grades are fresh, so no draw recomputes any).

    python bench/supervision_draw.py [--subjects 1000000] [--size 1000] [--repeat 5]

Speed is never asserted in tests; this prints figures for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
import uuid

import asyncpg
from gateway.features.supervision.contributed import rules_for
from gateway.features.supervision.materialised import division_levels
from gateway.kernel.clock import today
from gateway.testing import GatewayHarness
from sqlalchemy.engine import make_url

DIVISIONS = ("350102", "350103", "350104", "350105", "350111", "350121", "350203", "350206", "350302", "350402")
GRADES = (("A", 0.2), ("B", 0.5), ("C", 0.2), ("D", 0.1))
SCORES = {"A": 92, "B": 80, "C": 60, "D": 40}
DRAW = """mutation($d: String!, $v: String, $n: Int!, $s: String!) {
  drawInspectionSample(domain: $d, division: $v, kind: "双随机抽查", size: $n, seed: $s) {
    population sample { code } } }"""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _fill(url: str, subjects: int, rules_version: str, day: dt.date) -> None:
    rng = random.Random(20261130)
    now = dt.datetime.now(dt.UTC)
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.copy_records_to_table(
            "subject",
            columns=["id", "lookup_hash", "code_type", "display_code", "name", "kind", "created_at"],
            records=(
                (i, f"{i:064x}", "USCC", f"9135{i:014d}", f"主体{i}", "LEGAL_PERSON", now)
                for i in range(1, subjects + 1)
            ),
        )
        grades = rng.choices([g for g, _ in GRADES], [w for _, w in GRADES], k=subjects)
        await conn.copy_records_to_table(
            "supervision_grade",
            columns=[
                "subject_id",
                "grade",
                "score",
                "domains",
                "rules_version",
                "as_of",
                "computed_at",
                "next_change",
                "stale",
            ],
            records=(
                (
                    i,
                    g,
                    SCORES[g],
                    f'{{"culture": ["{g}", {SCORES[g]}]}}',
                    rules_version,
                    day,
                    now,
                    dt.date(day.year + 1, 1, 1),
                    False,
                )
                for i, g in zip(range(1, subjects + 1), grades, strict=True)
            ),
        )
        # Each subject's row of a domain (division "*": what a draw everywhere reads) and its division's rows
        # (province, city, county: what a draw in a division reads), as the refresh writes them.
        scope = []
        for i, g in zip(range(1, subjects + 1), grades, strict=True):
            held = [("culture", DIVISIONS[i % len(DIVISIONS)])]
            if i % 10 < 3:
                held.append(("tax", DIVISIONS[(i * 7) % len(DIVISIONS)]))
            scope += [(i, domain, code, g) for domain, division in held for code in ("*", *division_levels(division))]
        await conn.copy_records_to_table(
            "supervision_scope", columns=["subject_id", "domain", "division_code", "grade"], records=scope
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('subject', 'id'), $1)", subjects)
        await conn.execute(
            "INSERT INTO supervision_watermark (id, rules_version, last_record_id, last_transition_id, as_of)"
            " VALUES (1, $1, 0, 0, $2)",
            rules_version,
            day,
        )
        await conn.execute("VACUUM ANALYZE")  # what autovacuum does in time: index-only scans need it
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()
    base = make_url(args.database_url)
    name = f"cg_bench_supervision_{uuid.uuid4().hex[:8]}"
    admin_dsn = _dsn(args.database_url)
    server = await asyncpg.connect(admin_dsn)
    await server.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        async with GatewayHarness.start(database_url=url) as gw:
            day = today()
            version = rules_for(gw.graph.composition).version
            started = time.perf_counter()
            await _fill(url, args.subjects, version, day)
            print(
                f"filled {args.subjects:,} subjects with materialised grades in {time.perf_counter() - started:.1f} s"
            )
            key = await gw.create_key("admin")
            for domain, division in (("culture", None), ("culture", "350100"), ("culture", "350102"), ("tax", None)):
                timings, population = [], 0
                for n in range(args.repeat):
                    variables = {"d": domain, "v": division, "n": args.size, "s": f"bench-{n}"}
                    started = time.perf_counter()
                    body = await gw.graphql(DRAW, variables, key=key)
                    timings.append(time.perf_counter() - started)
                    assert "errors" not in body, body
                    population = body["data"]["drawInspectionSample"]["population"]
                    assert len(body["data"]["drawInspectionSample"]["sample"]) == args.size
                print(
                    f"draw {args.size} of {population:,} ({domain}, {division or 'everywhere'}): "
                    f"median {statistics.median(timings):.3f} s, min {min(timings):.3f} s, max {max(timings):.3f} s "
                    f"over {args.repeat} runs"
                )
    finally:
        if not args.keep:
            await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()


if __name__ == "__main__":
    asyncio.run(main())
