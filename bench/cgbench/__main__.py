"""The benchmark run: ``python -m cgbench [--quick]`` (bench/run installs what this needs first)."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from cgbench import config, dataset, export, federation, ingest, profile, report, runner, scale, servers, varied
from cgbench.capture import capture
from cgbench.check import Side, check
from cgbench.config import DATA_DIR, REPO_DIR, RESULTS_DIR
from cgbench.util import log
from cgbench.workloads import http_workloads

STEPS = ("load", "varied", "profile", "federation", "ingest", "scale")
# Steps that need the HTTP servers (the subgraphs and the peer gateways).
HTTP_STEPS = {"load", "varied", "profile", "federation"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="under 5 minutes: smaller W4/W5, shorter loads")
    parser.add_argument("--skip", default="", help=f"comma-separated steps to leave out: {', '.join(STEPS)}")
    parser.add_argument("--only", default="", help="comma-separated steps to run, the others left out")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    only = {s for s in args.only.split(",") if s}
    if unknown := (skip | only) - set(STEPS):
        parser.error(f"unknown steps: {', '.join(sorted(unknown))} (steps: {', '.join(STEPS)})")
    if only:
        skip |= set(STEPS) - only
    cfg = config.make_config(args.quick)
    results = asyncio.run(run(cfg, skip))
    stamp = results["date"].replace(" ", "T").replace(":", "")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{stamp}-{'quick' if cfg.quick else 'full'}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    latest = RESULTS_DIR / ("latest.json" if not cfg.quick else "latest-quick.json")
    shutil.copyfile(path, latest)
    section = report.render(results)
    # A quick run never replaces the full run's table in BENCHMARKS.md.
    target = REPO_DIR / "BENCHMARKS.md" if not cfg.quick and not skip else RESULTS_DIR / "BENCHMARKS-partial.md"
    report.write_benchmarks(target, section)
    print(section)
    log(f"results: {path}; tables: {target}")


async def run(cfg: config.Config, skip: set[str]) -> dict[str, Any]:
    logs = RESULTS_DIR / "logs"
    if cfg.quick:
        log(
            f"quick run: W4 imports {cfg.import_rows:,} rows (full: 100,000); W5's large database has "
            f"{cfg.large_subjects + 1_000:,} subjects (full: 1,000,000); loads of {cfg.duration_seconds} s"
        )
    small = await dataset.ensure(cfg, cfg.small_db, cfg.small_subjects)
    log(f"{small.database}: {small.subjects:,} subjects, {small.records:,} records")
    workloads = http_workloads(small.profile_codes[0], small.ordinary_codes[:100])
    results: dict[str, Any] = {
        "date": report.now(),
        "config": {k: v for k, v in asdict(cfg).items() if k != "ports"},
        "machine": report.machine(),
        "versions": report.versions(await _pg_version()),
        "datasets": {small.database: {"subjects": small.subjects, "records": small.records}},
        "workload_titles": {w.key: w.title for w in workloads},
        "operations": {w.key: w.query.strip() for w in workloads},
        "workloads": {},
        "response_bytes": {},
    }
    if HTTP_STEPS - skip:
        await _http_workloads(cfg, small, workloads, logs, skip, results)
    if "ingest" not in skip:
        results["ingest"] = [asdict(r) for r in await ingest.run(cfg)]
    if "scale" not in skip:
        large = await dataset.ensure(cfg, cfg.large_db, cfg.large_subjects)
        log(f"{large.database}: {large.subjects:,} subjects, {large.records:,} records")
        results["datasets"][large.database] = {"subjects": large.subjects, "records": large.records}
        runs = scale.run(cfg, small, large, logs, DATA_DIR / "bodies")
        results["scale_runs"] = [asdict(r) for r in runs]
        results["scale"] = scale.summarise(runs)
        s, lg = results["scale"][small.database], results["scale"][large.database]
        p50, p99 = lg["p50_ms"] / s["p50_ms"], lg["p99_ms"] / s["p99_ms"]
        results["scale_ratio"] = {"p50": p50, "p99": p99, "met": p50 <= 1.3 and p99 <= 1.3}
    return results


async def _http_workloads(
    cfg: config.Config,
    small: dataset.Dataset,
    workloads: list[Any],
    logs: Path,
    skip: set[str],
    results: dict[str, Any],
) -> None:
    export_dir = await _export(cfg, small)
    supergraph = servers.compose(cfg, DATA_DIR / "supergraph.graphql")
    graphs = servers.subgraphs(cfg, export_dir, logs)
    apollo, hive = servers.apollo(cfg, supergraph, logs), servers.hive(cfg, supergraph, logs)
    everything = [*graphs, apollo, hive]
    sides = [Side("apollo", "Apollo Gateway", cfg.ports.apollo), Side("hive", "Hive Gateway", cfg.ports.hive)]
    # W1–W3 (load, varied, profile) need ours and the floor; W6 alone needs only the subgraphs and the peers.
    local = not {"load", "varied", "profile"} <= skip
    if local:
        captured = DATA_DIR / f"capture-{small.database}.json"
        await capture(small, workloads, captured)
        ours = servers.ours(cfg, small.url, logs)
        floor = servers.floor(cfg, captured, cfg.pg_dsn(small.database), logs)
        everything += [ours, floor]
        sides = [Side("ours", "credit-gateway", cfg.ports.ours), *sides,
                 Side("floor", "floor", cfg.ports.floor, floor=True)]  # fmt: skip
    try:
        # The product is under development beside this run: a migration may have landed meanwhile.
        dataset.migrate(cfg, small.database)
        servers.start_all(everything)
        subgraph_pids = [g.pid for g in graphs]
        results["response_bytes"] = check(sides, workloads)
        log("every side answers every workload with the same data")
        processes = {"apollo": [apollo.pid, *subgraph_pids], "hive": [hive.pid, *subgraph_pids]}
        bodies = DATA_DIR / "bodies"
        if local:
            processes |= {"ours": [ours.pid], "floor": [floor.pid]}
        if "load" not in skip:
            runs = runner.run_workloads(cfg, sides, processes, small.database, workloads, bodies)
            results["runs"] = [asdict(r) for r in runs]
            results["workloads"] = runner.summarise(runs)
            results["ratios"] = report.ratios(results)
        if "varied" not in skip:
            results["varied"] = varied.run(cfg, small, [s for s in sides if not s.floor], processes, bodies)
        if "profile" not in skip:
            seconds = 3 if cfg.quick else 15
            results["profiles"] = [
                asdict(
                    profile.record(
                        ours.pid,
                        sides[0].url(w),
                        bodies / f"{w.key}.json",
                        cfg.connections,
                        seconds,
                        RESULTS_DIR / f"profile-{w.key}.speedscope.json",
                        w.key,
                    )
                )
                for w in workloads[:2]
            ]
        if "federation" not in skip:
            results["federation"] = federation.run(
                cfg, small.url, small.database, supergraph, subgraph_pids, processes, workloads, logs, bodies
            )
    finally:
        servers.stop_all(everything)


async def _export(cfg: config.Config, small: dataset.Dataset) -> Path:
    """The peers' data, exported again when the database or the day changed (lists depend on today)."""
    out = DATA_DIR / "export" / small.database
    marker = out / "marker.json"
    # "format": the export's shape, raised when it changes (3: culture profiles carry blackListedElsewhere).
    wanted = {"database": await _database_comment(cfg, small.database), "day": date.today().isoformat(), "format": 3}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return out
    await export.export(cfg, small, out)
    marker.write_text(json.dumps(wanted))
    return out


async def _database_comment(cfg: config.Config, database: str) -> str:
    conn = await asyncpg.connect(config.PG_ADMIN_DSN)
    try:
        return await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", database
        )
    finally:
        await conn.close()


async def _pg_version() -> str:
    conn = await asyncpg.connect(config.PG_ADMIN_DSN)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
