"""Observability over real HTTP: Prometheus metrics at /metrics (admin only), OpenTelemetry spans,
and the access log. Metrics are process-wide, so each test compares a scrape before and after."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from gateway.db.engine import create_engine
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.kernel.settings import Settings
from gateway.server.observability.listener import start_metrics_listener
from gateway.server.observability.logs import log_handler
from gateway.telemetry import metrics
from gateway.telemetry.multiprocess import MULTIPROCESS_ENV
from gateway.testing import GatewayHarness, error_codes, free_port, served_gateway

SHOWCASE = "91350100M000100Y43"
PROFILE = "query Profile($c: [String!]!) { subjects(codes: $c) { name tax { isMajorViolator } records { id } } }"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(text: str) -> Samples:
    """Every sample of an exposition, read with prometheus_client's own parser."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(value for (sample, found), value in samples.items() if sample == name and wanted <= found)


async def _scrape(gw: GatewayHarness, key: str) -> Samples:
    response = await gw.client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return _parse(response.text)


def _delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return _value(after, name, **labels) - _value(before, name, **labels)


@asynccontextmanager
async def _gateway(database_url: str | None, **settings: Any) -> AsyncIterator[GatewayHarness]:
    async with GatewayHarness.start(database_url=database_url, **settings) as gw:
        if database_url is not None:
            await gw.truncate()
        yield gw


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed_subjects(gw.engine, demo_subjects(20), gw.settings.secret_key)
    return gw


# --- Metrics ---------------------------------------------------------------------------------


async def test_requests_sql_loader_batches_query_records_and_the_pool_are_measured(seeded: GatewayHarness) -> None:
    admin, portal = await seeded.create_key("admin"), await seeded.create_key("portal")
    department = await seeded.create_key("department", domain="tax")
    before = await _scrape(seeded, admin)

    body = await seeded.graphql(PROFILE, {"c": [SHOWCASE]}, key=portal)
    assert "errors" not in body, body
    refused = await seeded.graphql('query Look { subject(code: "not a code") { name } }', key=department)
    assert error_codes(refused) == ["INVALID_SUBJECT_CODE"]
    async with seeded.engine.connect():  # held through the scrape: the pool shows it
        after = await _scrape(seeded, admin)

    requests = "credit_gateway_requests_total"
    assert _delta(before, after, requests, operation="Profile", audience="portal", outcome="OK") == 1
    assert _delta(before, after, requests, operation="Look", audience="department", outcome="INVALID_SUBJECT_CODE") == 1
    timed = "credit_gateway_request_duration_seconds_count"
    assert _delta(before, after, timed, operation="Profile", audience="portal") == 1
    assert _delta(before, after, "credit_gateway_sql_statements_total", statement="SELECT") > 0
    assert _delta(before, after, "credit_gateway_sql_duration_seconds_count", statement="SELECT") > 0
    # The subject by its code, then the tax records of it: one batch of one key each.
    batches = "credit_gateway_loader_batch_size_count"
    assert _delta(before, after, batches, loader="tax.records") == 1
    assert _delta(before, after, "credit_gateway_loader_batch_size_sum", loader="tax.records") == 1
    # The portal's access went to the query record (one append); the refused look-up appended nothing.
    assert _delta(before, after, "credit_gateway_query_record_append_seconds_count") == 1
    assert _value(after, "credit_gateway_db_pool_checked_out") >= 1
    assert _value(after, "credit_gateway_db_pool_size") >= 1


