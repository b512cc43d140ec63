"""Two gateways over one database, one per execution engine, and the comparison of their answers.

``EnginePair.start`` builds the gateway twice on the same ``AsyncEngine``: ``planned`` (the engine
under test) and ``core`` (graphql-core, strawberry's default execution, the oracle). Each case is
sent to both as the same caller with the same ``X-Request-ID`` (masked errors quote it), and
``assert_same`` demands the same HTTP status, the same ``data`` (key order included: the spec orders
a response by its selection set) and the same errors as (path, message, code, locations), ordered by
path then message.

Reads write one thing: the query record (a row per subject a keyed caller looked at, stamped with
the real time and the request id). So that the second engine and later cases see the same table as
the first, every row appended after the seeding is deleted after each request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa

from gateway.auth.principal import Role
from gateway.db.tables import query_record
from gateway.host.demo import ANCHOR_SUBJECTS, demo_subjects, seed
from gateway.kernel.settings import Settings
from gateway.server.app import create_app
from gateway.testing import GatewayHarness, error_codes

PLANNED, CORE = "planned", "graphql-core"
SUBJECTS = 30  # demo subjects: records in every domain, and lists longer than a default page in some
DEMO_DAY = dt.date(2026, 11, 1)  # the demo's records are as of this day
TODAY = dt.date(2026, 11, 15)  # both gateways' clocks, pinned: windows and deadlines do not move
SHOWCASE = ANCHOR_SUBJECTS[0][0]  # records in every domain
OTHER = ANCHOR_SUBJECTS[1][0]
THIRD = ANCHOR_SUBJECTS[2][0]  # authorised nobody
PERSON = "11010519491231002X"
PURPOSE = "loan application"
PARTNER_WITHOUT_RATINGS = "tax.rating"  # the group OTHER did not authorise: TaxCreditRating.score is forbidden there
# Thousands of requests in seconds would meet the rate limits, which are not what this suite compares.
UNLIMITED = {role.value: {"rate": 1e9, "burst": 1e9} for role in Role}


@dataclass(frozen=True)
class Caller:
    """Who sends a case: ``label`` (public, portal, admin, subject, partner, department:<domain>)."""

    label: str
    key: str | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any
    errors: list[dict[str, Any]]
    body: dict[str, Any]


@dataclass
class EnginePair:
    planned: GatewayHarness
    core: GatewayHarness
    callers: dict[str, Caller] = field(default_factory=dict)
    kept_records: int = 0  # query_record rows of the seeding; later ones are deleted after each request
    sent: int = 0

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        *,
        database_url: str | None = None,
        extra_plugins: Iterable[tuple[str, Any]] = (),
        **settings: Any,
    ) -> AsyncIterator[EnginePair]:
        """Both gateways (all installed plugins plus ``extra_plugins``) on one migrated database."""
        extra = list(extra_plugins)
        settings = {"rate_limits": UNLIMITED, **settings}
        async with GatewayHarness.start(
            database_url=database_url, extra_plugins=extra, execution_engine=PLANNED, **settings
        ) as planned:
            if database_url is not None:
                await planned.truncate()  # a PostgreSQL database may hold an earlier run's rows
            config = Settings(database_url=planned.settings.database_url, execution_engine=CORE, **settings)
            # The same engine: one pool, and on SQLite no second connection to the same file.
            app = create_app(config, extra_plugins=extra, engine=planned.engine)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                core = GatewayHarness(config, planned.engine, client, app)
                assert planned.settings.execution_engine == PLANNED and core.settings.execution_engine == CORE
                for harness in (planned, core):
                    harness.clock.travel_to(TODAY)
                yield cls(planned, core)

    # --- the world both see --------------------------------------------------------------------------

    async def seed(self) -> None:
        """Demo subjects and records, a caller of every audience, a partner authorised by two subjects
        (one without the tax rating group), one open case of each lifecycle, and a few query records."""
        gw = self.planned
        composition = gw.graph.composition
        for harness in (self.planned, self.core):
            harness.clock.travel_to(DEMO_DAY)
        await seed(gw.engine, composition.manager, secret_key=gw.settings.secret_key, subjects=SUBJECTS, today=DEMO_DAY)
        for harness in (self.planned, self.core):
            harness.clock.travel_to(TODAY)
        groups = sorted(composition.policies.partner_groups())
        partner = await gw.create_key("partner", contract=groups, name="differential partner")
        await gw.authorize(SHOWCASE, partner, groups=groups, purpose=PURPOSE)
        await gw.authorize(OTHER, partner, groups=[g for g in groups if g != PARTNER_WITHOUT_RATINGS], purpose=PURPOSE)
        subject = await gw.create_key("subject", subject=SHOWCASE, name="differential subject")
        callers = [
            Caller("public", None),
            Caller("portal", await gw.create_key("portal", name="differential portal")),
            Caller("admin", await gw.create_key("admin", name="differential admin")),
            Caller("subject", subject),
            Caller("partner", partner, (("X-Purpose", PURPOSE),)),
        ]
        for domain in self.domains:
            key = await gw.create_key("department", domain=domain, name=f"differential {domain}")
            callers.append(Caller(f"department:{domain}", key))
        self.callers = {caller.label: caller for caller in callers}
        await self._open_cases(subject)
        # Query records to read back (me.queryRecords, the admin's queryRecords): made now, kept throughout.
        profile = "query($c: String!) { subject(code: $c) { name tax { ratings { year } } } }"
        for code in (SHOWCASE, OTHER, THIRD):
            await gw.graphql(profile, {"c": code}, key=partner, headers={"X-Purpose": PURPOSE})
        await gw.graphql(profile, {"c": SHOWCASE}, key=self.callers["admin"].key)
        async with gw.engine.connect() as conn:
            self.kept_records = (await conn.execute(sa.select(sa.func.count()).select_from(query_record))).scalar_one()
        assert self.kept_records >= 3

    @property
    def domains(self) -> list[str]:
        """The plugins with a department (those that own records)."""
        return sorted(source.domain for source in self.planned.graph.composition.record_sources)

    async def _open_cases(self, subject_key: str) -> None:
        """One case of each lifecycle, open, filed as their parties would (after tests/reliability)."""
        gw = self.planned
        rows = (
            await _ok(
                gw, "query($c: String!) { subject(code: $c) { records { id polarity } } }", {"c": SHOWCASE}, subject_key
            )
        )["subject"]["records"]
        await _ok(
            gw,
            'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "金额有误"}) { id } }',
            {"r": rows[0]["id"]},
            subject_key,
        )
        negative = [r["id"] for r in rows if r["polarity"] == "NEGATIVE"]
        if negative:  # not every negative record may be repaired; one attempt is enough
            await gw.graphql(
                'mutation($r: ID!) { applyForRepair(input: {recordId: $r, commitment: "依法经营"}) { id } }',
                {"r": negative[-1]},
                key=subject_key,
            )
        await _ok(
            gw,
            """mutation($u: Date!) { makeCommitment(input: {commitmentType: VOLUNTARY, content: "守信经营",
            liability: "承担责任", validUntil: $u, disclosure: PUBLIC, domain: "tax"}) { id } }""",
            {"u": (TODAY + dt.timedelta(days=180)).isoformat()},
            subject_key,
        )
        await _ok(
            gw,
            """mutation($c: String!) { fileComplaint(input: {subjectCode: $c, domain: "tax",
            matter: "未按规定开具发票"}) { trackingToken } }""",
            {"c": SHOWCASE},
            None,
        )

    @property
    def subject_codes(self) -> tuple[str, ...]:
        return tuple(s.code.value for s in demo_subjects(SUBJECTS))

    # --- sending and comparing -----------------------------------------------------------------------

    async def send(
        self,
        harness: GatewayHarness,
        query: str,
        variables: dict[str, Any] | None,
        caller: Caller,
        *,
        operation_name: str | None = None,
        request_id: str,
    ) -> Answer:
        headers = {"X-Request-ID": request_id, **dict(caller.headers)}
        if caller.key:
            headers["Authorization"] = f"Bearer {caller.key}"
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name is not None:
            payload["operationName"] = operation_name
        response = await harness.client.post("/graphql", json=payload, headers=headers)
        await self._forget_new_query_records()
        body = response.json()
        assert isinstance(body, dict), body
        return Answer(response.status_code, body.get("data"), body.get("errors") or [], body)

    async def _forget_new_query_records(self) -> None:
        """Delete the rows appended since the seeding. The table refuses deletes (triggers, see migration
        core_0004), so the delete steps past them in its own transaction: on PostgreSQL with triggers off
        for it (session_replication_role), on SQLite by dropping the triggers and creating them again."""
        async with self.planned.engine.begin() as conn:
            newest = (await conn.execute(sa.select(sa.func.max(query_record.c.id)))).scalar_one()
            if newest is None or newest <= self.kept_records:
                return
            delete = query_record.delete().where(query_record.c.id > self.kept_records)
            if conn.dialect.name == "postgresql":
                await conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                await conn.execute(delete)
                return
            triggers = (
                await conn.execute(
                    sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'query_record'")
                )
            ).all()
            assert triggers, "the query record's append-only triggers are gone"
            for name, _ in triggers:
                await conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
            await conn.execute(delete)
            for _, sql in triggers:
                await conn.execute(sa.text(sql))

    async def both(
        self, query: str, variables: dict[str, Any] | None = None, caller: str | Caller = "admin", **kw: Any
    ) -> tuple[Answer, Answer]:
        """The answers of the planned engine and of graphql-core to the same request."""
        who = self.callers[caller] if isinstance(caller, str) else caller
        self.sent += 1
        request_id = f"differential-{self.sent}"
        planned = await self.send(self.planned, query, variables, who, request_id=request_id, **kw)
        core = await self.send(self.core, query, variables, who, request_id=request_id, **kw)
        return planned, core

    async def assert_same(
        self, query: str, variables: dict[str, Any] | None = None, caller: str | Caller = "admin", **kw: Any
    ) -> Answer:
        """Send to both; fail unless they agree. Returns graphql-core's answer (for extra checks)."""
        planned, core = await self.both(query, variables, caller, **kw)
        assert_same_answer(planned, core, context=f"caller {caller!r}, variables {variables!r}\n{query}")
        return core


