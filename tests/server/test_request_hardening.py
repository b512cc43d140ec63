"""Request-level hardening of /graphql, from a security probe: malformed bodies, schema leaks through
error messages, log floods, validation bombs, ambiguous operations, and forged client addresses."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import Info
from typer.testing import CliRunner

from gateway.api import SubjectField, hookimpl
from gateway.auth.principal import PUBLIC, Role
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.kernel.settings import Settings
from gateway.server.schema import build_graph
from gateway.testing import GatewayHarness, error_codes, free_port, served_gateway

CODE = "91350100M000100Y43"


# --- 1. A JSON body or GET parameter that is not an object ------------------------------------


@pytest.mark.parametrize("body", [b"null", b"1", b"true", b'"s"', b"[]", b'[{"query": "{ __typename }"}]'])
async def test_a_json_body_that_is_not_an_object_is_a_400(gw: GatewayHarness, body: bytes) -> None:
    response = await gw.client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "params",
    [
        {"variables": "null"},
        {"variables": "1"},
        {"variables": "[]"},
        {"variables": "{not json"},
        {"extensions": "true"},
        {"extensions": "{not json"},
    ],
)
async def test_get_with_odd_parameters_is_a_400(gw: GatewayHarness, params: dict[str, str]) -> None:
    response = await gw.client.get(
        "/graphql", params={"query": "{ __typename }", **params}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]


# --- 2. Validation messages that name only what the caller sent -------------------------------

# Mistakes a prober makes, each with the variables it sends; every one fails validation or coercion.
PROBES: list[tuple[str, dict[str, Any]]] = [
    (f'{{ subject(code: "{CODE}") {{ tax }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ name {{ x }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ nope }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ tax {{ nope }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ region {{ nope }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ x: name x: code }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ records(polarity: 5) {{ id }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ records(polarity: WRONG) {{ id }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ records(first: "ten") {{ id }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ records {{ nope }} }} }}', {}),
    (f'{{ subject(code: "{CODE}") {{ ... on Query {{ __typename }} }} }}', {}),
    ("{ subject { name } }", {}),
    ("{ subject(code: 1) { name } }", {}),
    ("{ subject(code: null) { name } }", {}),
    ('{ subject(code: "x", bogus: 1) { name } }', {}),
    ("query($x: Int) { subject(code: $x) { name } }", {}),
    ("query($x: String) { subject(code: $x) { name } }", {}),
    ("query($x: [String]) { subjects(codes: $x) { name } }", {}),
    ("query($v: String!) { subject(code: $v) { name } }", {"v": 5}),
    ("query($v: String!) { subject(code: $v) { name } }", {"v": None}),
    ("query($v: String!) { subject(code: $v) { name } }", {}),
    ("query($v: [String!]!) { subjects(codes: $v) { name } }", {"v": {"a": 1}}),
    ("mutation { fileComplaint { trackingToken } }", {}),
    ("mutation { fileComplaint(input: 5) { trackingToken } }", {}),
    ("mutation { fileComplaint(input: {}) { trackingToken } }", {}),
    ('mutation { fileComplaint(input: {subjectCode: "x", bogus: 1}) { trackingToken } }', {}),
    ('mutation { fileComplaint(input: {subjectCode: "x", domain: "tax", matter: "m"}) }', {}),
    ("mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { trackingToken } }", {"i": {"subjectCode": 1}}),
    ("mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { trackingToken } }", {"i": {"nope": "x"}}),
]


async def _type_names(gw: GatewayHarness) -> set[str]:
    """Every type of the whole graph but the root types (``{ __typename }`` answers them to anyone)
    and the specification's introspection types."""
    body = await gw.graphql(
        "{ __schema { queryType { name } mutationType { name } types { name } } }", key=await gw.create_key("admin")
    )
    schema = body["data"]["__schema"]
    roots = {schema["queryType"]["name"], schema["mutationType"]["name"]}
    return {t["name"] for t in schema["types"] if not t["name"].startswith("__")} - roots


async def test_the_public_learns_no_type_name_it_did_not_write(gw: GatewayHarness) -> None:
    type_names = await _type_names(gw)
    assert {"TaxProfile", "String", "FileComplaintInput", "Polarity"} <= type_names
    leaks: list[tuple[str, str, str]] = []
    for query, variables in PROBES:
        body = await gw.graphql(query, variables)
        messages = [error["message"] for error in body.get("errors") or []]
        assert messages and body.get("data") is None, (query, body)
        sent = query + json.dumps(variables)
        for message in messages:
            for name in type_names:
                if re.search(rf"\b{re.escape(name)}\b", message) and not re.search(rf"\b{re.escape(name)}\b", sent):
                    leaks.append((query, message, name))
    assert leaks == []


