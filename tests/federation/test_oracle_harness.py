"""The oracle harness itself: it leaves no process behind, after a run or after a failed start."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.federation.oracle import FamilyOracle, NodeProcess, OracleError, node_missing_reason, start_subgraphs


@pytest.fixture(autouse=True)
def _needs_node() -> None:
    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)


def _group_is_gone(process: NodeProcess) -> bool:
    assert process.process is not None
    try:
        os.killpg(process.process.pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_close_ends_the_subgraphs_and_the_gateway() -> None:
    oracle = FamilyOracle.start("root_fields")
    processes = list(oracle.processes)
    assert len(processes) == 2
    assert oracle.send("{ version }") == {"data": {"version": "v1"}}
    oracle.close()
    assert all(_group_is_gone(process) for process in processes)
    assert not oracle.workdir.exists()


def test_a_family_that_does_not_start_leaves_no_process(tmp_path: Path) -> None:
    with pytest.raises(OracleError, match="exited early"):
        start_subgraphs("no_such_family", tmp_path)


def test_stop_ends_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    stubborn = NodeProcess(
        "stubborn",
        ["node", "-e", "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"],
        tmp_path / "stubborn.log",
        tmp_path,
    )
    stubborn.start()
    while "up" not in stubborn.log_text():
        stubborn.check_alive()
    stubborn.stop()
    assert _group_is_gone(stubborn)
    assert stubborn.process is not None and stubborn.process.returncode == -signal.SIGKILL
