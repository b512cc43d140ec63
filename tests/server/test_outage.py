"""Database outages over HTTP: every request gets a normal answer or a JSON 503 ``SERVICE_UNAVAILABLE``
with ``Retry-After``; nothing is acknowledged that was not committed; the gateway recovers by itself.

The main test runs its own PostgreSQL cluster (initdb, pg_ctl) on a free port, so that it can stop it
mid-load and start it again; it skips when the PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.db.availability import is_database_unavailable
from gateway.testing import GatewayHarness, error_codes, free_port
from testsupport.factories import VIOLATOR_CODE, tax_violation

pytestmark = pytest.mark.postgres

RETRY_AFTER = 7  # not the default, so that the header is shown to come from the setting
UNLIMITED = {role: {"rate": 100_000, "burst": 100_000} for role in ("public", "department")}
SUBJECT_CODE = VIOLATOR_CODE  # what the submitted violations are about
ANONYMOUS_READ = "query($c: String!) { subject(code: $c) { name tax { isMajorViolator } } }"
KEYED_READ = "query($c: String!) { subject(code: $c) { name tax { majorViolations { documentNumber } } } }"
SUBMIT = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { created records { status recordId } } }"""
WORKERS = 6  # two of each kind of request
MAX_REQUESTS_PER_WORKER = 300
REQUEST_TIMEOUT = 20.0  # seconds; a request that takes longer counts as hung
STEP_TIMEOUT = 30.0  # seconds for any one pg_ctl command or phase of the test


def violation(number: int) -> dict[str, Any]:
    return tax_violation(documentNumber=f"沪税稽罚〔2025〕{number}号")  # a new record for every number


# --- A throw-away PostgreSQL cluster ------------------------------------------------------------


def _server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@dataclass
class Cluster:
    """A PostgreSQL cluster in a temporary directory, run as the ``postgres`` user when we are root
    (initdb refuses root)."""

    bin: Path
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False
        )
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"

    async def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        await self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")

    async def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        await self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start")

    async def stop_immediately(self) -> None:
        """As a crash would: every backend killed, no shutdown checkpoint (recovery runs at start)."""
        await self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    async def create_database(self, name: str) -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database="postgres", timeout=STEP_TIMEOUT
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()


@contextlib.asynccontextmanager
async def running_cluster() -> AsyncIterator[Cluster]:
    server_bin = _server_bin()
    if server_bin is None or not (server_bin / "initdb").exists():
        pytest.skip("needs the PostgreSQL server binaries (initdb, pg_ctl)")
    root = Path(tempfile.mkdtemp(prefix="credit-gateway-outage-"))
    cluster = Cluster(server_bin, root)
    try:
        await cluster.init()
        await cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            if cluster.is_running():
                await cluster.stop_immediately()
        shutil.rmtree(root, ignore_errors=True)


# --- Load ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str
    started_in_outage: bool  # sent after the cluster had stopped (and before it was started again)
    status: int | None  # None: no response at all (an exception reached the client, or it hung)
    body: Any = None
    headers: httpx.Headers | None = None
    failure: str = ""