def comparable_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each error as (path, message, code, locations when present), ordered by path then message: the
    order of errors in a response is not specified, and engines that run by level may differ in it."""
    out = []
    for error in errors:
        item = {
            "path": error.get("path"),
            "message": error.get("message"),
            "code": (error.get("extensions") or {}).get("code"),
        }
        if "locations" in error:
            item["locations"] = error["locations"]
        out.append(item)
    return sorted(out, key=lambda e: (_path_key(e["path"]), e["message"] or "", json.dumps(e)))


def outside_nulled(errors: list[dict[str, Any]], data: Any) -> list[dict[str, Any]]:
    """The errors that are not from deep inside a position the response holds as null.

    The one place where the engines may differ by design: when an error in a non-null position nulls
    an enclosing object, the specification does not say which errors from further inside that object
    are reported. graphql-core reports those of fields that happened to run before the null (which
    depends on document order and on its asynchronous scheduling); the planned engine runs no further
    level inside a nulled object. The data are the same either way, and so is every error of the
    nulled object's own fields (the one that caused the null among them): only errors two or more
    levels below a null are left out of the comparison."""
    return [error for error in errors if not _deep_under_null(error.get("path") or [], data)]


def _deep_under_null(path: list[str | int], data: Any) -> bool:
    """Whether a position at least two steps above ``path`` holds null (the whole data included)."""
    node = data
    for step in path[:-1]:
        if node is None:
            return True
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    return False


def _split_at_nulls(
    errors: list[dict[str, Any]], data: Any
) -> tuple[list[dict[str, Any]], dict[tuple[str | int, ...], list[dict[str, Any]]]]:
    """The errors outside every nulled object, and those of each nulled object's own fields by its path.

    When a field in a non-null position fails, its object is null, and the specification does not say
    which of the object's other fields still report their errors: graphql-core drops those of fields whose
    resolvers were still waiting when the object was nulled, the planned engine reports every field of the
    level. So those are compared as sets, not one by one."""
    outside: list[dict[str, Any]] = []
    own: dict[tuple[str | int, ...], list[dict[str, Any]]] = {}
    for error in errors:
        path = error.get("path") or []
        if len(path) >= 2 and _holds_null(data, path[:-1]):
            own.setdefault(tuple(path[:-1]), []).append(error)
        else:
            outside.append(error)
    return outside, own


def _holds_null(data: Any, path: list[str | int]) -> bool:
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    return node is None


def _path_key(path: list[str | int] | None) -> tuple[tuple[int, int, str], ...]:
    """Paths in order: a response's errors without a path first, list indexes as numbers (2 before 10)."""
    return tuple((0, step, "") if isinstance(step, int) else (1, 0, str(step)) for step in path or ())


