"""A serving worker must not carry libraries only rare requests or commands need.

fpdf2 (extracts), openpyxl (metrics exports), mplfonts (the extract's font, whose package imports
matplotlib) and Alembic (migrations) each pull in tens of MB (numpy, Pillow, fontTools, matplotlib);
imported by a module the app loads or by a startup check, they made every worker about 100 MB heavier.
Typer (with the click it carries, and rich) is the command line's, segno draws merchants' QR codes,
PyJWT is needed only with an identity provider configured, and cryptography only to sign or check an
extract (or with a signing key configured): together some 11 MB a worker. They are imported where they
are used; these tests keep it so. They run in a fresh interpreter, because the test session itself has
imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HEAVY = (
    "numpy",
    "PIL",
    "fpdf",
    "fontTools",
    "openpyxl",
    "alembic",
    "matplotlib",
    "mplfonts",
    "typer",
    "click",
    "rich",
    "segno",
    "jwt",
    "cryptography",
)

# The app built and started (every plugin's startup hook run), as a worker serves.
PROBE = """
import asyncio, json, sys
from gateway.server.app import create_worker_app

async def start_and_stop(app):
    async with app.router.lifespan_context(app):
        pass

asyncio.run(start_and_stop(create_worker_app()))
print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] in %r)))
"""

# The same with an identity provider's shared key configured: whether PyJWT is loaded once started, then
# a token of the provider's, a forged one and none asking for what only a credential may (introspection).
JWT_PROBE = """
import asyncio, json, sys, time
import httpx
from gateway.server.app import create_worker_app

QUERY = {"query": "{ __schema { queryType { name } } }"}

async def main(app):
    async with app.router.lifespan_context(app):
        loaded = "jwt" in sys.modules
        import jwt  # only now, to mint the tokens

        now = int(time.time())
        claims = {"iss": %(issuer)r, "aud": %(audience)r, "sub": "ops-1", "iat": now, "exp": now + 300, "role": "admin"}
        tokens = {"token": jwt.encode(claims, %(secret)r, algorithm="HS256"),
                  "forged": jwt.encode(claims, "f" * 48, algorithm="HS256"), "none": None}
        answers = {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://worker") as client:
            for name, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = await client.post("/graphql", json=QUERY, headers=headers)
                answers[name] = [response.status_code, response.json()]
    print(json.dumps({"jwt_loaded": loaded, "answers": answers}))

asyncio.run(main(create_worker_app()))
"""


def _worker_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    env.update({f"CREDIT_GATEWAY_{name.upper()}": value for name, value in settings.items()})
    return env


def _run(probe: str, env: dict[str, str]) -> Any:
    """What the probe printed last, as JSON (the lines before are the app's log)."""
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout.strip().splitlines()[-1])


def test_a_serving_worker_imports_no_heavy_library(tmp_path: Path) -> None:
    imported = _run(PROBE % (HEAVY,), _worker_env(tmp_path))
    assert imported == [], f"a serving worker imported {imported}"


def test_a_worker_with_an_identity_provider_verifies_its_tokens_with_pyjwt(tmp_path: Path) -> None:
    idp = {"secret": "s" * 48, "audience": "credit-gateway", "issuer": "https://idp.example.gov.cn/realms/credit"}
    env = _worker_env(tmp_path, jwt_secret=idp["secret"], jwt_audience=idp["audience"], jwt_issuer=idp["issuer"])
    result = _run(JWT_PROBE % idp, env)
    assert result["jwt_loaded"] is True  # configured, the authenticator is built at start
    answers = result["answers"]
    assert answers["token"] == [200, {"data": {"__schema": {"queryType": {"name": "Query"}}}}]
    assert answers["forged"][0] == 401
    assert answers["forged"][1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert answers["none"][1]["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
