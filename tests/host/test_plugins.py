"""The plugin system: composition rules, clashes, fail-small resolvers, and write permissions.

Plugins here are defined in the test and registered as ``extra_plugins``, through exactly the
hooks an installed plugin uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
import strawberry
from strawberry.types import Info

from gateway.api import LoaderSpec, MutationField, QueryField, SubjectField, hookimpl
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings
from gateway.server.app import create_app
from gateway.testing import GatewayHarness, error_codes


@strawberry.type
class Badge:
    label: str


async def resolve_badge(root: Any, info: Info) -> Badge | None:
    return Badge(label=f"badge of {root.name}")


async def resolve_boom(root: Any, info: Info) -> Badge | None:
    raise RuntimeError("secret internals: connection string postgres://user:pw@db")


def badge_required(root: Any, info: Info) -> Badge:  # not nullable: refused
    return Badge(label="x")


class FieldPlugin:
    def __init__(self, field: str = "badge", resolver: Any = resolve_badge) -> None:
        self.field, self.resolver = field, resolver

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField(self.field, self.resolver, "A test field.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {f"CreditSubject.{self.field}": "public", "Badge": "public"}


class TypePlugin:
    """Declares its own type named ``Badge``: a different class with a clashing name."""

    @hookimpl
    def graphql_types(self) -> Sequence[type]:
        @strawberry.type(name="Badge")
        class OtherBadge:
            size: int

        return [OtherBadge]


def _settings(**kw: Any) -> Settings:
    return Settings(database_url="sqlite+aiosqlite://", plugins=kw.pop("plugins", []), **kw)


def _sdl(extra: list[tuple[str, Any]]) -> str:
    app = create_app(_settings(plugins=[name for name, _ in extra]), extra_plugins=extra)
    return app.state.graph.schema.as_str()


def test_two_plugins_claiming_one_field_name_both_named() -> None:
    with pytest.raises(ConfigurationError) as raised:
        _sdl([("alpha", FieldPlugin()), ("beta", FieldPlugin())])
    message = str(raised.value)
    assert "'badge'" in message and "'alpha'" in message and "'beta'" in message


def test_two_plugins_claiming_one_type_name_both_named() -> None:
    with pytest.raises(ConfigurationError) as raised:
        _sdl([("alpha", FieldPlugin()), ("beta", TypePlugin())])
    message = str(raised.value)
    assert "'Badge'" in message and "'alpha'" in message and "'beta'" in message


def test_plugin_field_may_not_shadow_core_field() -> None:
    with pytest.raises(ConfigurationError, match="'name' of plugin 'alpha' clashes with the core"):
        _sdl([("alpha", FieldPlugin(field="name"))])


def test_subject_field_must_be_nullable() -> None:
    with pytest.raises(ConfigurationError, match="must be nullable"):
        _sdl([("alpha", FieldPlugin(resolver=badge_required))])


def test_unknown_allow_list_name_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"Unknown plugin.*nosuchdomain"):
        create_app(_settings(plugins=["nosuchdomain"]))


def test_loader_names_are_namespaced() -> None:
    class BadLoader:
        @hookimpl
        def loaders(self) -> Sequence[LoaderSpec]:
            async def load(conn: Any, keys: Sequence[int]) -> dict[int, int]:
                return {}

            return [LoaderSpec("records", load)]

    with pytest.raises(ConfigurationError, match=re.escape("must be named 'alpha.<what>'")):
        _sdl([("alpha", BadLoader())])


def test_load_order_never_changes_the_sdl() -> None:
    class QueryPlugin:
        @hookimpl
        def query_fields(self) -> Sequence[QueryField]:
            def ping(info: Info) -> str | None:
                return "pong"

            return [QueryField("ping", ping, "Ping.")]

    plugins = [("alpha", FieldPlugin("zeta")), ("beta", FieldPlugin("aardvark")), ("gamma", QueryPlugin())]
    forward = _sdl(plugins)
    assert _sdl(list(reversed(plugins))) == forward
    assert forward.index("aardvark") < forward.index("zeta")


async def test_a_failing_plugin_yields_null_at_its_path_and_the_rest_stands() -> None:
    extra = [("good", FieldPlugin("badge")), ("bad", FieldPlugin("boom", resolve_boom))]
    async with GatewayHarness.start(plugins=["good", "bad"], extra_plugins=extra) as gw:
        await seed_subjects(gw.engine, demo_subjects(7), gw.settings.secret_key)
        response = await gw.post('{ subject(code: "91350100M000100Y43") { name badge { label } boom { label } } }')
        body = response.json()
        assert body["data"]["subject"]["name"] == "福州闽都信用示范科技有限公司"
        assert body["data"]["subject"]["badge"] == {"label": "badge of 福州闽都信用示范科技有限公司"}
        assert body["data"]["subject"]["boom"] is None
        [error] = body["errors"]
        assert error["path"] == ["subject", "boom"]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        # masked: the client gets the request id, never the internals
        assert "postgres://" not in response.text and "secret" not in response.text
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]


class WritePlugin:
    @hookimpl
    def mutation_fields(self) -> Sequence[MutationField]:
        def touch(info: Info) -> str:
            return f"touched by {info.context.principal.name}"

        return [MutationField("touchAlpha", touch, "A write of domain alpha.")]


@pytest.mark.parametrize(
    ("role", "domain", "outcome"),
    [
        (None, None, "GRAPHQL_VALIDATION_FAILED"),
        ("portal", None, "GRAPHQL_VALIDATION_FAILED"),
        ("partner", None, "GRAPHQL_VALIDATION_FAILED"),
        ("agency", None, "GRAPHQL_VALIDATION_FAILED"),
        ("department", "beta", "FORBIDDEN"),
        ("department", "alpha", "ok"),
        ("admin", None, "ok"),
    ],
)
async def test_writes_only_by_own_department_or_admin(role: str | None, domain: str | None, outcome: str) -> None:
    extra = [("alpha", WritePlugin()), ("beta", FieldPlugin())]
    async with GatewayHarness.start(plugins=["alpha", "beta"], extra_plugins=extra) as gw:
        key = await gw.create_key(role, domain=domain) if role else None
        body = await gw.graphql("mutation { touchAlpha }", key=key)
        if outcome == "ok":
            assert body == {"data": {"touchAlpha": f"touched by test {role}"}}
        else:
            assert error_codes(body) == [outcome]


async def test_bad_keys_are_refused_with_401() -> None:
    from gateway.auth.keys import list_clients, revoke_client

    async with GatewayHarness.start(plugins=["alpha"], extra_plugins=[("alpha", WritePlugin())]) as gw:
        key = await gw.create_key("admin")
        [client] = await list_clients(gw.engine)
        assert key not in str(client) and client.key_prefix in key
        for header in [f"Bearer {key}x", "Bearer cg_nothing_here", "Bearer not-a-key", "Basic abc", "Bearer "]:
            response = await gw.client.post(
                "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": header}
            )
            assert response.status_code == 401, header
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert (await gw.post("mutation { touchAlpha }", key=key)).status_code == 200
        assert await revoke_client(gw.engine, client.id)
        revoked = await gw.post("mutation { touchAlpha }", key=key)
        assert revoked.status_code == 401 and "Revoked API key" in revoked.text


async def test_mutations_over_get_are_refused() -> None:
    async with GatewayHarness.start(plugins=["alpha"], extra_plugins=[("alpha", WritePlugin())]) as gw:
        key = await gw.create_key("admin")
        response = await gw.client.get(
            "/graphql", params={"query": "mutation { touchAlpha }"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code in (400, 405)


async def test_oversized_bodies_are_refused() -> None:
    async with GatewayHarness.start(plugins=[], max_request_bytes=2_000) as gw:
        response = await gw.client.post("/graphql", json={"query": "{ __typename }", "pad": "x" * 5_000})
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


async def test_health_and_readiness() -> None:
    async with GatewayHarness.start(plugins=["alpha"], extra_plugins=[("alpha", FieldPlugin())]) as gw:
        assert (await gw.client.get("/healthz")).json() == {"status": "ok"}
        ready = await gw.client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["plugins"] == ["alpha"]


async def test_readiness_fails_when_database_is_unreachable(tmp_path: Any) -> None:
    from gateway.db.engine import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/missing-dir/x.sqlite3")
    app = create_app(_settings(), engine=engine)
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"
    await engine.dispose()


@pytest.mark.parametrize(
    ("content", "headers"),
    [(b"{not json", {"Content-Type": "application/json"}), (b"[1, 2]", {"Content-Type": "application/json"})],
)
async def test_malformed_requests_get_a_json_error_with_a_code(content: bytes, headers: dict[str, str]) -> None:
    async with GatewayHarness.start(plugins=[]) as gw:
        response = await gw.client.post("/graphql", content=content, headers=headers)
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


class UndeclaredPlugin:
    """Adds a field and declares no visibility for it."""

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("secret", resolve_badge, "Nobody said who may see this.")]


async def test_an_undeclared_plugin_field_is_admin_only_and_the_start_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="gateway.policy.visibility"):
        async with GatewayHarness.start(plugins=["quiet"], extra_plugins=[("quiet", UndeclaredPlugin())]) as gw:
            await seed_subjects(gw.engine, demo_subjects(7), gw.settings.secret_key)
            query = '{ subject(code: "91350100M000100Y43") { secret { label } } }'
            assert error_codes(await gw.graphql(query)) == ["GRAPHQL_VALIDATION_FAILED"]
            portal = await gw.create_key("portal")
            assert error_codes(await gw.graphql(query, key=portal)) == ["GRAPHQL_VALIDATION_FAILED"]
            admin = await gw.create_key("admin")
            assert (await gw.graphql(query, key=admin))["data"]["subject"]["secret"]["label"].startswith("badge of")
    assert "CreditSubject.secret" in caplog.text and "admin-only" in caplog.text


def test_a_visibility_declared_differently_by_two_plugins_stops_the_start() -> None:
    class Loud:
        @hookimpl
        def field_policies(self) -> dict[str, str]:
            return {"Badge": "admin"}

    with pytest.raises(ConfigurationError, match="'Badge' is declared by both"):
        _sdl([("alpha", FieldPlugin()), ("beta", Loud())])


def test_an_unknown_visibility_stops_the_start() -> None:
    class Odd:
        @hookimpl
        def field_policies(self) -> dict[str, str]:
            return {"Badge": "everyone"}

    with pytest.raises(ConfigurationError, match="unknown visibility 'everyone'"):
        _sdl([("alpha", FieldPlugin()), ("beta", Odd())])