async def test_metrics_are_refused_to_anyone_but_the_admin(gw: GatewayHarness) -> None:
    anonymous = await gw.client.get("/metrics")
    assert anonymous.status_code == 401 and error_codes(anonymous.json()) == ["UNAUTHENTICATED"]
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    unknown = await gw.client.get("/metrics", headers={"Authorization": "Bearer cg_not-a-key"})
    assert unknown.status_code == 401 and error_codes(unknown.json()) == ["UNAUTHENTICATED"]
    keys = [
        await gw.create_key("portal"),
        await gw.create_key("department", domain="tax"),
        await gw.create_key("partner"),
        await gw.create_key("subject", subject=SHOWCASE),
    ]
    for key in keys:
        refused = await gw.client.get("/metrics", headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 403 and error_codes(refused.json()) == ["FORBIDDEN"]
        assert "credit_gateway" not in refused.text


def test_the_metrics_bind_is_host_and_port() -> None:
    assert Settings(metrics_bind="[::1]:9464").metrics_bind == "[::1]:9464"
    for wrong in ("9464", "localhost", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(ValidationError):
            Settings(metrics_bind=wrong)


async def test_metrics_can_be_turned_off() -> None:
    async with GatewayHarness.start(metrics_enabled=False) as gw:
        response = await gw.client.get("/metrics", headers={"Authorization": f"Bearer {await gw.create_key('admin')}"})
        assert response.status_code == 404


async def test_a_rate_limit_refusal_is_counted(database_url: str | None) -> None:
    async with _gateway(database_url, rate_limits={"public": {"rate": 0.01, "burst": 1}}) as gw:
        admin = await gw.create_key("admin")
        before = await _scrape(gw, admin)
        assert [(await gw.post("query Ping { __typename }")).status_code for _ in range(2)] == [200, 429]
        after = await _scrape(gw, admin)
    assert _delta(before, after, "credit_gateway_rate_limit_refusals_total", audience="public") == 1
    requests = "credit_gateway_requests_total"
    # Refused before GraphQL read it: no operation name, the refusal's code as the outcome.
    assert _delta(before, after, requests, operation="none", audience="public", outcome="RATE_LIMITED") == 1
    assert _delta(before, after, requests, operation="other", audience="public", outcome="OK") == 1


async def test_operation_names_are_a_bounded_label_set() -> None:
    async with GatewayHarness.start(metrics_operation_names=["Known"], metrics_max_operation_names=1) as gw:
        admin, portal = await gw.create_key("admin"), await gw.create_key("portal")
        before = await _scrape(gw, admin)
        await gw.post("query Known { __typename }")  # listed: its own label, even from the public
        await gw.post("query Invented { __typename }")  # the public never adds a name
        await gw.post("query Broken { nope }", key=portal)  # did not validate: not added
        await gw.post("query First { __typename }", key=portal)  # a keyed client's: added (cap 1)
        await gw.post("query Second { __typename }", key=portal)  # over the cap
        await gw.post("{ __typename }", key=portal)
        await gw.client.post("/graphql", content=b"{", headers={"Content-Type": "application/json"})
        await gw.post("query A { __typename } query B { __typename }")  # refused by the endpoint, with its code
        after = await _scrape(gw, admin)
    requests = "credit_gateway_requests_total"
    assert _delta(before, after, requests, operation="Known", audience="public") == 1
    assert _delta(before, after, requests, operation="First", audience="portal") == 1
    assert _delta(before, after, requests, operation="other", audience="public") == 1
    assert _delta(before, after, requests, operation="other", audience="portal", outcome="OK") == 1
    assert _delta(before, after, requests, operation="other", outcome="GRAPHQL_VALIDATION_FAILED") == 1
    assert _delta(before, after, requests, operation="anonymous", audience="portal") == 1
    assert _delta(before, after, requests, operation="none", outcome="BAD_REQUEST") == 1
    assert _delta(before, after, requests, operation="none", outcome="OPERATION_NAME_REQUIRED") == 1
    # The registry is the process's: other tests (the differential suite replays these very operations
    # as other gateways' keyed clients) may have added such labels before. This gateway must not.
    labels_before = {dict(found).get("operation") for (name, found) in before if name == requests}
    added = {dict(found).get("operation") for (name, found) in after if name == requests} - labels_before
    assert {"Invented", "Broken", "Second"}.isdisjoint(added)


def _run_worker(directory: Path, script: str) -> None:
    env = {**os.environ, MULTIPROCESS_ENV: str(directory)}
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, check=True, timeout=120)


def test_a_forked_worker_counts_the_pool_it_inherited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a preloading supervisor forks workers with their app built (gateway.server.preloaded_app): the
    child counts the inherited pool in its own files; the parent, which serves nothing, forgets its own."""
    supervisor = """
        import os
        import sqlalchemy as sa
        from gateway.telemetry import metrics

        engine = sa.create_engine("sqlite://", poolclass=sa.pool.QueuePool, pool_size=3)
        metrics.watch_pool(engine)
        metrics.forget_process()
        worker = os.fork()
        if worker == 0:
            connection = engine.connect()
            os._exit(0)  # its live gauges stay in its files, as a running worker's do
        os.waitpid(worker, 0)
    """
    _run_worker(tmp_path, supervisor)
    monkeypatch.setenv(MULTIPROCESS_ENV, str(tmp_path))
    samples = _parse(metrics.render(None)[0].decode())
    assert _value(samples, "credit_gateway_db_pool_size") == 3
    assert _value(samples, "credit_gateway_db_pool_checked_out") == 1


def test_workers_metrics_are_summed_through_the_multiprocess_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes in multiprocess mode, as ``serve --workers 2`` runs them; a scrape (the
    registry factory, and the separate listener) reads both. The second shuts down cleanly, so
    its live gauges (the pool) leave with it; its counters stay."""
    worker = """
        import sqlalchemy as sa
        from gateway.auth.principal import Role
        from gateway.telemetry import metrics

        assert metrics.MULTIPROCESS
        metrics.count_rate_limit_refusal(Role.PARTNER)
        metrics.loader_batch_observer("tax.records")(7)
        metrics.RequestMetrics().observe("Profile", "portal", "OK", 0.02)
        engine = sa.create_engine("sqlite://", poolclass=sa.pool.QueuePool, pool_size=3)
        metrics.watch_pool(engine)
        connection = engine.connect()
    """
    _run_worker(tmp_path, worker)
    _run_worker(tmp_path, textwrap.dedent(worker) + "connection.close()\nmetrics.forget_process()\n")

    monkeypatch.setenv(MULTIPROCESS_ENV, str(tmp_path))
    body, content_type = metrics.render(None)
    assert content_type.startswith("text/plain")
    samples = _parse(body.decode())
    assert _value(samples, "credit_gateway_rate_limit_refusals_total", audience="partner") == 2
    assert _value(samples, "credit_gateway_loader_batch_size_count", loader="tax.records") == 2
    assert _value(samples, "credit_gateway_loader_batch_size_sum", loader="tax.records") == 14
    assert _value(samples, "credit_gateway_requests_total", operation="Profile", audience="portal") == 2
    assert _value(samples, "credit_gateway_db_pool_size") == 3  # the first worker's only
    assert _value(samples, "credit_gateway_db_pool_checked_out") == 1

    server = start_metrics_listener("127.0.0.1:0")
    try:
        scraped = httpx.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert scraped.status_code == 200
    assert _value(_parse(scraped.text), "credit_gateway_rate_limit_refusals_total", audience="partner") == 2


def test_serve_with_two_workers_sums_their_metrics(tmp_path: Path) -> None:
    """``serve --workers 2``: two uvicorn worker processes built by the app factory; the separate
    listener (in the supervisor) sums both workers' files; an earlier run's files are wiped."""
    metrics_port = free_port()
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"an earlier run's file, unreadable")
    url = f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDIT_GATEWAY_", "OTEL_"))}
    env.update(
        {
            "CREDIT_GATEWAY_DATABASE_URL": url,
            "CREDIT_GATEWAY_METRICS_BIND": f"127.0.0.1:{metrics_port}",
            "CREDIT_GATEWAY_LOG_FORMAT": "json",
            MULTIPROCESS_ENV: str(directory),
        }
    )
    # Each worker's pool adds its size to the gauge: twice one engine's pool once both are up.
    both_pools = 2 * create_engine(url).sync_engine.pool.size()  # type: ignore[attr-defined]

    def both_workers_up(url: str) -> bool:
        scraped = _parse(httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2).text)
        # A worker reports its pool when its app is built, before it serves: ask the main port too.
        up = _value(scraped, "credit_gateway_db_pool_size") == both_pools
        return up and httpx.get(f"{url}/readyz", timeout=2).status_code == 200

    log = tmp_path / "serve.log"
    args = ["--demo", "--demo-subjects", "20", "--workers", "2"]
    with served_gateway(args, env, ready=both_workers_up, timeout=180, log=log) as base:
        with httpx.Client(base_url=base) as client:
            for _ in range(6):
                response = client.post("/graphql", json={"query": f'{{ subject(code: "{SHOWCASE}") {{ name }} }}'})
                assert response.status_code == 200 and response.json()["data"]["subject"]["name"]
            assert client.get("/metrics").status_code == 401  # the main port still wants an admin key
        scraped = _parse(httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text)
    output = log.read_text()
    assert _value(scraped, "credit_gateway_requests_total", audience="public", outcome="OK") == 6
    assert _value(scraped, "credit_gateway_sql_statements_total") > 0
    access = [json.loads(line) for line in output.splitlines() if '"gateway.access"' in line]
    assert len(access) == 6 and {line["outcome"] for line in access} == {"OK"}


