"""The command line, run as a user would: a real process, a real port, a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gateway.testing import served_gateway

CLI = [sys.executable, "-m", "gateway.cli.main"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env.update(extra)
    return env


def _cli(*args: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_serve_demo_answers_a_profile_query(tmp_path: Path) -> None:
    with served_gateway(["--demo", "--demo-subjects", "60"], _env(tmp_path), timeout=120) as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert "graphiql" in httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}).text.lower()
        body = httpx.post(
            f"{base}/graphql",
            json={"query": '{ subject(code: "91350100M000100Y43") { name tax { ratings { year grade } } } }'},
        ).json()
        assert body["data"]["subject"]["name"] == "福州闽都信用示范科技有限公司"
        assert body["data"]["subject"]["tax"]["ratings"], body


def test_unreachable_database_stops_the_start_plainly(tmp_path: Path) -> None:
    env = _env(tmp_path, CREDIT_GATEWAY_DATABASE_URL="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    result = _cli("serve", env=env)
    assert result.returncode != 0
    assert "unreachable" in result.stderr and "127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    result = _cli("serve", env=_env(tmp_path))
    assert result.returncode != 0 and "credit-gateway db upgrade" in result.stderr


def test_unknown_plugin_in_allow_list(tmp_path: Path) -> None:
    result = _cli("plugins", env=_env(tmp_path, CREDIT_GATEWAY_PLUGINS="tax,nosuchdomain"))
    assert result.returncode != 0 and "nosuchdomain" in result.stderr


def test_plugins_lists_versions_and_contributions(tmp_path: Path) -> None:
    result = _cli("plugins", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "tax" in result.stdout and "submitTaxCreditRatings" in result.stdout and "0.1.0" in result.stdout


def test_clients_create_list_revoke(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _cli("db", "upgrade", env=env).returncode == 0
    created = _cli("clients", "create", "--role", "department", "--domain", "tax", "--name", "Tax bureau", env=env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("cg_")
    listed = _cli("clients", "list", env=env)
    assert "Tax bureau" in listed.stdout and key not in listed.stdout
    assert _cli("clients", "revoke", "1", env=env).returncode == 0
    assert _cli("clients", "revoke", "1", env=env).returncode != 0  # already revoked


def test_clients_contract_sets_a_partners_field_groups(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert _cli("db", "upgrade", env=env).returncode == 0
    assert _cli("clients", "create", "--role", "partner", "--name", "Bank", env=env).returncode == 0
    done = _cli("clients", "contract", "1", "--groups", "tax.rating, urban_management.inspection", env=env)
    assert done.returncode == 0, done.stderr
    assert "tax.rating, urban_management.inspection" in _cli("clients", "list", env=env).stdout
    unknown = _cli("clients", "contract", "1", "--groups", "tax.ratings", env=env)
    assert unknown.returncode != 0 and "unknown field groups: tax.ratings" in unknown.stderr
    assert _cli("clients", "contract", "9", "--groups", "tax.rating", env=env).returncode != 0  # no such partner


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "department", "--name", "x"], "--domain is required"),
        (["--role", "department", "--domain", "nosuch", "--name", "x"], "unknown domain"),
        (["--role", "subject", "--subject", "91110000600037341N", "--name", "x"], "Invalid subject code"),
        (["--role", "root", "--name", "x"], "unknown role"),
    ],
)
def test_clients_create_refuses_bad_bindings(tmp_path: Path, args: list[str], message: str) -> None:
    env = _env(tmp_path)
    assert _cli("db", "upgrade", env=env).returncode == 0
    result = _cli("clients", "create", *args, env=env)
    assert result.returncode != 0 and message in result.stderr


def test_schema_export_writes_sdl(tmp_path: Path) -> None:
    result = _cli("schema", "export", "--out", str(tmp_path / "out"), env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "type CreditSubject @key" in (tmp_path / "out" / "credit-gateway.graphql").read_text()


def test_a_served_gateway_that_cannot_start_fails_with_its_output(tmp_path: Path) -> None:
    """The harness's ``served_gateway`` does not wait out its timeout for a server that has exited,
    and shows why it exited."""
    with pytest.raises(AssertionError, match="exited with code") as failure, served_gateway([], _env(tmp_path)):
        pass
    assert "credit-gateway db upgrade" in "\n".join(failure.value.__notes__)
