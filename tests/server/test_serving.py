"""How ``credit-gateway serve`` runs: how many worker processes by default, uvloop and httptools in
every serving process, and a plain refusal when either is missing."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.cli import serve as cli
from gateway.cli.serve import MAX_WORKERS, available_cpus, default_workers
from gateway.kernel.settings import Settings
from gateway.server.observability.logs import TEXT_FORMAT, JsonFormatter, TextFormatter, log_handler
from gateway.testing import GatewayHarness, free_port, served_gateway

POSTGRES = "postgresql+asyncpg://gateway@db.internal/credit"
SQLITE = "sqlite+aiosqlite:///./credit-gateway.sqlite3"


def _settings(database_url: str, *, development_mode: bool = False) -> Settings:
    return Settings(database_url=database_url, development_mode=development_mode)


def test_production_serves_one_worker_per_available_cpu() -> None:
    assert available_cpus() == len(os.sched_getaffinity(0))
    assert default_workers(_settings(POSTGRES), demo=False) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("database_url", "demo", "development_mode"),
    [(POSTGRES, True, False), (POSTGRES, False, True), (SQLITE, False, False), (SQLITE, True, True)],
    ids=["demo", "development", "sqlite", "all three"],
)
def test_demo_development_and_sqlite_serve_one_worker(database_url: str, demo: bool, development_mode: bool) -> None:
    settings = _settings(database_url, development_mode=development_mode)
    assert default_workers(settings, demo=demo) == 1
    assert cli.single_worker_reason(settings, demo) is not None


def test_the_cpu_count_without_an_affinity_mask_and_the_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where os.sched_getaffinity does not exist (macOS, Windows), the machine's CPUs; never more
    workers than --workers accepts."""
    monkeypatch.delattr(os, "sched_getaffinity")
    assert available_cpus() == (os.cpu_count() or 1)
    monkeypatch.setattr(cli, "available_cpus", lambda: 4 * MAX_WORKERS)
    assert default_workers(_settings(POSTGRES), demo=False) == MAX_WORKERS


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'serving.sqlite3'}"
    env.update(extra)
    return env


