"""Test helpers for the gateway and for plugin authors.

``GatewayHarness`` builds the real application on a real, migrated database and talks to it
over HTTP through the ASGI interface (httpx), so a plugin's test exercises exactly what a
client would::

    async with GatewayHarness.start(plugins=["tax", "mydomain"]) as gw:
        key = await gw.create_key("department", domain="mydomain")
        body = await gw.graphql("{ subject(code: $c) { mydomain { ... } } }", {"c": "..."}, key=key)

The database is a fresh SQLite file in a temporary directory unless ``database_url`` is given.
httpx is needed (it is in the ``test`` extra). ``served_gateway`` runs ``credit-gateway serve`` as a real
process instead, for what only the command line does (workers, proxy headers, the metrics listener).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.keys import create_client
from gateway.auth.principal import Role
from gateway.db import migrate
from gateway.db.engine import serving_engine
from gateway.features.partners.store import set_contract
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.settings import Settings
from gateway.server.app import create_app

# A JSON-lines file: when set, every query operation the harness's client sends to /graphql is appended
# to it, with the kind of caller (tests/differential replays them on both execution engines).
RECORD_OPERATIONS_ENV = "CREDIT_GATEWAY_RECORD_OPERATIONS"

_WAITING_FOR_LOCKS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@dataclass
class GatewayHarness:
    settings: Settings
    engine: AsyncEngine
    client: httpx.AsyncClient
    app: Any
    # key -> {"role", "domain"} of the keys create_key made, so that a recorded operation says who sent it
    callers: dict[str, dict[str, str | None]] = field(default_factory=dict)

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        plugins: Iterable[str] | None = None,
        *,
        database_url: str | None = None,
        extra_plugins: Iterable[tuple[str, Any]] = (),
        migrate_database: bool = True,
        **settings: Any,
    ) -> AsyncIterator[GatewayHarness]:
        with tempfile.TemporaryDirectory(prefix="credit-gateway-test-") as tmp:
            url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'gateway.sqlite3'}"
            config = Settings(database_url=url, plugins=list(plugins) if plugins is not None else None, **settings)
            engine = serving_engine(config)
            app = None
            try:
                # Read connections lent from request to request, as `serve` lends them (on PostgreSQL).
                app = create_app(config, extra_plugins=extra_plugins, engine=engine, park_reads=True)
                if migrate_database:
                    await migrate.upgrade(engine, app.state.graph.composition.migrations)
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                    harness = cls(config, engine, client, app)
                    if record_to := os.environ.get(RECORD_OPERATIONS_ENV):
                        client.event_hooks["request"].append(harness._recorder(Path(record_to)))
                    yield harness
            finally:
                if app is not None and app.state.graph.read_park is not None:
                    await app.state.graph.read_park.close()
                await engine.dispose()

    @property
    def graph(self) -> Any:
        return self.app.state.graph

    async def create_key(
        self,
        role: str,
        *,
        domain: str | None = None,
        subject: str | None = None,
        contract: Iterable[str] = (),
        name: str | None = None,
    ) -> str:
        """A new client's key; ``contract``: a partner's field groups (e.g. ``["tax.rating"]``)."""
        subject_hash = None
        if subject is not None:
            subject_hash = lookup_hash(parse_subject_code(subject), self.settings.secret_key)
        info, key = await create_client(
            self.engine, name=name or f"test {role}", role=Role(role), domain=domain, subject_lookup_hash=subject_hash
        )
        if contract:
            await set_contract(self.engine, info.id, list(contract), self.graph.composition.policies.partner_groups())
        self.callers[key] = {"role": role, "domain": domain}
        return key

    def _recorder(self, path: Path) -> Callable[[httpx.Request], Any]:
        """An httpx request hook appending each query operation sent to /graphql (POST or GET) to ``path``."""

        async def record(request: httpx.Request) -> None:
            if request.url.path != "/graphql":
                return
            try:
                if request.method == "GET":
                    body: Any = dict(request.url.params)
                    body["variables"] = json.loads(body.get("variables") or "null")
                else:
                    body = json.loads(request.content)
                query, name = body.get("query"), body.get("operationName")
                operation = get_operation_ast(parse(query), name) if isinstance(query, str) else None
            except (ValueError, AttributeError, TypeError, GraphQLError):  # not JSON, not a document: no operation
                return
            if operation is None or operation.operation is not OperationType.QUERY:
                return
            key = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            caller = self.callers.get(key, {"role": "unknown", "domain": None}) if key else {"role": "public"}
            line = {"query": query, "variables": body.get("variables") or {}, "operationName": name, **caller}
            with path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")

        return record

    async def client_id(self, key: str) -> int:
        """The id of the client a key belongs to (partner ids are what subjects authorise)."""
        from gateway.auth.keys import authenticate

        principal = await authenticate(self.engine, key)
        assert principal.client_id is not None
        return principal.client_id

    async def authorize(
        self,
        subject: str,
        partner_key: str,
        *,
        groups: Iterable[str],
        purpose: str = "loan application",
        valid_until: dt.date | None = None,
        valid_from: dt.date | None = None,
    ) -> int:
        """Record that ``subject`` (a code already held) authorised the partner of ``partner_key`` to see
        ``groups`` for ``purpose`` (send it as the ``X-Purpose`` header); returns the authorisation's id."""
        from gateway.db.tables import subject as subject_table
        from gateway.features.partners.store import GRANTED_BY_SUBJECT, Grant, grant_authorization

        today = self.clock.today()
        wanted = lookup_hash(parse_subject_code(subject), self.settings.secret_key)
        async with self.engine.connect() as conn:
            subject_id = (
                await conn.execute(sa.select(subject_table.c.id).where(subject_table.c.lookup_hash == wanted))
            ).scalar_one()
        row = await grant_authorization(
            self.engine,
            subject_id=subject_id,
            grant=Grant(
                partner_id=await self.client_id(partner_key),
                field_groups=list(groups),
                purpose=purpose,
                valid_until=valid_until or today + dt.timedelta(days=365),
                valid_from=valid_from,
            ),
            granted_by=GRANTED_BY_SUBJECT,
            today=today,
            now=self.clock.now(),
            max_days=self.settings.max_authorization_days,
        )
        return int(row.id)

    async def race_on_row(self, table: str, row_id: int, requests: list[Any]) -> list[dict[str, Any]]:
        """PostgreSQL: run ``requests`` (coroutines of HTTP calls) so that every one has read the row
        ``table.id = row_id`` before any writes it: a third transaction holds the row lock until all of
        them wait for it, then lets them go. For testing that of concurrent actions exactly one wins."""
        async with self.engine.connect() as holder, self.engine.connect() as watcher:
            lock = await holder.begin()
            await holder.execute(sa.text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"), {"id": row_id})
            tasks = [asyncio.ensure_future(request) for request in requests]
            for _ in range(200):
                waiting = (await watcher.execute(_WAITING_FOR_LOCKS)).scalar_one()
                await watcher.commit()
                if waiting >= len(requests):
                    break
                await asyncio.sleep(0.025)
            else:
                raise AssertionError("the requests never waited for the row")
            await lock.commit()
            return list(await asyncio.gather(*tasks))

    @property
    def clock(self) -> Any:
        """The gateway's clock: ``gw.clock.travel_to(date(2027, 1, 1))`` runs the next requests as of that day."""
        return self.graph.clock

    async def truncate(self) -> None:
        """Empty every table (PostgreSQL), for a database shared between tests."""
        from gateway.db.tables import metadata

        tables = [*metadata.tables, *(owned.item.name for owned in self.graph.composition.tables)]
        async with self.engine.begin() as conn:
            await conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {key}"} if key else {}
        sent.update(headers or {})
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=sent)

    async def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a query and return the JSON body (``data`` and ``errors``); ``headers`` e.g. ``X-Purpose``."""
        response = await self.post(query, variables, key=key, headers=headers)
        assert response.headers["content-type"].startswith("application/json"), response.text
        return response.json()


def error_codes(body: dict[str, Any]) -> list[str | None]:
    """The ``extensions.code`` of each error in a GraphQL response body."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment (the OS picks it; another process
    could take it before the caller binds it, rare enough for tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_POLL_SECONDS = 0.3  # between readiness checks