async def test_messages_still_say_what_is_wrong_with_what_was_sent(gw: GatewayHarness) -> None:
    tax = f'{{ subject(code: "{CODE}") {{ tax }} }}'
    public = (await gw.graphql(tax))["errors"][0]["message"]
    assert public == "Field 'tax' must have a selection of subfields."
    variable = (await gw.graphql("query($x: Int) { subject(code: $x) { name } }"))["errors"][0]["message"]
    assert variable == "Variable '$x' of type 'Int' cannot be used in this position."
    # A type the caller wrote itself may be named back.
    written = await gw.graphql(
        "mutation($i: FileComplaintInput!) { fileComplaint(input: $i) { trackingToken } }", {"i": {"nope": "x"}}
    )
    assert "'nope'" in written["errors"][0]["message"]
    # The admin, who may introspect, reads graphql-core's messages unchanged.
    admin = await gw.graphql(tax, key=await gw.create_key("admin"))
    assert "of type 'TaxProfile'" in admin["errors"][0]["message"]


async def test_a_mutation_outside_the_audience_keeps_its_hint(gw: GatewayHarness) -> None:
    body = await gw.graphql("mutation { submitTaxCreditRatings(ratings: []) { created } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "check the key" in body["errors"][0]["message"]


# --- 3. The log: one quiet line for a client's mistake, one ERROR with traceback for a bug -----


async def resolve_boom(root: Any, info: Info) -> Badge | None:
    raise RuntimeError("a bug in a plugin")


@strawberry.type
class Badge:
    label: str


class BoomPlugin:
    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("boom", resolve_boom, "Always fails.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.boom": "public", "Badge": "public"}


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("gateway", "strawberry"))]