@dataclass
class Load:
    """Workers sending anonymous reads, keyed reads and keyed submissions until told to stop."""

    gw: GatewayHarness
    key: str
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)  # record ids of submissions that said CREATED
    in_outage: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def requests(self) -> dict[str, Callable[[], Awaitable[httpx.Response]]]:
        code = {"c": SUBJECT_CODE}
        return {
            "anonymous read": lambda: self.gw.post(ANONYMOUS_READ, code),
            "keyed read": lambda: self.gw.post(KEYED_READ, code, key=self.key),
            "submission": lambda: self.gw.post(SUBMIT, {"v": [violation(next(self.numbers))]}, key=self.key),
        }

    async def worker(self, kind: str) -> None:
        send = self.requests()[kind]
        for _ in range(MAX_REQUESTS_PER_WORKER):
            if self.stop.is_set():
                return
            in_outage = self.in_outage
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    response = await send()
            except Exception as exc:  # what a client sees as a dropped connection or a hung request
                self.outcomes.append(Outcome(kind, in_outage, None, failure=repr(exc)))
                continue
            try:
                body = response.json()
            except ValueError:
                body = response.text
            self.outcomes.append(Outcome(kind, in_outage, response.status_code, body, response.headers))
            if kind == "submission" and response.status_code == 200 and isinstance(body, dict) and body.get("data"):
                self.acknowledged += [int(r["recordId"]) for r in body["data"]["submitMajorTaxViolations"]["records"]]
            await asyncio.sleep(0)  # let the other workers and the test's own steps in

    def kinds(self) -> list[str]:
        kinds = list(self.requests())
        return [kinds[i % len(kinds)] for i in range(WORKERS)]

    def every_kind_has(self, count: int, condition: Callable[[Outcome], bool]) -> Callable[[], bool]:
        """Whether every kind of request has ``count`` outcomes that meet ``condition``."""
        return lambda: all(
            sum(o.kind == kind and condition(o) for o in self.outcomes) >= count for kind in self.requests()
        )

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(STEP_TIMEOUT):
            for _ in range(int(STEP_TIMEOUT / 0.02)):
                if condition():
                    return
                await asyncio.sleep(0.02)
        raise AssertionError("the load never got there")


def assert_success_or_unavailable(outcome: Outcome) -> None:
    where = f"{outcome.kind}: {outcome.status} {outcome.failure or outcome.body}"
    assert outcome.status in (200, 503), where
    if outcome.status == 200:
        assert isinstance(outcome.body, dict) and not outcome.body.get("errors"), where
        return
    assert outcome.headers is not None and outcome.headers["content-type"].startswith("application/json"), where
    assert outcome.headers.get("retry-after") == str(RETRY_AFTER), where
    assert error_codes(outcome.body) == ["SERVICE_UNAVAILABLE"], where
    assert outcome.body["errors"][0]["extensions"]["retryAfter"] == RETRY_AFTER, where


async def _count_records(gw: GatewayHarness, ids: list[int]) -> int:
    async with gw.engine.connect() as conn:
        query = sa.text("SELECT count(*) FROM credit_record WHERE id = ANY(:ids)")
        return int((await conn.execute(query, {"ids": ids})).scalar_one())


async def _ready(gw: GatewayHarness) -> httpx.Response:
    async with asyncio.timeout(STEP_TIMEOUT):
        return await gw.client.get("/readyz")


async def test_an_outage_gets_503s_loses_no_acknowledged_write_and_heals_itself() -> None:
    async with running_cluster() as cluster:
        await cluster.create_database("gateway")
        async with GatewayHarness.start(
            database_url=cluster.url("gateway"), unavailable_retry_after=RETRY_AFTER, rate_limits=UNLIMITED
        ) as gw:
            key = await gw.create_key("department", domain="tax")
            seeded = await gw.graphql(SUBMIT, {"v": [violation(1)]}, key=key)
            assert seeded["data"]["submitMajorTaxViolations"]["created"] == 1, seeded

            load = Load(gw, key)
            workers = [asyncio.create_task(load.worker(kind)) for kind in load.kinds()]
            try:
                # Some of every kind succeed first, then the database goes away under the load.
                await load.wait_for(load.every_kind_has(5, lambda o: o.status == 200))
                await cluster.stop_immediately()
                load.in_outage = True
                await load.wait_for(load.every_kind_has(10, lambda o: o.started_in_outage))
                ready, alive = await _ready(gw), await gw.client.get("/healthz")
                assert ready.status_code == 503 and ready.json()["status"] == "unavailable", ready.text
                assert alive.status_code == 200, alive.text
            finally:
                load.stop.set()
                async with asyncio.timeout(STEP_TIMEOUT):
                    await asyncio.gather(*workers)

            for outcome in load.outcomes:
                assert_success_or_unavailable(outcome)
            # A request sent while the database is down cannot have succeeded.
            assert all(o.status == 503 for o in load.outcomes if o.started_in_outage)

            # The same app, not rebuilt: it reconnects once the database is back.
            await cluster.start()
            load.in_outage = False
            for _ in range(100):
                ready = await _ready(gw)
                if ready.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert ready.status_code == 200, ready.text
            after = Load(gw, key, numbers=itertools.count(100_000))
            responses = await asyncio.gather(*(after.requests()[kind]() for kind in after.kinds() * 3))
            for response in responses:
                assert response.status_code == 200 and not response.json().get("errors"), response.text

            # Every submission that said CREATED is in the database after the crash.
            assert load.acknowledged, "no submission succeeded before the outage"
            assert await _count_records(gw, load.acknowledged) == len(set(load.acknowledged))


