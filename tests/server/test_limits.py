"""Abuse limits over HTTP: query limits per role, introspection, suggestions, request shapes,
rate limits (in-process and shared through Redis), and persisted operations."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.auth.keys import create_client
from gateway.auth.principal import Role
from gateway.db.tables import api_client, persisted_operation
from gateway.server.persisted import restrict_client, sha256_hex
from gateway.testing import GatewayHarness, error_codes

CODE = "91350100M000100Y43"
NON_ADMIN = ["public", "portal", "partner", "agency", "subject", "department"]
TINY = {role: {"max_depth": 2, "max_aliases": 1, "max_tokens": 30, "max_cost": 50} for role in NON_ADMIN}
REDIS_URL = os.environ.get("CREDIT_GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _key(gw: GatewayHarness, role: str) -> str | None:
    if role == "public":
        return None
    if role == "department":
        return await gw.create_key(role, domain="tax")
    if role == "subject":
        return await gw.create_key(role, subject=CODE)
    return await gw.create_key(role)


@pytest.fixture(scope="module")
async def tiny() -> AsyncIterator[GatewayHarness]:
    async with GatewayHarness.start(role_limits=TINY) as gw:
        yield gw


# Each query is within every tiny limit but the one named.
OVER = {
    "depth": (f'{{ subject(code: "{CODE}") {{ region {{ name }} }} }}', None),
    "aliases": (f'{{ a: subject(code: "{CODE}") {{ name }} b: subject(code: "{CODE}") {{ name }} }}', None),
    "tokens": (f'{{ subject(code: "{CODE}") {{ {" ".join(["name"] * 30)} }} }}', None),
    "cost": ("query($c: [String!]!) { subjects(codes: $c) { name code kind } }", {"c": [CODE] * 20}),
}


@pytest.mark.parametrize("role", NON_ADMIN)
@pytest.mark.parametrize("limit", list(OVER))
async def test_each_limit_refuses_every_role_but_the_admin(tiny: GatewayHarness, role: str, limit: str) -> None:
    query, variables = OVER[limit]
    body = await tiny.graphql(query, variables, key=await _key(tiny, role))
    assert body["data"] is None, body  # nothing executed
    [error] = body["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == limit
    assert error["extensions"]["maximum"] == TINY[role][f"max_{limit}"]
    assert error["extensions"]["actual"] > error["extensions"]["maximum"]

    admin = await tiny.graphql(query, variables, key=await tiny.create_key("admin"))
    assert "errors" not in admin, admin


async def test_default_public_limits_stop_alias_and_fragment_bombs(gw: GatewayHarness) -> None:
    aliases = " ".join(f'a{i}: subject(code: "{CODE}") {{ name }}' for i in range(11))
    body = await gw.graphql(f"{{ {aliases} }}")
    assert body["errors"][0]["extensions"]["limit"] == "aliases"

    # Each fragment spreads the previous one twice: 2^30 fields from a few hundred bytes.
    fragments = "fragment F0 on CreditSubject { name }\n" + "\n".join(
        f"fragment F{i} on CreditSubject {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)
    )
    body = await gw.graphql(f'{{ subject(code: "{CODE}") {{ ...F30 }} }}\n{fragments}')
    assert body["errors"][0]["extensions"]["limit"] == "cost"

    # A cycle of fragments neither hangs the walk nor passes validation.
    body = await gw.graphql(
        f'{{ subject(code: "{CODE}") {{ ...A }} }} fragment A on CreditSubject {{ ...B }} '
        "fragment B on CreditSubject { ...A }"
    )
    assert error_codes(body) != [] and body["data"] is None

    huge = f'{{ subject(code: "{CODE}") {{ {" ".join(["name"] * 3000)} }} }}'
    body = await gw.graphql(huge)
    assert body["errors"][0]["extensions"]["limit"] == "tokens"
    assert body["errors"][0]["extensions"]["actual"] > 2000


async def test_a_page_larger_than_allowed_keeps_its_own_error(gw: GatewayHarness) -> None:
    # The cost estimate caps `first` at max_page_size, so the resolver's precise refusal is what the client sees.
    body = await gw.graphql('{ searchSubjects(name: "公司", first: 100000000) { edges { cursor } } }')
    assert error_codes(body) == ["LIMIT_EXCEEDED"] and "limit" not in body["errors"][0]["extensions"]


INTROSPECTION = ["{ __schema { queryType { name } } }", '{ __type(name: "CreditSubject") { name } }']


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_introspection_only_for_the_admin(gw: GatewayHarness, query: str) -> None:
    for role in NON_ADMIN:
        body = await gw.graphql(query, key=await _key(gw, role))
        assert error_codes(body) == ["INTROSPECTION_DISABLED"], (role, body)
        assert body["data"] is None
    body = await gw.graphql(query, key=await gw.create_key("admin"))
    assert "errors" not in body, body
    assert (await gw.graphql("{ __typename }"))["data"] == {"__typename": "Query"}


async def test_full_introspection_query_for_admin_and_portal_in_development() -> None:
    from graphql import get_introspection_query

    async with GatewayHarness.start(development_mode=True) as gw:
        for role in ("admin", "portal"):
            body = await gw.graphql(get_introspection_query(), key=await gw.create_key(role))
            assert "errors" not in body, (role, body.get("errors"))
            assert body["data"]["__schema"]["queryType"]["name"] == "Query"
        body = await gw.graphql(get_introspection_query(), key=await gw.create_key("partner"))
        assert error_codes(body) == ["INTROSPECTION_DISABLED"]


async def test_no_suggestions_but_for_the_admin(gw: GatewayHarness) -> None:
    query = f'{{ subject(code: "{CODE}") {{ nam }} }}'
    public = await gw.graphql(query)
    assert error_codes(public) == ["GRAPHQL_VALIDATION_FAILED"]
    message = public["errors"][0]["message"]
    assert "nam" in message and "Did you mean" not in message and "'name'" not in message
    admin = await gw.graphql(query, key=await gw.create_key("admin"))
    assert "Did you mean 'name'" in admin["errors"][0]["message"]


async def test_batched_array_is_refused(gw: GatewayHarness) -> None:
    response = await gw.client.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_mutation_over_get_is_refused(gw: GatewayHarness) -> None:
    key = await gw.create_key("admin")
    mutation = "mutation { submitTaxCreditRatings(ratings: []) { created } }"
    response = await gw.client.get("/graphql", params={"query": mutation}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code in (400, 405)
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    # The same mutation over POST runs (and its resolver refuses the empty batch).
    assert error_codes(await gw.graphql(mutation, key=key)) == ["INVALID_SUBMISSION"]


async def test_cross_site_posts_are_refused(gw: GatewayHarness) -> None:
    body = '{"query": "{ __typename }"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = await gw.client.post("/graphql", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, content_type
        assert error_codes(response.json()) == ["BAD_REQUEST"]
    ok = await gw.client.post("/graphql", content=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}
    # GraphiQL and queries over GET are untouched.
    page = await gw.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    got = await gw.client.get("/graphql", params={"query": "{ __typename }"})
    assert got.json() == {"data": {"__typename": "Query"}}


async def test_rate_limit_answers_429_with_retry_after() -> None:
    async with GatewayHarness.start(rate_limits={"public": {"rate": 0.01, "burst": 2}}) as gw:
        assert [(await gw.post("{ __typename }")).status_code for _ in range(2)] == [200, 200]
        refused = await gw.post("{ __typename }")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert error_codes(refused.json()) == ["RATE_LIMITED"]
        # Another client has its own bucket; probes are never limited.
        assert (await gw.post("{ __typename }", key=await gw.create_key("partner"))).status_code == 200
        assert (await gw.client.get("/healthz")).status_code == 200


async def _redis_reachable() -> bool:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


async def test_redis_shares_one_limit_between_two_gateways() -> None:
    if not await _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    settings: dict[str, Any] = {
        "redis_url": REDIS_URL,
        "rate_limit_key_prefix": f"cg-test:{uuid.uuid4().hex}:",
        "rate_limits": {"public": {"rate": 0.01, "burst": 3}},
    }
    async with GatewayHarness.start(**settings) as one, GatewayHarness.start(**settings) as two:
        try:
            statuses = [(await gw.post("{ __typename }")).status_code for gw in (one, two, one, two, one)]
            assert statuses == [200, 200, 200, 429, 429]
            # Proof that the bucket is in Redis, not in either process.
            import redis.asyncio as redis

            client = redis.Redis.from_url(REDIS_URL)
            keys = await client.keys(settings["rate_limit_key_prefix"] + "*")
            await client.delete(*keys)
            await client.aclose()
            assert keys == [(settings["rate_limit_key_prefix"] + "ip:127.0.0.1").encode()]
        finally:
            await one.app.state.rate_limiter.aclose()
            await two.app.state.rate_limiter.aclose()


async def test_unreachable_redis_falls_back_to_in_process_buckets() -> None:
    settings = {"redis_url": "redis://127.0.0.1:1/0", "rate_limits": {"public": {"rate": 0.01, "burst": 1}}}
    async with GatewayHarness.start(**settings) as gw:
        try:
            assert (await gw.post("{ __typename }")).status_code == 200
            assert (await gw.post("{ __typename }")).status_code == 429
        finally:
            await gw.app.state.rate_limiter.aclose()


def _apq(query: str | None, digest: str) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


async def test_automatic_persisted_queries(gw: GatewayHarness) -> None:
    query = f'{{ subject(code: "{CODE}") {{ code }} }}'
    digest = sha256_hex(query)
    missing = (await gw.client.post("/graphql", json=_apq(None, digest))).json()
    assert error_codes(missing) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert missing["errors"][0]["message"] == "PersistedQueryNotFound"

    wrong = (await gw.client.post("/graphql", json=_apq(query, "0" * 64))).json()
    assert error_codes(wrong) == ["BAD_REQUEST"]

    registered = (await gw.client.post("/graphql", json=_apq(query, digest))).json()
    assert registered == {"data": {"subject": None}}
    hit = (await gw.client.post("/graphql", json=_apq(None, digest))).json()
    assert hit == {"data": {"subject": None}}
    # Apollo clients send hash-only queries over GET (asking for JSON, or GraphiQL would answer).
    got = await gw.client.get(
        "/graphql",
        params={"extensions": json.dumps(_apq(None, digest)["extensions"])},
        headers={"Accept": "application/json"},
    )
    assert got.json() == {"data": {"subject": None}}


async def test_restricted_partner_runs_only_registered_operations(gw: GatewayHarness) -> None:
    allowed = f'query Allowed {{ subject(code: "{CODE}") {{ code }} }}'
    other = f'{{ subject(code: "{CODE}") {{ name }} }}'
    info, key = await create_client(gw.engine, name="bank", role=Role.PARTNER)
    [digest] = await restrict_client(gw.engine, info.id, [allowed])
    assert digest == sha256_hex(allowed)
    headers = {"Authorization": f"Bearer {key}"}

    refused = await gw.graphql(other, key=key)
    assert error_codes(refused) == ["PERSISTED_QUERY_NOT_ALLOWED"] and refused["data"] is None
    refused = (await gw.client.post("/graphql", json=_apq(None, sha256_hex(other)), headers=headers)).json()
    assert error_codes(refused) == ["PERSISTED_QUERY_NOT_ALLOWED"]

    # It runs: the (unknown) subject is refused as any the partner has no authorisation of.
    ran = await gw.graphql(allowed, key=key)
    assert ran["data"] == {"subject": None} and error_codes(ran) == ["AUTHORIZATION_REQUIRED"]
    by_hash = (await gw.client.post("/graphql", json=_apq(None, digest), headers=headers)).json()
    assert by_hash["data"] == {"subject": None} and error_codes(by_hash) == ["AUTHORIZATION_REQUIRED"]

    # An unrestricted partner is not affected.
    assert error_codes(await gw.graphql(other, key=await gw.create_key("partner"))) == ["AUTHORIZATION_REQUIRED"]


def test_cli_restricts_a_client(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env["CREDIT_GATEWAY_DATABASE_URL"] = url
    cli = [sys.executable, "-m", "gateway.cli.main"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=180)

    assert run("db", "upgrade").returncode == 0
    assert run("clients", "create", "--role", "partner", "--name", "bank").returncode == 0
    good = tmp_path / "profile.graphql"
    good.write_text(f'query Profile {{ subject(code: "{CODE}") {{ name }} }}\n', encoding="utf-8")
    two = tmp_path / "two.graphql"
    two.write_text("query A { __typename } query B { __typename }", encoding="utf-8")

    refused = run("clients", "restrict", "1", "--operations", str(two))
    assert refused.returncode != 0 and "exactly one operation" in refused.stderr
    done = run("clients", "restrict", "1", "--operations", str(good))
    assert done.returncode == 0, done.stderr
    assert sha256_hex(good.read_text(encoding="utf-8").strip()) in done.stdout

    async def check() -> tuple[bool, int]:
        from gateway.db.engine import create_engine

        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                restricted = (await conn.execute(sa.select(api_client.c.restricted_to_persisted))).scalar_one()
                count = (await conn.execute(sa.select(sa.func.count()).select_from(persisted_operation))).scalar_one()
        finally:
            await engine.dispose()
        return restricted, count

    assert asyncio.run(check()) == (True, 1)
