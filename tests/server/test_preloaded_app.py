"""The workers' app built in a preloading supervisor (gateway.server.preloaded_app): built when nothing in
it must cross a fork, connected to nothing, taken by each worker; otherwise each worker builds its own.
The real fork is tested with ``serve`` in test_serving.py."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from gateway.auth.principal import Role
from gateway.kernel.settings import Settings
from gateway.server import preloaded_app
from gateway.server.app import create_worker_app
from gateway.testing import GatewayHarness


@pytest.fixture(autouse=True)
def _nothing_preloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts, and leaves the process, as a worker that was not forked with an app."""
    monkeypatch.setattr(preloaded_app, "_built", None)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'preloaded.sqlite3'}", **extra)  # type: ignore[arg-type]


def test_the_app_is_built_with_the_public_schema_and_no_connection(tmp_path: Path) -> None:
    assert preloaded_app.preload(_settings(tmp_path))
    app = preloaded_app.built()
    assert app is not None
    graph = app.state.graph
    assert Role.PUBLIC in graph.audiences  # what anonymous requests use, before the first of them
    pool = graph.engine.sync_engine.pool
    assert pool.checkedin() == 0 and pool.checkedout() == 0, "the supervisor connected before forking"
    assert not (tmp_path / "preloaded.sqlite3").exists()  # not even a SQLite file was opened


def test_a_worker_takes_the_preloaded_app_and_builds_its_own_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDIT_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'worker.sqlite3'}")
    # A worker sets the root logger's one handler; here, that would take pytest's away.
    monkeypatch.setattr("gateway.server.observability.logs.configure_logging", lambda level, log_format: None)
    own = create_worker_app()
    assert preloaded_app.built() is None and Role.PUBLIC not in own.state.graph.audiences
    assert preloaded_app.preload(_settings(tmp_path))
    assert create_worker_app() is preloaded_app.built()


async def test_a_preloaded_app_serves_once_its_lifespan_runs() -> None:
    """What a forked worker does with it: run the lifespan (connections, the plugins' startups), then
    serve, reading the database."""
    query = "{ majorTaxViolations(first: 2) { edges { cursor } pageInfo { hasNextPage } } }"
    async with GatewayHarness.start() as gw:  # a migrated database with the installed plugins
        assert preloaded_app.preload(gw.settings)
        app = preloaded_app.built()
        assert app is not None and app is not gw.app
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport) as client:
            answer = await client.post("http://worker.test/graphql", json={"query": query})
        expected = {"data": {"majorTaxViolations": {"edges": [], "pageInfo": {"hasNextPage": False}}}}
        assert answer.json() == expected


@pytest.mark.parametrize(
    ("extra", "environment"),
    [
        ({"supergraph": "supergraph.graphql"}, {}),
        ({"otel_enabled": True}, {}),
        ({}, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}),
    ],
    ids=["a supergraph", "tracing enabled", "an OTLP endpoint"],
)
def test_not_built_when_part_of_it_cannot_cross_a_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[str, object], environment: dict[str, str]
) -> None:
    """Tracing's exporter runs a thread, and a supergraph's fetchers and the supergraph a restarted worker
    must re-read belong to each worker: those workers build their own app. The supervisor does not even
    try (a build that failed would also leave nothing built)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    attempts: list[Settings] = []
    monkeypatch.setattr("gateway.server.app.create_app", lambda settings, **_: attempts.append(settings))
    assert not preloaded_app.preload(_settings(tmp_path, **extra))
    assert preloaded_app.built() is None
    assert attempts == []


def test_any_other_failure_is_logged_and_left_to_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(settings: Settings, **_: object) -> None:
        raise RuntimeError("the disk vanished")

    monkeypatch.setattr("gateway.server.app.create_app", broken)
    with caplog.at_level(logging.INFO, logger="gateway.server.preloaded_app"):
        assert not preloaded_app.preload(_settings(tmp_path))
    assert preloaded_app.built() is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "the disk vanished" in record.getMessage()


def test_a_configuration_error_is_left_to_the_workers_to_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The supervisor builds nothing and says nothing: each worker meets the error as it starts, and its
    report is the one the operator sees, as without preloading."""
    with caplog.at_level(logging.INFO, logger="gateway.server.preloaded_app"):
        assert not preloaded_app.preload(_settings(tmp_path, plugins=["no-such-plugin"]))
    assert preloaded_app.built() is None
    assert caplog.records == []