def _serving_processes(port: int) -> list[int]:
    """The processes that answer on ``port``: the ``serve`` process started for it, or with workers,
    the children of the supervisor it became (gateway.server.supervisor) that are not multiprocessing's
    resource tracker."""
    commands = [("gateway.cli.main\0serve", f"--port\0{port}\0"), ("gateway.server.supervisor\0", f"--port\0{port}\0")]
    matching = [pid for pid in _pids() if any(all(part in _cmdline(pid) for part in c) for c in commands)]
    # Preloaded workers are forks of the supervisor, with its command line: the server is the one whose
    # parent is none of them.
    [server] = [pid for pid in matching if _parent(pid) not in matching]
    tasks = Path(f"/proc/{server}/task").iterdir()
    children = [int(child) for task in tasks for child in (task / "children").read_text().split()]
    workers = [pid for pid in children if "resource_tracker" not in _cmdline(pid)]
    return workers or [server]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _shared_dirty_mb(pid: int) -> float:
    """Pages a process shares with another that wrote them first (a forked child's inheritance)."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    [kb] = [int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Shared_Dirty:")]
    return kb / 1024


def _loaded_extensions(pid: int) -> str:
    """The shared objects mapped into a process: what it has imported of uvloop and httptools."""
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize(
    ("extra_env", "expected"),
    [({}, "(1 worker; --demo, --workers N for more, uvloop loop, httptools)"),
     ({"CREDIT_GATEWAY_WORKERS": "2"}, "(2 workers, uvloop loop, httptools, preloaded)"),
     ({"CREDIT_GATEWAY_WORKERS": "2", "CREDIT_GATEWAY_PRELOAD": "false"}, "(2 workers, uvloop loop, httptools)")],
    ids=["one process", "two preloaded workers from CREDIT_GATEWAY_WORKERS", "two workers without preloading"],
)  # fmt: skip
def test_every_serving_process_runs_uvloop_and_httptools(
    tmp_path: Path, extra_env: dict[str, str], expected: str
) -> None:
    """A real ``serve``: the start line says how it serves, and each process that answers requests
    has uvloop's loop and httptools' parser loaded (uvicorn's h11 and asyncio load neither)."""
    port = free_port()
    log = tmp_path / "serve.log"
    with served_gateway(["--demo", "--demo-subjects", "1"], _env(tmp_path, **extra_env), port=port, log=log) as url:
        assert httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}).json() == {
            "data": {"__typename": "Query"}
        }
        processes = _serving_processes(port)
        if "CREDIT_GATEWAY_WORKERS" in extra_env:
            assert len(processes) == 2, processes
            [supervisor] = {_parent(pid) for pid in processes}
            assert "gateway.server.supervisor" in _cmdline(supervisor)
            mapped = _loaded_extensions(supervisor)
            if extra_env.get("CREDIT_GATEWAY_PRELOAD") == "false":
                # The supervisor is the slim module, not the command line with every plugin imported:
                # neither SQLAlchemy's nor pydantic's compiled extensions are loaded in it.
                assert "/sqlalchemy/" not in mapped and "/pydantic_core/" not in mapped
            else:
                # Preloaded: the supervisor imported the workers' stack and forked them, so they share its
                # pages (dirty in the supervisor, not yet copied by the worker) and run no fresh interpreter.
                assert "/sqlalchemy/" in mapped and "/pydantic_core/" in mapped
                # uvicorn's server modules for the chosen loop and parser too (_import_server_modules).
                assert "/uvloop/loop." in mapped and "/httptools/parser/parser." in mapped
                for pid in processes:
                    assert _cmdline(pid) == _cmdline(supervisor), "a forked worker keeps its parent's command"
                    assert _shared_dirty_mb(pid) > 20, f"worker {pid} shares little with the supervisor"
        for pid in processes:
            loaded = _loaded_extensions(pid)
            assert "/uvloop/loop." in loaded, f"process {pid} runs without uvloop"
            assert "/httptools/parser/parser." in loaded, f"process {pid} runs without httptools"
    assert expected in log.read_text()
    # Preloaded, the supervisor also built the app each worker forked with (gateway.server.preloaded_app).
    app_preloaded = "workers' app built before forking them" in log.read_text()
    assert app_preloaded == expected.endswith("preloaded)")


def _workers_once_replaced(port: int, gone: list[int]) -> list[int]:
    """The two workers serving ``port`` once none of ``gone`` is among them (within a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _serving_processes(port)
        if len(now) == 2 and not set(now) & set(gone):
            return now
        time.sleep(0.2)
    raise AssertionError(f"the workers {gone} were not replaced: {_serving_processes(port)}")


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads /proc (Linux)")
def test_a_preloaded_worker_that_dies_is_replaced_by_a_new_fork(tmp_path: Path) -> None:
    """uvicorn's supervisor replaces a worker killed outright; preloaded, the replacement is forked from
    the supervisor as the first workers were (it shares the stack at once), and it serves."""
    port = free_port()
    env = _env(tmp_path, CREDIT_GATEWAY_WORKERS="2")
    with served_gateway(["--demo", "--demo-subjects", "1"], env, port=port) as url:
        first = _serving_processes(port)
        os.kill(first[0], signal.SIGKILL)
        now = _workers_once_replaced(port, [first[0]])
        [replacement] = set(now) - set(first)
        assert _shared_dirty_mb(replacement) > 20, "the replacement was not forked from the preloaded supervisor"
        for _ in range(20):  # the side answers, with the replacement among its listening workers
            answer = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=30)
            assert answer.json() == {"data": {"__typename": "Query"}}


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads /proc (Linux)")
def test_sighup_replaces_every_preloaded_worker_with_a_fork_that_serves_the_database(tmp_path: Path) -> None:
    """Without a supergraph, SIGHUP has uvicorn's supervisor replace each worker. The replacements are
    forks of the supervisor holding the app it built before the first workers (gateway.server.
    preloaded_app): each runs that app's lifespan afresh and answers from the database."""
    port = free_port()
    env = _env(tmp_path, CREDIT_GATEWAY_WORKERS="2")
    query = "{ majorTaxViolations(first: 3) { edges { node { documentNumber } } pageInfo { hasNextPage } } }"
    with served_gateway(["--demo", "--demo-subjects", "20"], env, port=port) as url:
        before = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30).json()
        assert "errors" not in before and before["data"]["majorTaxViolations"]["edges"], before
        first = _serving_processes(port)
        [supervisor] = {_parent(pid) for pid in first}
        os.kill(supervisor, signal.SIGHUP)
        for pid in _workers_once_replaced(port, first):
            assert _shared_dirty_mb(pid) > 20, f"the replacement {pid} was not forked from the supervisor"
        for _ in range(20):  # both replacements are among the listening workers: each answers alike
            assert httpx.post(f"{url}/graphql", json={"query": query}, timeout=30).json() == before


