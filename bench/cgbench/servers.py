"""Start and stop the servers of a run: ours (and ours federating the subgraphs, W6), the floor, the five
subgraphs and the two peer gateways.

Each server runs in its own session, so that stopping it ends exactly the processes the harness
started (its process group), nothing else on the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from cgbench import config
from cgbench.config import BENCH_DIR, PEERS_DIR, WORKERS
from cgbench.util import log, product_env

SUBGRAPHS = ("subjects", "tax", "urban_management", "culture", "construction")
FEDERATED_VISIBILITY = '{"*": "public"}'


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    env: dict[str, str]
    cwd: Path
    log_path: Path
    # For a uvicorn server with workers: how many "Application startup complete." lines its log must
    # show before it is ready. Its supervisor listens before any worker has started, and a worker
    # that is still importing would otherwise start late into the first measured run.
    uvicorn_workers: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    if self._workers_started():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout:.0f}s; see {self.log_path}")

    def _workers_started(self) -> bool:
        if not self.uvicorn_workers:
            return True
        return self.log_path.read_bytes().count(b"Application startup complete.") >= self.uvicorn_workers

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def node_env() -> dict[str, str]:
    return {**os.environ, "NODE_ENV": "production"}


def ours(cfg: config.Config, database_url: str, logs: Path, *, port: int | None = None, name: str = "ours") -> Server:
    # Exactly what production runs: `credit-gateway serve` with its defaults, which on PostgreSQL are
    # one worker per CPU (WORKERS), uvloop and httptools, and the access log at INFO.
    port = port or cfg.ports.ours
    return Server(
        name,
        ["credit-gateway", "serve", "--port", str(port)],
        port,
        product_env(database_url),
        logs,
        logs / f"{name}.log",
        uvicorn_workers=WORKERS,
    )


def ours_federated(
    cfg: config.Config, database_url: str, supergraph: Path, logs: Path, *, deduplication: bool = True
) -> Server:
    # W6: ours as a pure gateway over the peers' five subgraphs, started as a user would, with the same
    # production defaults as `ours` (workers = cores). Every remote field is declared public: wrk sends no
    # key, so the public audience must see what the peers serve to anyone. The database still holds the
    # keys and the rate limiter's settings (the limit lifted as for the other workloads).
    # ``deduplication=False``: the separate row without the deduplication of identical subgraph queries in
    # flight (on by default, in ours as in Hive Gateway), to show what it is worth.
    name = "ours-federated" if deduplication else "ours-federated-unshared"
    port = cfg.ports.ours_federated if deduplication else cfg.ports.ours_federated_unshared
    env = {"CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": FEDERATED_VISIBILITY}
    if not deduplication:
        env["CREDIT_GATEWAY_SUBGRAPH_DEDUPLICATION"] = "false"
    return Server(
        name,
        ["credit-gateway", "serve", "--port", str(port), "--supergraph", str(supergraph)],
        port,
        product_env(database_url, **env),
        logs,
        logs / f"{name}.log",
        uvicorn_workers=WORKERS,
    )


def floor(cfg: config.Config, capture: Path, dsn: str, logs: Path) -> Server:
    env = product_env("", PYTHONPATH=str(BENCH_DIR))
    return Server(
        "floor",
        [os.environ.get("BENCH_PYTHON", "python"), "-m", "cgbench.floor", str(capture), dsn, str(cfg.ports.floor),
         str(WORKERS)],
        cfg.ports.floor,
        env,
        BENCH_DIR,
        logs / "floor.log",
        uvicorn_workers=WORKERS,
    )  # fmt: skip


def subgraphs(cfg: config.Config, export_dir: Path, logs: Path) -> list[Server]:
    return [
        Server(
            f"subgraph-{name}",
            ["node", "src/subgraph.mjs", name, str(cfg.ports.subgraphs[name]), str(export_dir)],
            cfg.ports.subgraphs[name],
            node_env(),
            PEERS_DIR,
            logs / f"subgraph-{name}.log",
        )
        for name in SUBGRAPHS
    ]


def compose(cfg: config.Config, out: Path) -> Path:
    pairs = [f"{name}=http://127.0.0.1:{cfg.ports.subgraphs[name]}/" for name in SUBGRAPHS]
    subprocess.run(["node", "src/compose.mjs", str(out), *pairs], cwd=PEERS_DIR, check=True, stdout=subprocess.DEVNULL)
    return out


def apollo(cfg: config.Config, supergraph: Path, logs: Path) -> Server:
    # One process: Apollo Server has no worker or cluster option and spawns no process (Apollo's
    # documentation scales a gateway with more instances behind a load balancer).
    return Server(
        "apollo",
        ["node", "src/apollo-gateway.mjs", str(supergraph), str(cfg.ports.apollo)],
        cfg.ports.apollo,
        node_env(),
        PEERS_DIR,
        logs / "apollo.log",
    )


def hive(cfg: config.Config, supergraph: Path, logs: Path) -> Server:
    # --fork WORKERS: Hive's CLI forks no worker unless told, even with NODE_ENV=production (`--help`:
    # default 1); its documentation (Concurrency & Scaling) scales it over the cores with forked Node.js
    # cluster workers. One per CPU, as ours and the floor have.
    command = ["node", "node_modules/.bin/hive-gateway", "supergraph", str(supergraph), "--host", "127.0.0.1",
               "--port", str(cfg.ports.hive), "--fork", str(WORKERS)]  # fmt: skip
    return Server("hive", command, cfg.ports.hive, node_env(), PEERS_DIR, logs / "hive.log")


def start_all(servers: list[Server]) -> None:
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()
    log(f"started {', '.join(s.name for s in servers)}")


def stop_all(servers: list[Server]) -> None:
    for server in reversed(servers):
        server.stop()