async def test_client_mistakes_are_not_logged_as_errors(gw: GatewayHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # About 3.6 KB of mistakes: a hundred unknown fields.
    query = f'{{ subject(code: "{CODE}") {{ {" ".join(f"nope{i}" for i in range(100))} }} }}'
    body = await gw.graphql(query, headers={"X-Request-ID": "mistakes-1"})
    assert len(body["errors"]) == 100
    records = _records(caplog)
    assert [r for r in records if r.levelno >= logging.WARNING] == []
    assert [r for r in records if r.exc_info] == []
    about_errors = [r for r in records if r.name in ("gateway.kernel.errors", "strawberry.execution")]
    assert len(about_errors) == 1 and about_errors[0].levelno <= logging.INFO
    assert "\n" not in about_errors[0].getMessage()


async def test_expected_resolver_errors_are_not_logged_as_errors(
    gw: GatewayHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A resolver's GatewayError (an invalid code, a partner's refusal) is the client's business."""
    caplog.set_level(logging.DEBUG)
    body = await gw.graphql('{ subject(code: "91110000600037341N") { name } }')
    assert error_codes(body) == ["INVALID_SUBJECT_CODE"]
    partner = await gw.create_key("partner")
    body = await gw.graphql(f'{{ subject(code: "{CODE}") {{ name }} }}', key=partner, headers={"X-Purpose": "loan"})
    assert error_codes(body) == ["AUTHORIZATION_REQUIRED"]
    records = _records(caplog)
    assert [r for r in records if r.levelno >= logging.WARNING] == []
    assert [r for r in records if r.exc_info] == []


async def test_an_unexpected_error_is_logged_once_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with GatewayHarness.start(plugins=["boom"], extra_plugins=[("boom", BoomPlugin())]) as gw:
        await seed_subjects(gw.engine, demo_subjects(3), gw.settings.secret_key)
        body = await gw.graphql(
            f'{{ subject(code: "{CODE}") {{ name boom {{ label }} }} }}', headers={"X-Request-ID": "bug-1"}
        )
    assert body["data"]["subject"]["boom"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "bug-1"}
    assert "a bug in a plugin" not in error["message"]
    errors = [r for r in _records(caplog) if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None and isinstance(errors[0].exc_info[1], RuntimeError)
    assert "bug-1" in errors[0].getMessage()


class ExplodingExtension(SchemaExtension):
    """A bug in an extension's hook: it ends the operation before the error policy sees a result."""

    def on_execute(self) -> Iterator[None]:
        raise RuntimeError("a bug in an extension")
        yield  # pragma: no cover


async def test_an_error_escaping_an_extension_is_masked_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with GatewayHarness.start() as gw:
        graph = build_graph(gw.settings, gw.engine, gw.graph.composition, extensions=[ExplodingExtension])
        context = SimpleNamespace(request_id="ext-1", principal=PUBLIC, extras={})
        result = await graph.schema_for(Role.PUBLIC).execute("{ __typename }", context_value=context)
    [error] = result.errors or []
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "ext-1"}
    assert "a bug in an extension" not in error.message
    errors = [r for r in _records(caplog) if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None and "ext-1" in errors[0].getMessage()


# --- 4. Validation bombs: a limit that says which, never "Validation aborted." ----------------


def _bombs() -> Iterator[tuple[str, str]]:
    yield "1,000 repeated fields", f'{{ subject(code: "{CODE}") {{ {" ".join(["name"] * 1000)} }} }}'
    yield "1,000 aliases", f'{{ subject(code: "{CODE}") {{ {" ".join(f"a{i}: name" for i in range(1000))} }} }}'
    yield "deep nesting", f'{{ subject(code: "{CODE}") {{ {"region { " * 150}name{" }" * 150} }} }}'
    yield "very deep nesting", "{ " + "subject { " * 3000 + "name" + " }" * 3000 + " }"
    yield (
        "a chain of 3,000 fragments",
        "{ ...F0 } "
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(3000))
        + " fragment F3000 on Query { __typename }",
    )
    yield (
        "3,000 spreads of one fragment",
        f'{{ subject(code: "{CODE}") {{ {" ".join(["...F"] * 3000)} }} }} fragment F on CreditSubject {{ name code }}',
    )
    yield (
        "1,500 fragments",
        f'{{ subject(code: "{CODE}") {{ {" ".join(f"...F{i}" for i in range(1500))} }} }} '
        + (" ".join(f"fragment F{i} on CreditSubject {{ name }}" for i in range(1500))),
    )
    yield "5,000 arguments", f'{{ subject(code: "{CODE}", {", ".join(f"a{i}: 1" for i in range(5000))}) {{ name }} }}'
    yield "a list 5,000 deep", "{ subject(code: " + "[" * 5000 + '"x"' + "]" * 5000 + ") { name } }"
    yield "10,000 variables", "query(" + " ".join(f"$v{i}: String" for i in range(10_000)) + ") { __typename }"
    yield (
        "an input object of 20,000 fields",
        "{ subject(code: {" + ", ".join(f"f{i}: {i}" for i in range(20_000)) + "}) { name } }",
    )
    yield "3,000 directives", f'{{ subject(code: "{CODE}") {{ name {" ".join(["@include(if: true)"] * 3000)} }} }}'


@pytest.mark.parametrize("role", ["public", "admin"])
async def test_no_shape_aborts_validation_or_recursion(gw: GatewayHarness, role: str) -> None:
    key = await gw.create_key("admin") if role == "admin" else None
    for name, query in _bombs():
        response = await gw.post(query, key=key)
        assert response.status_code in (200, 400), (name, response.status_code)
        body = response.json()
        for error in body.get("errors") or []:
            assert error.get("extensions", {}).get("code"), (name, error)
            assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (name, error)
            assert "aborted" not in error["message"].replace("Parsing aborted", ""), (name, error)
            assert "recursion" not in error["message"], (name, error)


async def test_repeated_fields_are_refused_by_their_own_limit(gw: GatewayHarness) -> None:
    body = await gw.graphql(f'{{ subject(code: "{CODE}") {{ {" ".join(["name"] * 1000)} }} }}')
    [error] = body["errors"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "fields", "maximum": 500, "actual": 1001}
    assert "fields" in error["message"] and body["data"] is None


async def test_the_fields_limit_is_set_per_role() -> None:
    async with GatewayHarness.start(role_limits={"public": {"max_fields": 3}}) as gw:
        query = f'{{ subject(code: "{CODE}") {{ ...F ...F }} }} fragment F on CreditSubject {{ name code }}'
        body = await gw.graphql(query)  # a fragment counts wherever it is spread: 1 + 2 × 2
        assert body["errors"][0]["extensions"] == {
            "code": "LIMIT_EXCEEDED",
            "limit": "fields",
            "maximum": 3,
            "actual": 5,
        }
        assert "errors" not in await gw.graphql(query, key=await gw.create_key("portal"))


async def test_validation_that_gives_up_is_a_limit() -> None:
    # With the fields limit raised past what graphql-core's overlap check can compare, that check gives up.
    async with GatewayHarness.start(role_limits={"admin": {"max_fields": 100_000}}) as gw:
        body = await gw.graphql(
            f'{{ subject(code: "{CODE}") {{ {" ".join(["name"] * 1000)} }} }}', key=await gw.create_key("admin")
        )
        [error] = body["errors"]
        assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "validation"}