@pytest.mark.parametrize("module", ["uvloop", "httptools"])
def test_serve_refuses_to_start_without_uvloop_or_httptools(tmp_path: Path, module: str) -> None:
    """Named rather than "auto": a broken install stops at once with a plain message, before any
    migration, instead of serving slower on asyncio and h11 without a word."""
    script = (
        f"import sys; sys.modules[{module!r}] = None  # as if not installed: its import fails\n"
        "from gateway.cli.main import app\n"
        "app()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "serve", "--demo", "--port", str(free_port())],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"error: {module} cannot be imported" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "serving.sqlite3").exists()  # refused before migrating anything


# --- The access line: the same content at a lower cost ------------------------------------------

TEXT_ACCESS_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO gateway\.access \[trace -\]: "
    r"POST /graphql Typename audience=public status=200 outcome=OK duration_ms=\d+\.\d\d request_id=access-1"
)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_the_access_line_keeps_its_content(log_format: str) -> None:
    """What serve writes for one request, in each format: the message, and in JSON each field as a key
    (no trace: no trace_id key)."""
    captured = io.StringIO()
    handler = log_handler(log_format)
    handler.setStream(captured)  # type: ignore[attr-defined]
    access = logging.getLogger("gateway.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        async with GatewayHarness.start() as gw:
            response = await gw.post("query Typename { __typename }", headers={"X-Request-ID": "access-1"})
            assert response.status_code == 200
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    [line] = captured.getvalue().splitlines()
    if log_format == "text":
        assert TEXT_ACCESS_LINE.fullmatch(line), line
        return
    entry = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry.pop("time"))
    duration = entry.pop("duration_ms")
    assert isinstance(duration, float) and duration > 0
    assert entry == {
        "level": "INFO",
        "logger": "gateway.access",
        "message": f"POST /graphql Typename audience=public status=200 outcome=OK duration_ms={duration:.2f} "
        "request_id=access-1",
        "operation": "Typename",
        "audience": "public",
        "status": 200,
        "outcome": "OK",
        "request_id": "access-1",
    }


def test_the_formatters_write_the_time_as_the_standard_library_does() -> None:
    """The text format's time, formatted once a second, is logging.Formatter's; the JSON one is
    datetime's ISO 8601 in UTC with milliseconds (truncated, as record.msecs is)."""
    reference = logging.Formatter(TEXT_FORMAT)
    text, as_json = TextFormatter(), JsonFormatter()
    moments = [1_790_000_000 + i * 0.2371 for i in range(40)]  # several per second, then the next
    for moment in moments:
        record = logging.makeLogRecord({"created": moment, "msecs": (moment - int(moment)) * 1_000 // 1})
        assert text.formatTime(record) == reference.formatTime(record)
        second = dt.datetime.fromtimestamp(int(moment), dt.UTC)
        expected = second.replace(microsecond=int(record.msecs) * 1_000).isoformat(timespec="milliseconds")
        assert as_json._time(moment) == expected


def test_with_workers_an_unmigrated_database_is_refused_plainly(tmp_path: Path) -> None:
    """With workers, the database checks run in a child process (the supervisor stays small): their
    refusal is still this command's exit status and message."""
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "serve", "--port", str(free_port())],
        env=_env(tmp_path, CREDIT_GATEWAY_WORKERS="2"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "needs migrations" in result.stderr and "credit-gateway db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
