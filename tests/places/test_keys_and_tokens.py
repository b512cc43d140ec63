"""Binding keys and tokens to a division: the command line, the key row, and the JWT ``division`` claim."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from gateway.auth.identity import ClaimsPrincipalResolver, UnknownIdentity
from gateway.auth.jwt_tokens import InvalidToken, JwtAuthenticator
from gateway.auth.keys import authenticate, bind_division, create_client, list_clients
from gateway.auth.principal import Principal, Role
from gateway.kernel.settings import Settings
from gateway.testing import GatewayHarness

CLI = [sys.executable, "-m", "gateway.cli.main"]
SECRET = "a-shared-key-long-enough-for-hs256-tests"


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=180)


def test_clients_create_with_a_division_bind_and_list(tmp_path: Path) -> None:
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    created = _cli(
        tmp_path,
        "clients",
        "create",
        "--role",
        "department",
        "--domain",
        "tax",
        "--name",
        "福州税务",
        "--division",
        "350100",
    )
    assert created.returncode == 0, created.stderr
    assert "350100 福州市" in created.stdout
    assert (
        _cli(tmp_path, "clients", "create", "--role", "department", "--domain", "tax", "--name", "全省").returncode == 0
    )
    listed = _cli(tmp_path, "clients", "list").stdout
    assert "350100 福州市" in listed and "whole platform" in listed
    bound = _cli(tmp_path, "clients", "bind-division", "2", "350102")
    assert bound.returncode == 0 and "350102 鼓楼区" in bound.stdout, bound.stderr
    assert "350102 鼓楼区" in _cli(tmp_path, "clients", "list").stdout
    assert _cli(tmp_path, "clients", "bind-division", "2", "--platform").returncode == 0
    assert "350102" not in _cli(tmp_path, "clients", "list").stdout


BAD_DIVISIONS = [
    (["create", "--role", "department", "--domain", "tax", "--name", "x", "--division", "110100"], "use 110000"),
    (["create", "--role", "department", "--domain", "tax", "--name", "x", "--division", "99"], "not a division"),
    (["create", "--role", "admin", "--name", "x", "--division", "350100"], "department keys only"),
    (["bind-division", "1", "999999"], "names no administrative division"),
    (["bind-division", "1"], "either a division code or --platform"),
    (["bind-division", "7", "350100"], "no active department client"),
]


def test_bad_divisions_are_refused(tmp_path: Path) -> None:
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    for args, message in BAD_DIVISIONS:
        result = _cli(tmp_path, "clients", *args)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
    assert "x" not in _cli(tmp_path, "clients", "list").stdout.split()  # nothing was created


async def test_the_key_row_gives_the_principal_its_division(gw: GatewayHarness) -> None:
    info, key = await create_client(
        gw.engine, name="福州税务", role=Role.DEPARTMENT, domain="tax", division_code="350100"
    )
    assert info.division_code == "350100"
    assert (await authenticate(gw.engine, key)).division_code == "350100"
    assert (await bind_division(gw.engine, info.id, None)) is not None
    assert (await authenticate(gw.engine, key)).division_code is None  # the next request acts for the platform
    admin, _key = await create_client(gw.engine, name="centre", role=Role.ADMIN)
    assert await bind_division(gw.engine, admin.id, "350100") is None  # only department keys are bound
    assert [c.division_code for c in await list_clients(gw.engine)] == [None, None]


def _settings() -> Settings:
    return Settings(jwt_secret=SECRET, jwt_audience="credit-gateway", jwt_issuer="https://idp.example")


def _token(**claims: object) -> str:
    now = int(time.time())
    body = {"iss": "https://idp.example", "aud": "credit-gateway", "sub": "u1", "exp": now + 60, **claims}
    return jwt.encode(body, SECRET, algorithm="HS256")


def _authenticator(resolver: object | None = None) -> JwtAuthenticator:
    return JwtAuthenticator(
        resolver=resolver or ClaimsPrincipalResolver(settings=_settings(), domains=["tax"]),  # type: ignore[arg-type]
        audience="credit-gateway",
        issuer="https://idp.example",
        algorithms=["HS256"],
        shared_key=SECRET,
    )


async def test_a_department_token_carries_a_checked_division() -> None:
    auth = _authenticator()
    principal = await auth.authenticate(_token(role="department", domain="tax", division="350100"))
    assert principal.division_code == "350100"
    assert (await auth.authenticate(_token(role="department", domain="tax"))).division_code is None
    for bad in ("110100", "abc", 350100):
        with pytest.raises(InvalidToken, match="division"):
            await auth.authenticate(_token(role="department", domain="tax", division=bad))
    with pytest.raises(InvalidToken, match="department tokens only"):
        await auth.authenticate(_token(role="admin", division="350100"))


async def test_a_deployments_resolver_is_held_to_the_same_check() -> None:
    class Resolver:
        async def resolve(self, claims: object) -> Principal:
            return Principal(Role.DEPARTMENT, name="x", domain="tax", authenticated_by="jwt", division_code="123456")

    with pytest.raises(InvalidToken, match="division"):
        await _authenticator(Resolver()).authenticate(_token())


async def test_the_resolver_refuses_before_any_principal_is_made() -> None:
    resolver = ClaimsPrincipalResolver(settings=_settings(), domains=["tax"])
    with pytest.raises(UnknownIdentity):
        await resolver.resolve({"role": "department", "domain": "tax", "division": ["350100"]})
