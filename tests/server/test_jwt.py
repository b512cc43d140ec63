"""JWT bearer tokens from an identity provider: shared-key and JWKS verification, role mapping, and
every way a token is refused (401), over HTTP. Tokens are minted here with PyJWT."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from strawberry.types import Info

from gateway.api import MutationField, QueryField, hookimpl
from gateway.auth.identity import UnknownIdentity
from gateway.auth.principal import Principal, Role
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings
from gateway.server.app import create_app
from gateway.testing import GatewayHarness, error_codes

SECRET = "a-shared-hs256-key-of-the-identity-provider-0123456789-0123456789abcdef"
AUDIENCE = "credit-gateway"
ISSUER = "https://idp.example.gov.cn/realms/credit"
USCC = "91350100M000100Y43"


class AlphaPlugin:
    @hookimpl
    def mutation_fields(self) -> Sequence[MutationField]:
        def touch(info: Info) -> str:
            return f"alpha touched by {info.context.principal.name}"

        return [MutationField("touchAlpha", touch, "A write of domain alpha.")]

    @hookimpl
    def query_fields(self) -> Sequence[QueryField]:
        def whoami(info: Info) -> str:
            p = info.context.principal
            return f"{p.role.value}|{p.domain}|{p.subject_lookup_hash is not None}|{p.name}|{p.authenticated_by}"

        return [QueryField("whoami", whoami, "Who the request acts as.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"Query.whoami": "public"}


class BetaPlugin:
    @hookimpl
    def mutation_fields(self) -> Sequence[MutationField]:
        def touch(info: Info) -> str:
            return "beta"

        return [MutationField("touchBeta", touch, "A write of domain beta.")]


PLUGINS = {"plugins": ["alpha", "beta"], "extra_plugins": [("alpha", AlphaPlugin()), ("beta", BetaPlugin())]}
SHARED = {"jwt_secret": SECRET, "jwt_audience": AUDIENCE, "jwt_issuer": ISSUER}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-7",
        "iat": now,
        "exp": now + 300,
        "role": "department",
        "domain": "alpha",
        "name": "福州市税务局 张三",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


async def refused(gw: GatewayHarness, token: str, reason: str) -> None:
    response = await gw.post("{ whoami }", key=token)
    assert response.status_code == 401, response.text
    body = response.json()
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert reason in body["errors"][0]["message"], body
    assert token not in response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_department_token_writes_to_its_own_domain_only() -> None:
    async with GatewayHarness.start(**PLUGINS, **SHARED) as gw:
        token = hs256()
        assert await gw.graphql("mutation { touchAlpha }", key=token) == {
            "data": {"touchAlpha": "alpha touched by 福州市税务局 张三"}
        }
        assert error_codes(await gw.graphql("mutation { touchBeta }", key=token)) == ["FORBIDDEN"]
        admin = hs256(role="admin", domain=None, name=None)
        assert await gw.graphql("{ whoami }", key=admin) == {"data": {"whoami": "admin|None|False|user-7|jwt"}}
        assert (await gw.graphql("mutation { touchBeta }", key=admin)) == {"data": {"touchBeta": "beta"}}
        # API keys keep working beside tokens.
        key = await gw.create_key("department", domain="beta")
        assert await gw.graphql("mutation { touchBeta }", key=key) == {"data": {"touchBeta": "beta"}}


async def test_a_subject_token_is_bound_to_its_subject_by_keyed_hash() -> None:
    async with GatewayHarness.start(**PLUGINS, **SHARED) as gw:
        token = hs256(role="subject", domain=None, subject=USCC, name="示范科技")
        assert await gw.graphql("{ whoami }", key=token) == {"data": {"whoami": "subject|None|True|示范科技|jwt"}}
        assert error_codes(await gw.graphql("mutation { touchAlpha }", key=token)) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_bad_tokens_are_refused_with_401() -> None:
    async with GatewayHarness.start(**PLUGINS, **SHARED) as gw:
        now = int(time.time())
        await refused(gw, hs256(exp=now - 120, iat=now - 600), "expired")
        await refused(gw, hs256(exp=None), "'exp'")
        await refused(gw, jwt.encode(claims(), SECRET + "-other", algorithm="HS256"), "signature")
        await refused(gw, hs256(aud="another-service"), "audience")
        await refused(gw, hs256(iss="https://evil.example.com"), "issuer")
        await refused(gw, hs256(nbf=now + 600), "not valid yet")
        unsigned = jwt.encode(claims(role="admin", domain=None), None, algorithm="none")
        await refused(gw, unsigned, "algorithm is not allowed")
        await refused(gw, jwt.encode(claims(), SECRET, algorithm="HS512"), "algorithm is not allowed")
        await refused(gw, hs256(role="superuser"), "no known role")
        await refused(gw, hs256(role="public"), "no known role")
        await refused(gw, hs256(role=None), "no known role")
        await refused(gw, hs256(domain=None), "'domain'")
        await refused(gw, hs256(domain="gamma"), "'domain'")
        await refused(gw, hs256(role="subject", domain=None), "'subject'")
        await refused(gw, hs256(role="subject", domain=None, subject="91350100M000100Y44"), "not a valid subject")
        await refused(gw, "bm90IGpzb24.e30.c2ln", "Malformed")
        # A tampered payload under the original signature.
        header, _, signature = hs256().split(".")
        forged = jwt.encode(claims(role="admin", domain=None), SECRET, algorithm="HS256").split(".")[1]
        await refused(gw, f"{header}.{forged}.{signature}", "signature")


async def test_tokens_are_refused_when_jwt_is_not_configured() -> None:
    async with GatewayHarness.start(**PLUGINS) as gw:
        await refused(gw, hs256(), "JWT bearer tokens are not enabled")
        bad = await gw.client.post("/graphql", json={"query": "{ whoami }"}, headers={"Authorization": "Basic x"})
        assert bad.status_code == 401 and bad.headers["www-authenticate"] == 'Bearer error="invalid_request"'


# --- JWKS -----------------------------------------------------------------------------------


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def idp_key() -> rsa.RSAPrivateKey:
    return _rsa()


@pytest.fixture(scope="module")
def jwks_url(idp_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A JWKS document on 127.0.0.1, served from a thread, publishing ``idp_key`` as ``kid=k1``."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(idp_key.public_key(), as_dict=True)
    document = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/credit/protocol/openid-connect/certs"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_jwks_verifies_rs256_tokens_from_the_published_key(idp_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
    async with GatewayHarness.start(**PLUGINS, jwks_url=jwks_url, jwt_audience=AUDIENCE, jwt_issuer=ISSUER) as gw:
        token = jwt.encode(claims(), idp_key, algorithm="RS256", headers={"kid": "k1"})
        assert await gw.graphql("mutation { touchAlpha }", key=token) == {
            "data": {"touchAlpha": "alpha touched by 福州市税务局 张三"}
        }
        stranger = _rsa()
        await refused(gw, jwt.encode(claims(), stranger, algorithm="RS256", headers={"kid": "k1"}), "signature")
        await refused(gw, jwt.encode(claims(), stranger, algorithm="RS256", headers={"kid": "k2"}), "does not publish")
        await refused(gw, jwt.encode(claims(), idp_key, algorithm="RS256"), "(kid)")
        # The shared-key algorithm is not accepted from a JWKS gateway, whatever the key.
        await refused(gw, jwt.encode(claims(), SECRET, algorithm="HS256", headers={"kid": "k1"}), "not allowed")
        expired = claims(exp=int(time.time()) - 120)
        await refused(gw, jwt.encode(expired, idp_key, algorithm="RS256", headers={"kid": "k1"}), "expired")


# --- a deployment's own resolver --------------------------------------------------------------


class DirectoryResolver:
    """A deployment's mapping: its directory's groups to gateway roles."""

    def __init__(self, *, settings: Settings, domains: Sequence[str]) -> None:
        self.domains = domains

    async def resolve(self, claims: Mapping[str, Any]) -> Principal:
        if "alpha-writers" in claims.get("groups", []):
            return Principal(Role.DEPARTMENT, name=f"dir:{claims['sub']}", domain="alpha", authenticated_by="jwt")
        raise UnknownIdentity("Not in any group of this gateway")


async def test_a_custom_principal_resolver_is_loaded_by_dotted_path() -> None:
    resolver = f"{__name__}:DirectoryResolver"
    async with GatewayHarness.start(**PLUGINS, **SHARED, principal_resolver=resolver) as gw:
        token = hs256(role=None, domain=None, name=None, groups=["alpha-writers"])
        assert await gw.graphql("mutation { touchAlpha }", key=token) == {
            "data": {"touchAlpha": "alpha touched by dir:user-7"}
        }
        await refused(gw, hs256(groups=["readers"]), "Not in any group")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({**SHARED, "jwks_url": "https://idp.example.gov.cn/certs"}, "not both"),
        ({"jwt_secret": SECRET, "jwt_issuer": ISSUER}, "jwt_audience and jwt_issuer"),
        ({**SHARED, "jwt_secret": "short"}, "at least 32 bytes"),
        ({**SHARED, "jwt_algorithms": "HS256,none"}, "not allowed"),
        ({**SHARED, "jwt_secret": None, "jwks_url": "https://idp/certs", "jwt_algorithms": "HS256"}, "not allowed"),
        ({**SHARED, "jwt_secret": None, "jwks_url": "http://idp.example.gov.cn/certs"}, "https"),
        ({**SHARED, "principal_resolver": "no_such_module:factory"}, "cannot be imported"),
        ({**SHARED, "principal_resolver": f"{__name__}:Missing"}, "cannot be imported"),
        ({**SHARED, "principal_resolver": "gateway.kernel.settings"}, "package.module:factory"),
        ({"principal_resolver": f"{__name__}:DirectoryResolver"}, "neither jwt_secret nor jwks_url"),
    ],
)
def test_inconsistent_jwt_configuration_is_refused(settings: dict[str, Any], message: str) -> None:
    config = Settings(database_url="sqlite+aiosqlite://", plugins=[], **settings)
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        create_app(config)
