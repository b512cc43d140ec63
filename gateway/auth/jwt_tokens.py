"""JWT bearer tokens from an identity provider, verified with a shared key (HS256) or the provider's
published keys (a JWKS URL: RS256, ES256), then mapped to a principal by a :class:`PrincipalResolver`.

Every token must carry ``exp``, ``iss``, ``aud`` and ``sub``; the issuer and audience must be the
configured ones. The algorithm is taken from an allow-list that depends on how keys are configured:
``none`` is never accepted, HMAC only with the shared key, public-key algorithms only with JWKS
(and only the one the matching published key is for), so a token cannot pick its own verification.
The configuration is checked, and this module imported, by :func:`gateway.auth.bearer.build_jwt_authenticator`
only when an identity provider is configured: PyJWT is not loaded otherwise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Collection
from typing import Any

import jwt

from gateway.auth.bearer import InvalidToken, looks_like_jwt
from gateway.auth.identity import PrincipalResolver, UnknownIdentity
from gateway.auth.principal import Principal
from gateway.kernel.divisions import InvalidDivision, check_division
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_JWT_LENGTH as MAX_TOKEN_LENGTH

log = logging.getLogger(__name__)

REQUIRED_CLAIMS = ("exp", "iss", "aud", "sub")
LEEWAY_SECONDS = 30
JWKS_CACHE_SECONDS = 300.0  # how long a fetched key set is trusted
JWKS_MIN_REFRESH_SECONDS = 30.0  # an unknown key id refetches at most this often
JWKS_TIMEOUT_SECONDS = 5.0

_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "Token has expired"),
    (jwt.ImmatureSignatureError, "Token is not valid yet"),
    (jwt.InvalidAudienceError, "Token audience is not this gateway"),
    (jwt.InvalidIssuerError, "Token issuer is not the trusted identity provider"),
    (jwt.InvalidAlgorithmError, "Token algorithm is not allowed"),
    (jwt.InvalidSignatureError, "Token signature is invalid"),
    (jwt.DecodeError, "Malformed token"),
)


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"Token lacks the {exc.claim!r} claim"  # one of REQUIRED_CLAIMS, never caller text
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return "Invalid token"


class _JwksKeys:
    """The provider's signing keys by key id, fetched in a worker thread and cached; refetched when
    stale or when a token names a key id not seen yet, but never more often than every
    ``JWKS_MIN_REFRESH_SECONDS`` (so that made-up key ids cannot hammer the provider)."""

    def __init__(self, url: str) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, cache_keys=False, timeout=JWKS_TIMEOUT_SECONDS)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        stale = self._fetched_at is None or time.monotonic() - self._fetched_at > JWKS_CACHE_SECONDS
        if stale or kid not in self._keys:
            await self._refresh()
        if self._fetched_at is None:
            raise InvalidToken("The identity provider's signing keys are unavailable")
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        async with self._lock:  # one fetch at a time; whoever waited uses its result
            now = time.monotonic()
            if self._attempted_at is not None and now - self._attempted_at < JWKS_MIN_REFRESH_SECONDS:
                return
            self._attempted_at = now
            try:
                key_set = await asyncio.to_thread(self._client.get_jwk_set, True)
            except (jwt.PyJWTError, ValueError, OSError) as exc:  # keep the keys we have
                log.warning("could not fetch the identity provider's JWKS: %s", exc)
                return
            self._keys = {k.key_id: k for k in key_set.keys if k.key_id and k.public_key_use in (None, "sig")}
            self._fetched_at = time.monotonic()


class JwtAuthenticator:
    """Verifies a bearer JWT and asks the resolver for its principal."""

    def __init__(
        self,
        *,
        resolver: PrincipalResolver,
        audience: str,
        issuer: str,
        algorithms: Collection[str],
        shared_key: str | None = None,
        jwks_url: str | None = None,
    ) -> None:
        if (shared_key is None) == (jwks_url is None):
            raise ConfigurationError("JWT needs exactly one of jwt_secret and jwks_url")
        self.resolver = resolver
        self.audience = audience
        self.issuer = issuer
        self.algorithms = tuple(algorithms)
        self._shared_key = shared_key
        self._jwks = _JwksKeys(jwks_url) if jwks_url is not None else None

    async def authenticate(self, token: str) -> Principal:
        """The principal of a token, or :class:`InvalidToken`."""
        claims = await self.verify(token)
        try:
            principal = await self.resolver.resolve(claims)
        except UnknownIdentity as exc:
            raise InvalidToken(str(exc)) from None
        # A deployment's own resolver may set the division too: it is held to the same check.
        if principal.division_code is not None:
            try:
                principal = dataclasses.replace(principal, division_code=check_division(principal.division_code))
            except InvalidDivision:
                raise InvalidToken("The token's division is not a known division code") from None
        return principal

    async def verify(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH or not looks_like_jwt(token):
            raise InvalidToken("Malformed token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("Malformed token") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise InvalidToken("Token algorithm is not allowed")
        key: Any
        if self._jwks is not None:
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                raise InvalidToken("Token names no signing key (kid)")
            jwk = await self._jwks.key(kid)
            if jwk is None:
                raise InvalidToken("Token is signed by a key the identity provider does not publish")
            if jwk.algorithm_name != alg:  # the published key decides the algorithm, not the token
                raise InvalidToken("Token algorithm does not match its signing key")
            key = jwk.key
        else:
            key = self._shared_key
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None
