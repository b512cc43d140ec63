"""What the server needs of JWT bearer tokens before PyJWT: the shape that tells a JWT from an API key,
the refusal (:class:`InvalidToken`), and the authenticator the settings describe.

PyJWT (with ``cryptography``'s compiled bindings, some 8 MB a process) is imported only when an identity
provider is configured (``CREDIT_GATEWAY_JWT_SECRET`` or ``CREDIT_GATEWAY_JWKS_URL``): a worker of a gateway
that takes API keys alone never loads it. The verification is :mod:`gateway.auth.jwt_tokens`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gateway.auth.identity import load_principal_resolver
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MIN_SHARED_KEY_LENGTH
from gateway.kernel.settings import Settings

if TYPE_CHECKING:
    from gateway.auth.jwt_tokens import JwtAuthenticator

# The algorithms each way of holding keys allows, so that a token cannot pick its own verification:
# HMAC only with the shared key, public-key algorithms only with the provider's published keys.
SHARED_KEY_ALGORITHMS = frozenset({"HS256"})
JWKS_ALGORITHMS = frozenset({"RS256", "ES256"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def looks_like_jwt(credential: str) -> bool:
    """Three base64url parts separated by dots (API keys, ``cg_…``, have no dots)."""
    return _JWT_SHAPE.match(credential) is not None


class InvalidToken(Exception):
    """The token is refused; the message is shown to the caller and never quotes the token."""


def build_jwt_authenticator(settings: Settings, domains: Collection[str]) -> JwtAuthenticator | None:
    """The authenticator the settings describe, ``None`` when JWT is not configured, or
    :class:`ConfigurationError` for an inconsistent configuration."""
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else None
    url = settings.jwks_url
    if secret is None and url is None:
        if settings.principal_resolver:
            raise ConfigurationError("principal_resolver is set but neither jwt_secret nor jwks_url is")
        return None
    if secret is not None and url is not None:
        raise ConfigurationError("set either jwt_secret or jwks_url, not both")
    if not settings.jwt_audience or not settings.jwt_issuer:
        raise ConfigurationError("JWT bearer tokens need jwt_audience and jwt_issuer")
    allowed = SHARED_KEY_ALGORITHMS if secret is not None else JWKS_ALGORITHMS
    algorithms = list(settings.jwt_algorithms) or sorted(allowed)
    refused = [a for a in algorithms if a not in allowed]
    if refused:
        raise ConfigurationError(
            f"jwt_algorithms {refused} not allowed with {'jwt_secret' if secret else 'jwks_url'};"
            f" choose among {sorted(allowed)}"
        )
    if secret is not None and len(secret.encode()) < MIN_SHARED_KEY_LENGTH:
        raise ConfigurationError(f"jwt_secret must have at least {MIN_SHARED_KEY_LENGTH} bytes")
    if url is not None:
        parts = urlsplit(url)
        if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS)):
            raise ConfigurationError("jwks_url must be an https URL (plain http only on the loopback interface)")
    # Only now, JWT being configured: PyJWT and cryptography come with it (the module docstring).
    from gateway.auth.jwt_tokens import JwtAuthenticator

    return JwtAuthenticator(
        resolver=load_principal_resolver(settings, domains),
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        algorithms=algorithms,
        shared_key=secret,
        jwks_url=url,
    )
