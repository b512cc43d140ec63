"""The machine, the versions, and the tables of BENCHMARKS.md.

Only the part of BENCHMARKS.md between the ``bench:results`` markers is generated; the prose around
it (method, analysis) is kept as written.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cgbench.config import PEERS_DIR, REPO_DIR
from cgbench.loadgen import wrk_version

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
SIDES = {"ours": "credit-gateway", "apollo": "Apollo Gateway", "hive": "Hive Gateway", "floor": "floor (no GraphQL)"}
PYTHON_PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "SQLAlchemy", "asyncpg", "orjson")
NODE_PACKAGES = ("@apollo/gateway", "@apollo/server", "@apollo/subgraph", "@apollo/composition",
                 "@graphql-hive/gateway", "graphql")  # fmt: skip


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])  # type: ignore[index]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
    }


def versions(pg_version: str) -> dict[str, str]:
    found = {"python": platform.python_version(), "node": _run(["node", "--version"]), "postgresql": pg_version,
             "wrk": wrk_version(), "credit-gateway": _product_version()}  # fmt: skip
    for name in PYTHON_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    for name in NODE_PACKAGES:
        manifest = PEERS_DIR / "node_modules" / name / "package.json"
        found[name] = json.loads(manifest.read_text())["version"] if manifest.exists() else "missing"
    for name in ("uvloop", "httptools"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _product_version() -> str:
    commit = _run(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"])
    dirty = _run(["git", "-C", str(REPO_DIR), "status", "--porcelain", "--", "gateway", "plugins", "pyproject.toml"])
    return f"{metadata.version('credit-gateway')} @ {commit}{' + uncommitted changes' if dirty else ''}"


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "missing"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- Markdown ---------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    """The generated section of BENCHMARKS.md."""
    out = [START, ""]
    m, v, cfg = results["machine"], results["versions"], results["config"]
    mode = "quick run (`bench/run --quick`): smaller W4/W5, shorter loads" if cfg["quick"] else "full run (`bench/run`)"
    out += [
        f"**{results['date']}**, {mode}. Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"Linux {m['kernel']}. Load: wrk, {cfg['connections']} connections, one thread, "
        f"{cfg['warmup_seconds']} s warm-up then {cfg['duration_seconds']} s measured, "
        f"{cfg['repetitions']} repetitions alternating the sides (ours, Apollo, Hive, floor, ours, …); "
        "figures are the median of the repetitions (peak RSS and PSS: the maximum).",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
    ]
    for key, title in results["workload_titles"].items():
        sides = results["workloads"].get(key)
        if not sides:
            continue
        out += [f"### {title}", "", _side_table(sides, results["response_bytes"].get(key, {})), ""]
    if results.get("ratios"):
        out += ["### Ratios (ours / peer) and targets", "", _ratio_table(results), ""]
    if results.get("varied"):
        out += [*_varied_section(results), ""]
    if results.get("federation"):
        out += [*_federation_section(results), ""]
    if results.get("ingest"):
        out += ["### W4 ingestion (`credit-gateway import`, tax ratings CSV)", "", _ingest_table(results), ""]
    if results.get("scale"):
        out += ["### W5 scale (profile latency, one request at a time)", "", _scale_table(results), ""]
    for summary in results.get("profiles", []):
        out += [_profile_section(summary), ""]
    out.append(END)
    return "\n".join(out)


def _side_table(sides: dict[str, Any], sizes: dict[str, int], labels: dict[str, str] = SIDES) -> str:
    rows = [
        "| side | req/s (min–max) | p50 ms | p99 ms | CPU ms/req (server) | CPU ms/req (PostgreSQL) | peak RSS MB | "
        "peak PSS MB | response bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in labels.items():
        s = sides.get(key)
        if s is None:
            continue
        low, high = s["throughput_spread"]
        database = f"{s['database_cpu_ms_per_request']:.2f}" if key in ("ours", "floor") else "–"
        size = f"{sizes[key]:,}" if key in sizes else "–"  # bodies that differ have no one size
        rows.append(
            f"| {label} | {s['throughput']:,.0f} ({low:,.0f}–{high:,.0f}) | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | "
            f"{s['server_cpu_ms_per_request']:.2f} | {database} | {s['peak_rss_mb']:.0f} | "
            f"{s.get('peak_pss_mb', 0.0):.0f} | {size} |"
        )
    return "\n".join(rows)


# W6: the same columns; ours is the federation gateway (`serve --supergraph`), not the local graph.
FEDERATION_SIDES = {
    "ours": "credit-gateway (`serve --supergraph`)",
    "apollo": "Apollo Gateway",
    "hive": "Hive Gateway",
    "ours_unshared": "credit-gateway, `CREDIT_GATEWAY_SUBGRAPH_DEDUPLICATION=false` (separate row)",
}


def _federation_section(results: dict[str, Any]) -> list[str]:
    """W6: per operation of W1–W3, the three gateways over the same subgraphs, or why it was not measured."""
    w6 = results["federation"]
    out: list[str] = []
    if w6.get("not_started"):
        return ["### W6 gateway to gateway", "", f"Not measured: ours did not start: {w6['not_started']}"]
    for key, title in results["workload_titles"].items():
        check = w6["checks"].get(key, {})
        out += [f"### W6 gateway to gateway: {title}", ""]
        if not check.get("same"):
            out += [f"Not measured: {check.get('mismatch', 'not checked')}", ""]
        elif key in w6["workloads"]:
            sizes = w6["response_bytes"].get(key, {})
            out += [_side_table(w6["workloads"][key], sizes, FEDERATION_SIDES), ""]
    if w6.get("load_failed"):
        out += [f"Load failed: {w6['load_failed']}", ""]
    if w6.get("ratios"):
        rows = ["| workload | req/s ours/Apollo | req/s ours/Hive | p99 ours/Apollo | p99 ours/Hive | target | met |",
                "| --- | ---: | ---: | ---: | ---: | --- | --- |"]  # fmt: skip
        for key, r in w6["ratios"].items():
            rows.append(
                f"| W6 {key.upper()} | {r['throughput_vs_apollo']:.2f} | {r['throughput_vs_hive']:.2f} | "
                f"{r['p99_vs_apollo']:.2f} | {r['p99_vs_hive']:.2f} | {w6['target']} | "
                f"{'yes' if r['met'] else '**no**'} |"
            )
        out += ["### W6 ratios (ours / peer) and target", "", "\n".join(rows)]
        unshared = [(k, r) for k, r in w6["ratios"].items() if "unshared_throughput_vs_hive" in r]
        if unshared:
            rows = ["| workload | req/s ours/Hive | p99 ours/Hive |", "| --- | ---: | ---: |"]
            rows += [
                f"| W6 {k.upper()} | {r['unshared_throughput_vs_hive']:.2f} | {r['unshared_p99_vs_hive']:.2f} |"
                for k, r in unshared
            ]
            title = "### W6, separate row: ours with the deduplication of identical subgraph queries off"
            out += ["", title, "", "\n".join(rows)]
    return out


def _varied_section(results: dict[str, Any]) -> list[str]:
    """W1 and W2 with every request different (cgbench.varied): a separate table, ours against the peers."""
    varied = results["varied"]
    out: list[str] = []
    for key, sides in varied["workloads"].items():
        title = results["workload_titles"].get(key, key)
        out += [f"### Every request different (separate table): {title}, {varied['bodies'][key]:,} bodies in turn", ""]
        out += [_side_table(sides, {}), ""]
    rows = ["| workload | req/s ours/Apollo | req/s ours/Hive | p99 ours/Apollo | p99 ours/Hive |",
            "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
    rows += [
        f"| {key.upper()}, every request different | {r['throughput_vs_apollo']:.2f} | {r['throughput_vs_hive']:.2f} | "
        f"{r['p99_vs_apollo']:.2f} | {r['p99_vs_hive']:.2f} |"
        for key, r in varied["ratios"].items()
    ]
    return [*out, "### Every request different: ratios (ours / peer)", "", "\n".join(rows)]


def peer_ratios(sides: dict[str, Any]) -> dict[str, float]:
    """Throughput and p99 of ours over each other side measured (``throughput_vs_hive`` …)."""
    ours = sides["ours"]
    found: dict[str, float] = {}
    for other in ("apollo", "hive", "floor"):
        if other in sides:
            found[f"throughput_vs_{other}"] = ours["throughput"] / sides[other]["throughput"]
            found[f"p99_vs_{other}"] = ours["p99_ms"] / sides[other]["p99_ms"]
    return found


def ratios(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Throughput and p99 of ours over each other side, and whether the issue's targets are met."""
    out: dict[str, dict[str, Any]] = {}
    for key, sides in results["workloads"].items():
        ours = sides["ours"]
        entry: dict[str, Any] = peer_ratios(sides)
        fastest = max(sides[p]["throughput"] for p in ("apollo", "hive") if p in sides)
        entry["throughput_vs_faster_peer"] = ours["throughput"] / fastest
        # The read-path issue's milestone for W1–W3 (its aim is 2×).
        met = entry["throughput_vs_faster_peer"] >= 1.0
        met = met and all(ours["p99_ms"] <= sides[p]["p99_ms"] for p in ("apollo", "hive") if p in sides)
        entry["target"] = "≥ 1.0× the faster peer's throughput, p99 ≤ both peers'"
        entry["met"] = met
        if "floor" in sides:
            entry["server_cpu_vs_floor"] = (
                ours["server_cpu_ms_per_request"] / sides["floor"]["server_cpu_ms_per_request"]
            )
        out[key] = entry
    return out


