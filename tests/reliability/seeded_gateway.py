"""A gateway on SQLite with a little of everything, and a caller for each audience.

The fuzz runs synchronously (Hypothesis drives a plain function), so this gateway lives on an event
loop of its own: ``run(coroutine)`` completes one request on it. The data: demo subjects and their
records in every domain, a partner with a full contract that two subjects authorised, and one open
dispute, repair application, complaint and commitment, so that generated ids often reach real rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import graphql
import httpx

from gateway.auth.principal import Role
from gateway.host.demo import ANCHOR_SUBJECTS, demo_subjects, seed
from gateway.testing import GatewayHarness, error_codes
from reliability.values import Vocabulary

T = TypeVar("T")

SUBJECTS = 12  # enough for records in every domain; each more makes seeding slower, not the fuzz better
DEMO_DAY = dt.date(2026, 11, 1)  # the demo's records are as of this day
TODAY = dt.date(2026, 11, 15)  # pinned, so that windows and deadlines do not move between runs
SHOWCASE = ANCHOR_SUBJECTS[0][0]  # records in every domain
OTHER = ANCHOR_SUBJECTS[1][0]
PERSON = "11010519491231002X"
PURPOSE = "loan application"
# Rate limits are not what this suite tests, and thousands of requests in seconds would only meet them.
UNLIMITED = {role.value: {"rate": 1e9, "burst": 1e9} for role in Role}


@dataclass(frozen=True)
class Caller:
    """One way an audience's request arrives: its key (None: anonymous) and extra headers."""

    key: str | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Audience:
    role: Role
    schema: graphql.GraphQLSchema  # what this audience's introspection shows
    callers: tuple[Caller, ...]


@dataclass
class SeededGateway:
    harness: GatewayHarness
    loop: asyncio.AbstractEventLoop
    vocabulary: Vocabulary
    audiences: dict[Role, Audience]

    def run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    def post(self, operation: str, variables: dict[str, Any], caller: Caller, request_id: str) -> httpx.Response:
        headers = {"X-Request-ID": request_id, **dict(caller.headers)}
        return self.run(self.harness.post(operation, variables, key=caller.key, headers=headers))


@contextmanager
def seeded_gateway() -> Iterator[SeededGateway]:
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    try:
        harness = loop.run_until_complete(stack.enter_async_context(GatewayHarness.start(rate_limits=UNLIMITED)))
        yield loop.run_until_complete(_seed(harness, loop))
    finally:
        loop.run_until_complete(stack.aclose())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def _seed(harness: GatewayHarness, loop: asyncio.AbstractEventLoop) -> SeededGateway:
    composition = harness.graph.composition
    secret_key = harness.settings.secret_key
    await seed(harness.engine, composition.manager, secret_key=secret_key, subjects=SUBJECTS, today=DEMO_DAY)
    harness.clock.travel_to(TODAY)
    groups = sorted(composition.policies.partner_groups())
    domains = tuple(composition.plugin_names)

    partner = await harness.create_key("partner", contract=groups)
    for subject in (SHOWCASE, OTHER):
        await harness.authorize(subject, partner, groups=groups, purpose=PURPOSE)
    subject_keys = [await harness.create_key("subject", subject=code) for code in (SHOWCASE, PERSON)]
    department_keys = [await harness.create_key("department", domain=domain) for domain in domains]
    callers = {
        Role.PUBLIC: [Caller(None)],
        Role.PORTAL: [Caller(await harness.create_key("portal"))],
        Role.SUBJECT: [Caller(key) for key in subject_keys],
        Role.DEPARTMENT: [Caller(key) for key in department_keys],
        # Partners state a purpose; sometimes the authorised one, sometimes another or none.
        Role.PARTNER: [
            Caller(partner, (("X-Purpose", PURPOSE),)),
            Caller(partner, (("X-Purpose", PURPOSE),)),
            Caller(partner, (("X-Purpose", "marketing"),)),
            Caller(partner),
        ],
        Role.ADMIN: [Caller(await harness.create_key("admin"))],
    }
    await _open_cases(harness, subject_keys[0])

    audiences = {role: Audience(role, _audience_schema(harness, role), tuple(callers[role])) for role in callers}
    vocabulary = Vocabulary(
        subject_codes=tuple(s.code.value for s in demo_subjects(SUBJECTS)), domains=domains, field_groups=tuple(groups)
    )
    return SeededGateway(harness, loop, vocabulary, audiences)


def _audience_schema(harness: GatewayHarness, role: Role) -> graphql.GraphQLSchema:
    sdl = harness.graph.schema_for(role).as_str()
    # The SDL uses federation directives (@key, @link) that it does not define; they do not matter here.
    return graphql.build_schema(sdl, assume_valid_sdl=True)


async def _open_cases(harness: GatewayHarness, subject_key: str) -> None:
    """One case of each lifecycle, open, through the API as their parties would file them."""
    records = await _ok(
        harness,
        "query($c: String!) { subject(code: $c) { records { id polarity } } }",
        {"c": SHOWCASE},
        subject_key,
    )
    rows = records["subject"]["records"]
    negative = [r["id"] for r in rows if r["polarity"] == "NEGATIVE"]
    await _ok(
        harness,
        'mutation($r: ID!) { fileDispute(input: {recordId: $r, reason: "金额有误"}) { id } }',
        {"r": rows[0]["id"]},
        subject_key,
    )
    if negative:
        # Not every negative record may be repaired (category, publicity served); one attempt is enough.
        await harness.graphql(
            'mutation($r: ID!) { applyForRepair(input: {recordId: $r, commitment: "依法经营"}) { id } }',
            {"r": negative[-1]},
            key=subject_key,
        )
    await _ok(
        harness,
        """mutation($u: Date!) { makeCommitment(input: {commitmentType: VOLUNTARY, content: "守信经营",
        liability: "承担责任", validUntil: $u, disclosure: PUBLIC, domain: "tax"}) { id } }""",
        {"u": (TODAY + dt.timedelta(days=180)).isoformat()},
        subject_key,
    )
    await _ok(
        harness,
        """mutation($c: String!) { fileComplaint(input: {subjectCode: $c, domain: "tax", matter: "未按规定开具发票"})
        { trackingToken } }""",
        {"c": SHOWCASE},
        None,
    )


async def _ok(harness: GatewayHarness, query: str, variables: dict[str, Any], key: str | None) -> dict[str, Any]:
    body = await harness.graphql(query, variables, key=key)
    assert not body.get("errors"), (query, error_codes(body), body["errors"])
    return body["data"]