# --- Traces and logs -------------------------------------------------------------------------

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    """The SDK's in-memory exporter on the process's tracer provider (made here unless one exists)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def _trace(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.context and format(s.context.trace_id, "032x") == trace_id]


async def test_a_request_is_traced_from_the_callers_traceparent_down_to_sql(
    database_url: str | None, exporter: InMemorySpanExporter
) -> None:
    exporter.clear()
    captured = io.StringIO()
    handler = log_handler("json")
    handler.setStream(captured)  # type: ignore[attr-defined]
    access = logging.getLogger("gateway.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        async with _gateway(database_url, otel_enabled=True) as gw:
            await seed_subjects(gw.engine, demo_subjects(20), gw.settings.secret_key)
            department = await gw.create_key("department", domain="tax")
            headers = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01", "X-Request-ID": "trace-test-1"}
            body = await gw.graphql(PROFILE, {"c": [SHOWCASE]}, key=department, headers=headers)
            assert "errors" not in body, body
    finally:
        access.removeHandler(handler)
        access.setLevel(level)

    spans = _trace(exporter, TRACE_ID)
    [request] = [s for s in spans if s.kind is SpanKind.SERVER]
    assert request.name == "POST /graphql" and request.parent is not None
    assert format(request.parent.span_id, "016x") == CALLER_SPAN  # the caller's trace continued
    assert request.attributes is not None and request.attributes["credit_gateway.outcome"] == "OK"
    phases = {s.name: s for s in spans if s.name.startswith("graphql.")}
    assert set(phases) == {"graphql.parse", "graphql.validate", "graphql.execute"}
    for phase in phases.values():
        assert phase.parent is not None and phase.parent.span_id == request.context.span_id
    sql = [s for s in spans if s.kind is SpanKind.CLIENT]
    execute_id = phases["graphql.execute"].context.span_id
    under_execution = [s for s in sql if s.parent is not None and s.parent.span_id == execute_id]
    assert under_execution and all(s.name == "SELECT" for s in under_execution)
    assert all(s.attributes and s.attributes["db.query.text"] for s in under_execution)
    # The key's look-up (authentication) and the query record's append run outside the execution.
    assert any(s.parent is not None and s.parent.span_id == request.context.span_id for s in sql)

    [line] = [json.loads(text) for text in captured.getvalue().splitlines()]
    assert line["logger"] == "gateway.access" and line["level"] == "INFO"
    assert line["operation"] == "Profile" and line["audience"] == "department"
    assert (line["status"], line["outcome"], line["request_id"]) == (200, "OK", "trace-test-1")
    assert line["trace_id"] == TRACE_ID and line["duration_ms"] > 0


async def test_the_trace_id_is_in_errors_for_the_admin_only(exporter: InMemorySpanExporter) -> None:
    exporter.clear()
    async with GatewayHarness.start(otel_enabled=True) as gw:
        query = '{ subject(code: "not a code") { name } }'
        headers = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"}
        admin = await gw.graphql(query, key=await gw.create_key("admin"), headers=headers)
        portal = await gw.graphql(query, key=await gw.create_key("portal"), headers=headers)
    assert admin["errors"][0]["extensions"]["traceId"] == TRACE_ID
    assert error_codes(portal) == ["INVALID_SUBJECT_CODE"] and "traceId" not in portal["errors"][0]["extensions"]


async def test_without_tracing_there_are_no_spans_and_the_log_says_no_trace(
    exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    exporter.clear()
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        async with GatewayHarness.start() as gw:
            response = await gw.post("{ __typename }", headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"})
    assert response.status_code == 200 and "traceId" not in response.text
    assert exporter.get_finished_spans() == ()
    [record] = [r for r in caplog.records if r.name == "gateway.access"]
    assert (record.operation, record.outcome, record.trace_id) == ("-", "OK", "-")  # type: ignore[attr-defined]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_records_carry_the_current_trace_id(exporter: InMemorySpanExporter, log_format: str) -> None:
    captured = io.StringIO()
    handler = log_handler(log_format)
    handler.setStream(captured)  # type: ignore[attr-defined]
    logger = logging.getLogger("gateway.test-observability")
    logger.addHandler(handler)
    try:
        logger.warning("before any span")
        with trace.get_tracer("test").start_as_current_span("work") as span:
            logger.warning("inside a span")
    finally:
        logger.removeHandler(handler)
    trace_id = format(span.get_span_context().trace_id, "032x")
    outside, inside = captured.getvalue().splitlines()
    if log_format == "json":
        assert "trace_id" not in json.loads(outside)
        assert json.loads(inside)["trace_id"] == trace_id and json.loads(inside)["message"] == "inside a span"
    else:
        assert "[trace -]" in outside and f"[trace {trace_id}]: inside a span" in inside


def test_the_gateway_runs_without_opentelemetry_installed(tmp_path: Path) -> None:
    """The otel extra is optional: with its packages unimportable the app builds and answers, and
    tracing enabled explicitly is a configuration error that says what to install."""
    script = f"""
        import asyncio, sys
        sys.modules["opentelemetry"] = None  # as if not installed: every import of it fails

        from gateway.kernel.errors import ConfigurationError
        from gateway.telemetry import tracing
        from gateway.testing import GatewayHarness

        assert not tracing.AVAILABLE

        async def main():
            async with GatewayHarness.start(database_url="sqlite+aiosqlite:///{tmp_path / "g.sqlite3"}") as gw:
                assert (await gw.graphql("{{ __typename }}")) == {{"data": {{"__typename": "Query"}}}}
            try:
                async with GatewayHarness.start(otel_enabled=True):
                    raise AssertionError("started without OpenTelemetry")
            except ConfigurationError as exc:
                assert "credit-gateway[otel]" in str(exc)

        asyncio.run(main())
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, check=True, timeout=120)