def _ratio_table(results: dict[str, Any]) -> str:
    rows = [
        "| workload | req/s ours/Apollo | req/s ours/Hive | req/s ours/floor | p99 ours/Apollo | p99 ours/Hive | "
        "target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for key, r in results["ratios"].items():
        rows.append(
            f"| {key.upper()} | {r.get('throughput_vs_apollo', 0):.2f} | {r.get('throughput_vs_hive', 0):.2f} | "
            f"{r.get('throughput_vs_floor', 0):.2f} | {r.get('p99_vs_apollo', 0):.2f} | "
            f"{r.get('p99_vs_hive', 0):.2f} | "
            f"{r['target']} | {'yes' if r['met'] else '**no**'} |"
        )
    scale = results.get("scale_ratio")
    if scale:
        rows.append(
            f"| W5 | | | | | | large ≤ 1.3× small latency (p50 {scale['p50']:.2f}×, p99 {scale['p99']:.2f}×) | "
            f"{'yes' if scale['met'] else '**no**'} |"
        )
    return "\n".join([*rows, "", _resource_table(results)])


# PostgreSQL CPU per request of ours when the read-path issue was filed (bench/run --quick at 4582591).
PG_CPU_BEFORE_ISSUE = {"w2": 29.0, "w3": 7.4}
RSS_TARGET_MB = 200


def _resource_table(results: dict[str, Any]) -> str:
    """The read-path issue's other figures: server CPU against the floor's, PostgreSQL CPU against the
    issue's baseline, peak RSS."""
    rows = [
        "| workload | server CPU ours/floor (≤ 2×) | PostgreSQL CPU ms/req (≤ half of the issue's) | peak RSS MB, "
        f"all processes (≤ {RSS_TARGET_MB}) | peak PSS MB, all processes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, sides in results["workloads"].items():
        ours = sides["ours"]
        cpu = results["ratios"][key].get("server_cpu_vs_floor")
        cpu_cell = f"{cpu:.2f}× ({'yes' if cpu <= 2 else '**no**'})" if cpu is not None else "–"
        before = PG_CPU_BEFORE_ISSUE.get(key)
        pg = ours["database_cpu_ms_per_request"]
        pg_cell = f"{pg:.2f} vs {before} ({'yes' if pg <= before / 2 else '**no**'})" if before else f"{pg:.2f}"
        rss = ours["peak_rss_mb"]
        rss_cell = f"{rss:.0f} ({'yes' if rss <= RSS_TARGET_MB else '**no**'})"
        rows.append(f"| {key.upper()} | {cpu_cell} | {pg_cell} | {rss_cell} | {ours.get('peak_pss_mb', 0.0):.0f} |")
    return "\n".join(rows)


def _ingest_table(results: dict[str, Any]) -> str:
    rows = [
        "| database | rows | importer seconds | rows/s | wall seconds (whole command) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results["ingest"]:
        rows.append(
            f"| {r['database']} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
            f"{r['wall_seconds']:.1f} |"
        )
    return "\n".join(rows)


def _scale_table(results: dict[str, Any]) -> str:
    rows = ["| database | subjects | records | p50 ms | p99 ms | mean ms | req/s (1 connection) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for database, s in results["scale"].items():
        rows.append(
            f"| {database} | {s['subjects']:,} | {s['records']:,} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | "
            f"{s['mean_ms']:.1f} | {s['throughput']:,.0f} |"
        )
    return "\n".join(rows)


def _profile_section(summary: dict[str, Any]) -> str:
    lines = [
        f"### Profile of ours under {summary['workload'].upper()} (py-spy, {summary['samples']:,} samples, "
        f"`{Path(summary['file']).name}`)",
        "",
        "| phase (inclusive) | share | | leaf package (self) | share |",
        "| --- | ---: | --- | --- | ---: |",
    ]
    phases, packages = summary["phases"], summary["by_package"]
    for i in range(max(len(phases), len(packages))):
        p = phases[i] if i < len(phases) else ("", None)
        k = packages[i] if i < len(packages) else ("", None)
        phase_share = "" if p[1] is None else f"{p[1]:.1f}%"
        package_share = "" if k[1] is None else f"{k[1]:.1f}%"
        lines.append(f"| {p[0]} | {phase_share} | | {k[0]} | {package_share} |")
    lines += [
        "",
        "Most self time: " + "; ".join(f"{name} {share:.1f}%" for name, share in summary["top_self"][:8]) + ".",
    ]
    return "\n".join(lines)


def write_benchmarks(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n\n" + START + "\n" + END + "\n"
    if START not in text or END not in text:
        text = text.rstrip() + "\n\n" + START + "\n" + END + "\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(before + section + after)
