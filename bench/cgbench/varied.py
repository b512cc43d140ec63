"""W1 and W2 with every request different: the profiles of many subjects in turn, and batches of
different subjects, against both peers (a separate table; the headline W1–W3 send one body).

wrk sends one body on every connection, so in the headline runs the requests in flight at any moment
are identical. A gateway that sends an identical subgraph query only once while it is in flight (Hive
Gateway does by default) then does a fraction of the work per request; traffic where each request
asks about another subject gives it nothing to share. Ours shares nothing across requests either way.
The floor is left out: it replays the statements captured for W1's one subject.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from cgbench import config, report, runner
from cgbench.check import Side, same_answers
from cgbench.dataset import Dataset
from cgbench.workloads import BATCH, PROFILE, Workload

BATCH_SIZE = 100  # as W2
CHECKED = 12  # bodies of each workload compared across the sides before any load


def bodies_of(small: Dataset) -> dict[str, list[Workload]]:
    """Per workload, the bodies sent in turn: one profile per profile subject (20 records each), and
    every batch of 100 of the ordinary subjects the dataset names (5 records each; 1,000 subjects, so 10
    batches, no subject in two)."""
    codes = small.ordinary_codes
    batches = [codes[i : i + BATCH_SIZE] for i in range(0, len(codes) - BATCH_SIZE + 1, BATCH_SIZE)]
    return {
        "w1": [Workload("w1", "", PROFILE, {"code": code}) for code in small.profile_codes],
        "w2": [Workload("w2", "", BATCH, {"codes": batch}) for batch in batches],
    }


def run(
    cfg: config.Config,
    small: Dataset,
    sides: list[Side],
    processes: dict[str, list[int]],
    bodies_dir: Path,
) -> dict[str, Any]:
    """``sides``: ours first, then the peers; returns the runs, their medians and the ratios."""
    per_workload = bodies_of(small)
    with httpx.Client(timeout=30) as client:
        for workloads in per_workload.values():
            step = max(1, len(workloads) // CHECKED)
            for workload in workloads[::step]:
                same_answers(client, sides, workload)
    runs: list[runner.Run] = []
    for key, workloads in per_workload.items():
        path = bodies_dir / f"{key}-varied.jsonl"
        path.write_bytes(b"\n".join(w.body for w in workloads) + b"\n")
        for repetition in range(1, cfg.repetitions + 1):
            for side in sides:
                database = small.database if side.key == "ours" else None
                url = side.url(workloads[0])
                runs.append(
                    runner.measure(cfg, side, key, repetition, url, path, processes[side.key], database, many=True)
                )
    summary = runner.summarise(runs)
    return {
        "bodies": {key: len(workloads) for key, workloads in per_workload.items()},
        "workloads": summary,
        "ratios": {key: report.peer_ratios(sides_of) for key, sides_of in summary.items()},
    }