async def test_a_chain_of_fragments_is_refused_before_it_recurses(gw: GatewayHarness) -> None:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(300))
    body = await gw.graphql(
        f"{{ ...F0 }} {chain} fragment F300 on Query {{ __typename }}", key=await gw.create_key("admin")
    )
    [error] = body["errors"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "nesting", "maximum": 100}


# --- 5. Which operation runs ------------------------------------------------------------------

TWO_OPERATIONS = "query A { a: __typename } query B { b: __typename }"


async def test_several_operations_without_operation_name_are_refused(gw: GatewayHarness) -> None:
    response = await gw.post(TWO_OPERATIONS)
    assert response.status_code == 400
    body = response.json()
    assert error_codes(body) == ["OPERATION_NAME_REQUIRED"] and "data" not in body
    got = await gw.client.get("/graphql", params={"query": TWO_OPERATIONS}, headers={"Accept": "application/json"})
    assert got.status_code == 400 and error_codes(got.json()) == ["OPERATION_NAME_REQUIRED"]


async def test_operation_name_chooses_and_an_unknown_one_is_refused(gw: GatewayHarness) -> None:
    chosen = await gw.client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "B"})
    assert chosen.json() == {"data": {"b": "Query"}}
    for name in ("C", 1, ""):
        response = await gw.client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": name})
        assert response.status_code == 400, name
        assert error_codes(response.json()) == ["BAD_REQUEST"]


# --- 6. Trusted proxies -----------------------------------------------------------------------


def test_no_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDIT_GATEWAY_TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == []
    assert Settings(trusted_proxies="10.0.0.1, 10.8.0.0/16").trusted_proxies == ["10.0.0.1", "10.8.0.0/16"]
    with pytest.raises(ValueError, match="not-an-address"):
        Settings(trusted_proxies="not-an-address")


def _serve_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """What `credit-gateway serve` hands uvicorn; starting a real server is not the point here."""
    import uvicorn

    from gateway.cli.main import app

    captured: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **options: captured.update(options))
    monkeypatch.setattr("gateway.server.observability.logs.configure_logging", lambda *args, **kwargs: None)
    for name in [n for n in os.environ if n.startswith("CREDIT_GATEWAY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CREDIT_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["serve", "--demo", "--demo-subjects", "1"])
    assert result.exit_code == 0, result.output
    return captured


def test_serve_passes_no_proxy_headers_unless_proxies_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = _serve_options(tmp_path, monkeypatch)
    assert options["proxy_headers"] is False
    options = _serve_options(tmp_path, monkeypatch, CREDIT_GATEWAY_TRUSTED_PROXIES="10.0.0.1,10.8.0.0/16")
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["10.0.0.1", "10.8.0.0/16"]


async def test_the_app_never_reads_x_forwarded_for() -> None:
    async with GatewayHarness.start(rate_limits={"public": {"rate": 0.001, "burst": 1}}) as gw:
        first = await gw.post("{ __typename }", headers={"X-Forwarded-For": "203.0.113.1"})
        second = await gw.post("{ __typename }", headers={"X-Forwarded-For": "203.0.113.2", "Forwarded": "for=1.2.3.4"})
        assert (first.status_code, second.status_code) == (200, 429)


def _statuses_behind_a_forged_header(tmp_path: Path, **env: str) -> list[int]:
    """Serve for real on a loopback port with a public bucket of one request; send two requests
    that claim different addresses."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    environment.update(
        CREDIT_GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / f'proxy-{port}.sqlite3'}",
        CREDIT_GATEWAY_RATE_LIMITS='{"public": {"rate": 0.001, "burst": 1}}',
        **env,
    )
    # The readiness check (/readyz) is exempt from rate limits: the bucket of one is left for the test.
    with served_gateway(["--demo", "--demo-subjects", "1"], environment, port=port, timeout=120) as base:
        return [
            httpx.post(
                f"{base}/graphql", json={"query": "{ __typename }"}, headers={"X-Forwarded-For": address}
            ).status_code
            for address in ("203.0.113.1", "203.0.113.2")
        ]


def test_a_forged_forwarded_for_gets_no_new_bucket(tmp_path: Path) -> None:
    assert _statuses_behind_a_forged_header(tmp_path) == [200, 429]
    # Naming the proxy (here: the test itself, on loopback) is what makes the header count.
    trusted = _statuses_behind_a_forged_header(tmp_path, CREDIT_GATEWAY_TRUSTED_PROXIES="127.0.0.1")
    assert trusted == [200, 200]