# --- Without a server: connections refused, or accepted and never answered ----------------------


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word (a hung database host)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_refused_connections_get_503_for_every_kind_of_request() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    async with GatewayHarness.start(database_url=url, migrate_database=False, rate_limits=UNLIMITED) as gw:
        keyed = "cg_abcd1234_" + "x" * 43  # well-formed, so that authentication asks the database
        for query, variables, key in (
            (ANONYMOUS_READ, {"c": SUBJECT_CODE}, None),
            (KEYED_READ, {"c": SUBJECT_CODE}, keyed),
            (SUBMIT, {"v": [violation(1)]}, keyed),
        ):
            response = await gw.post(query, variables, key=key)
            body = response.json() if response.headers["content-type"].startswith("application/json") else None
            assert response.status_code == 503, response.text
            assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
            assert response.headers["retry-after"] == "5"  # the default
        assert (await _ready(gw)).status_code == 503
        assert (await gw.client.get("/healthz")).status_code == 200


async def test_readyz_answers_within_its_timeout_when_the_database_hangs() -> None:
    async with silent_server() as port:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/hung"
        async with GatewayHarness.start(database_url=url, migrate_database=False, readiness_timeout=0.5) as gw:
            ready = await _ready(gw)  # bounded by STEP_TIMEOUT; asyncpg alone would wait 60 s
            assert ready.status_code == 503 and ready.json()["status"] == "unavailable", ready.text


async def test_an_outage_while_writing_the_query_record_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    import gateway.features.audit.recorder

    async with GatewayHarness.start(rate_limits=UNLIMITED) as gw:
        department, portal = await gw.create_key("department", domain="tax"), await gw.create_key("portal")
        assert "errors" not in await gw.graphql(SUBMIT, {"v": [violation(1)]}, key=department)

        async def gone(*_: Any) -> None:  # the database went away between the reads and the append
            raise ConnectionResetError(104, "Connection reset by peer")

        monkeypatch.setattr(gateway.features.audit.recorder, "append", gone)
        response = await gw.post(KEYED_READ, {"c": SUBJECT_CODE}, key=portal)
        assert response.status_code == 503, response.text
        assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
        assert response.headers["retry-after"] == "5"


def test_classification_keeps_bugs_apart_from_outages() -> None:
    import sqlite3

    def wrapped(orig: Exception, invalidated: bool = False) -> DBAPIError:
        return DBAPIError("SELECT 1", None, orig, connection_invalidated=invalidated)

    assert is_database_unavailable(ConnectionRefusedError(111, "Connection refused"))
    assert is_database_unavailable(TimeoutError())
    assert is_database_unavailable(PoolTimeout("QueuePool limit of size 20 overflow 10 reached"))
    assert is_database_unavailable(wrapped(Exception("gone"), invalidated=True))
    assert is_database_unavailable(wrapped(asyncpg.exceptions.CannotConnectNowError("starting up")))
    assert is_database_unavailable(wrapped(asyncpg.exceptions.TooManyConnectionsError("too many")))
    assert is_database_unavailable(OperationalError("SELECT 1", None, sqlite3.OperationalError("database is locked")))
    # Bugs stay bugs (INTERNAL_SERVER_ERROR): a missing table, a syntax error, a broken constraint.
    assert not is_database_unavailable(OperationalError("SELECT 1", None, sqlite3.OperationalError("no such table: x")))
    assert not is_database_unavailable(wrapped(asyncpg.exceptions.UndefinedTableError("no table")))
    assert not is_database_unavailable(ValueError("bad"))
    misuse = asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress")
    assert not is_database_unavailable(wrapped(misuse))
    chained = RuntimeError("while loading")
    chained.__cause__ = ConnectionResetError()
    assert is_database_unavailable(chained)