_STOP_SECONDS = 60  # for the server to stop after SIGTERM before it is killed (workers take a while)


def _answers_readyz(url: str) -> bool:
    """The default readiness check of ``served_gateway``: ``/readyz`` (the database is reachable; it is
    exempt from rate limits) answers 200."""
    return httpx.get(f"{url}/readyz", timeout=2).status_code == 200


@contextmanager
def served_gateway(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    port: int | None = None,
    ready: Callable[[str], bool] = _answers_readyz,
    timeout: float = 120,
    log: Path | None = None,
) -> Iterator[str]:
    """``credit-gateway serve ARGS`` in a subprocess on 127.0.0.1 (``port``, or a free one) with exactly the
    environment ``env``; yields its base URL (``http://127.0.0.1:PORT``) once ``ready(url)`` holds, which
    must happen within ``timeout`` seconds. The server is always stopped on leaving (killed if SIGTERM does
    not end it). Its output goes to ``log`` (a temporary file unless given, e.g. to read the access log
    afterwards) and is attached to the error if it exits early, is not ready in time, or the block fails."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gateway.cli.main", "serve", *args, "--host", "127.0.0.1", "--port", str(port)]
    with ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="credit-gateway-serve-"))) / "serve.log"
        # A file, not a pipe: nobody reads a pipe while the test runs, and a full one would block the server.
        with log.open("w") as output:
            server = subprocess.Popen(command, env=dict(env), stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(server, url, ready, timeout)
            yield url
        except Exception as failure:
            _stop(server)  # first, so that the output is complete
            failure.add_note(f"output of `credit-gateway serve {' '.join(args)}`:\n{log.read_text()}")
            raise
        finally:
            _stop(server)


def _wait_until_ready(server: subprocess.Popen[bytes], url: str, ready: Callable[[str], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise AssertionError(f"credit-gateway serve exited with code {server.returncode} before it was ready")
        with suppress(httpx.TransportError):  # not listening yet
            if ready(url):
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"credit-gateway serve was not ready within {timeout} s")
        time.sleep(_POLL_SECONDS)


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
