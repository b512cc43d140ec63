"""W6, gateway to gateway: ours (``credit-gateway serve --supergraph``), Apollo Gateway and Hive Gateway,
each federating the same five Apollo subgraphs of bench/peers through the same supergraph file, under
the operations of W1–W3.

Before any load each operation is sent once to every side and the answers must be equal (check.py); an
operation that one side cannot answer, or answers differently, is reported with the reason and not
loaded, and the others still run. So is ours failing to start (a supergraph it refuses): the step then
says why, and the run goes on.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from cgbench import config, runner, servers
from cgbench.check import CheckFailed, Side, check
from cgbench.util import log
from cgbench.workloads import Workload

TARGET = "≥ 1.0× Hive Gateway's throughput, p99 ≤ both peers'"


def run(
    cfg: config.Config,
    database_url: str,
    database: str,
    supergraph: Path,
    subgraph_pids: list[int],
    peer_processes: dict[str, list[int]],
    workloads: list[Workload],
    logs: Path,
    bodies: Path,
) -> dict[str, Any]:
    """The W6 results: per operation the check's outcome, and the runs and their summary for those that
        every side answered alike. Apollo Gateway and Hive Gateway must be serving already; ``peer_processes``
    are their processes and the subgraphs', as the W1–W3 runs count them."""
    result: dict[str, Any] = {"target": TARGET, "checks": {}, "response_bytes": {}, "runs": [], "workloads": {}}
    ours = servers.ours_federated(cfg, database_url, supergraph, logs)
    unshared = servers.ours_federated(cfg, database_url, supergraph, logs, deduplication=False)
    try:
        servers.start_all([ours, unshared])
    except RuntimeError as exc:
        result["not_started"] = f"{exc}: {_tail(ours.log_path)} {_tail(unshared.log_path)}"
        log(f"W6: ours did not start as a federation gateway: {result['not_started']}")
        ours.stop()
        unshared.stop()
        return result
    sides = [
        Side("ours", "credit-gateway (serve --supergraph)", cfg.ports.ours_federated),
        Side("apollo", "Apollo Gateway", cfg.ports.apollo),
        Side("hive", "Hive Gateway", cfg.ports.hive),
        Side("ours_unshared", "credit-gateway, deduplication off", cfg.ports.ours_federated_unshared),
    ]
    try:
        measurable = []
        for workload in workloads:
            try:
                result["response_bytes"].update(check(sides, [workload]))
            except CheckFailed as failed:
                result["checks"][workload.key] = {"same": False, "mismatch": str(failed)}
                log(f"W6 {workload.key}: not measured: {failed}")
                continue
            result["checks"][workload.key] = {"same": True}
            measurable.append(workload)
        if measurable:
            log(f"W6: every side answers {', '.join(w.key for w in measurable)} with the same data")
            # Every side is counted with the subgraphs it loads, as the peers are in W1–W3.
            processes = {
                **peer_processes,
                "ours": [ours.pid, *subgraph_pids],
                "ours_unshared": [unshared.pid, *subgraph_pids],
            }
            try:
                runs = runner.run_workloads(cfg, sides, processes, database, measurable, bodies)
            except RuntimeError as exc:  # failed requests under load: W6 says so, the run goes on
                result["load_failed"] = str(exc)
                log(f"W6: load failed: {exc}")
                return result
            result["runs"] = [asdict(r) for r in runs]
            result["workloads"] = runner.summarise(runs)
            result["ratios"] = ratios(result["workloads"])
    finally:
        ours.stop()
        unshared.stop()
    return result


def ratios(summary: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Ours over each peer per operation, and whether the issue's W6 target is met."""
    out: dict[str, dict[str, Any]] = {}
    for key, sides in summary.items():
        ours, apollo, hive = sides["ours"], sides["apollo"], sides["hive"]
        out[key] = {
            "throughput_vs_apollo": ours["throughput"] / apollo["throughput"],
            "throughput_vs_hive": ours["throughput"] / hive["throughput"],
            "p99_vs_apollo": ours["p99_ms"] / apollo["p99_ms"],
            "p99_vs_hive": ours["p99_ms"] / hive["p99_ms"],
            "met": ours["throughput"] >= hive["throughput"] and ours["p99_ms"] <= min(apollo["p99_ms"], hive["p99_ms"]),
        }
        unshared = sides.get("ours_unshared")
        if unshared is not None:  # the separate row: ours without deduplication, against the same Hive Gateway
            out[key]["unshared_throughput_vs_hive"] = unshared["throughput"] / hive["throughput"]
            out[key]["unshared_p99_vs_hive"] = unshared["p99_ms"] / hive["p99_ms"]
    return out


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"
