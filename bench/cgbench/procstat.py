"""CPU time and peak memory of a side's processes, read from /proc while a load runs.

A side is its server process trees, every process under each root (ours and the floor: the uvicorn
supervisor and its workers; a peer: its gateway, with Hive's forked workers, and the five subgraphs)
and, for the sides that read PostgreSQL, the database backends serving them: PostgreSQL does part of
their work in its own processes, which the peers (data in memory) have no counterpart for, so those
are reported apart. A sampler thread reads utime+stime of every process every 200 ms, so a backend
that exits during the run still counts up to its last sample.

Memory is read two ways. Peak RSS is the sum of each process's own peak (VmHWM, kept by the kernel):
it counts a page every process maps, such as a shared library's code, once per process. Peak PSS is
the highest sum, over the samples, of each process's proportional set size, which splits each shared
page among the processes that map it: what the side occupies together. It is read once a second and at
the end of the load, not at every sample: the kernel walks a process's page tables to sum it, about
4 ms for a Node.js process of 1 GB, under that process's memory map lock, and at every 200 ms sample
that was some 4 % of a core taken beside the sides with the most memory (the peers').
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.2
PSS_EVERY = 5  # samples: PSS once a second (see above)


def descendants(root: int) -> set[int]:
    """``root`` and every process below it."""
    found = {root}
    stack = [root]
    while stack:
        pid = stack.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    stack.append(child)
    return found


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """The proportional set size of a process (Linux 4.14+: smaps_rollup), or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak_rss(pid: int) -> None:
    """Start VmHWM again from the current RSS (Linux: 5 > clear_refs), so each run has its own peak."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def postgres_backends(database: str) -> set[int]:
    """The PostgreSQL backends connected to ``database`` (titled 'postgres: [cluster:] user db host …')."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parts = title.replace(b"\0", b" ").split()
        if not parts or parts[0] != b"postgres:":
            continue
        if len(parts) > 1 and parts[1].endswith(b":"):  # the cluster name, as Debian sets it: "15/main:"
            parts = parts[1:]
        if len(parts) >= 3 and parts[2] == database.encode():
            found.add(int(entry.name))
    return found


@dataclass(frozen=True, slots=True)
class Usage:
    server_cpu: float  # seconds, the side's own processes
    database_cpu: float  # seconds, PostgreSQL backends of the side's database
    peak_rss_kb: int  # summed VmHWM of the side's own processes
    peak_pss_kb: int  # the highest sampled sum of their PSS


class Sampler:
    """Samples from ``start()`` to ``stop()``; processes born in between count from zero."""

    def __init__(self, roots: list[int], database: str | None) -> None:
        self.roots = roots
        self.database = database
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._servers: set[int] = set()
        self._peak_pss_kb = 0
        self._samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._servers = set().union(*(descendants(root) for root in self.roots))
        for pid in self._servers:
            reset_peak_rss(pid)
        self._sample(initial=True)
        self._thread.start()

    def stop(self) -> Usage:
        self._stop.set()
        self._thread.join()
        self._sample(initial=False, memory=True)
        server = sum(self._last.get(p, 0.0) - self._first.get(p, 0.0) for p in self._last if p in self._servers)
        database = sum(self._last.get(p, 0.0) - self._first.get(p, 0.0) for p in self._last if p not in self._servers)
        return Usage(server, database, sum(peak_rss_kb(pid) for pid in self._servers), self._peak_pss_kb)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample(initial=False)

    def _sample(self, *, initial: bool, memory: bool = False) -> None:
        # The trees again at every sample: a worker that a supervisor starts during the run (to replace
        # one that died) counts from its birth, as a new database backend does.
        self._servers |= set().union(*(descendants(root) for root in self.roots))
        pids = set(self._servers)
        self._samples += 1
        if memory or self._samples % PSS_EVERY == 0:
            self._peak_pss_kb = max(self._peak_pss_kb, sum(pss_kb(pid) for pid in self._servers))
        if self.database:
            pids |= postgres_backends(self.database)
        for pid in pids:
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue
            if pid not in self._first:
                self._first[pid] = seconds if initial else 0.0
            self._last[pid] = seconds


def wait_idle(roots: list[int], database: str | None, timeout: float = 30.0) -> float:
    """Wait until a side has finished the requests a load generator left in flight (its processes and
    database backends use under 10% of a core for 150 ms), so that they do not burden the next run;
    returns the seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        pids = set().union(*(descendants(root) for root in roots))
        if database:
            pids |= postgres_backends(database)
        before = sum(cpu_seconds(pid) or 0.0 for pid in pids)
        time.sleep(0.15)
        after = sum(cpu_seconds(pid) or 0.0 for pid in pids)
        if after - before < 0.015:
            break
    return time.monotonic() - began