def assert_same_answer(planned: Answer, core: Answer, *, context: str = "") -> None:
    """Fail, showing both sides, unless the two answers agree in status, errors, data and key order."""

    def differ(what: str, mine: Any, oracle: Any) -> str:
        show = [_shown(mine), _shown(oracle)]
        return f"{what} differ{_SEP}planned engine: {show[0]}{_SEP}graphql-core:   {show[1]}{_SEP}{context}"

    assert planned.status == core.status, differ("HTTP statuses", planned.status, core.status)
    assert planned.data == core.data, differ("data", planned.data, core.data)
    mine_all = comparable_errors(outside_nulled(planned.errors, planned.data))
    oracle_all = comparable_errors(outside_nulled(core.errors, core.data))
    mine, mine_own = _split_at_nulls(mine_all, planned.data)
    oracle, oracle_own = _split_at_nulls(oracle_all, core.data)
    assert mine == oracle, differ("errors", mine, oracle)
    # A nulled object's own fields: the same objects hold errors on both sides, and graphql-core's are
    # among the planned engine's (it may drop those of fields still waiting when a sibling nulled the object).
    assert set(mine_own) == set(oracle_own), differ("nulled objects with errors", sorted(mine_own), sorted(oracle_own))
    for parent, errors in oracle_own.items():
        missing = [error for error in errors if error not in mine_own[parent]]
        assert not missing, differ(f"errors of the nulled object at {list(parent)}", mine_own[parent], errors)
    # Equal as dicts, yet the order of keys is part of a response: it follows the selection set.
    ordered = json.dumps(planned.data, ensure_ascii=False), json.dumps(core.data, ensure_ascii=False)
    assert ordered[0] == ordered[1], differ("key orders of data", ordered[0], ordered[1])


_SEP = "\n  "
_SHOWN_CHARS = 3_000


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + " …"


async def _ok(gw: GatewayHarness, query: str, variables: dict[str, Any], key: str | None) -> dict[str, Any]:
    body = await gw.graphql(query, variables, key=key)
    assert not body.get("errors"), (query, error_codes(body), body["errors"])
    return body["data"]
