"""From a verified identity (the claims of a bearer token) to a :class:`Principal`.

The gateway asks one :class:`PrincipalResolver`; :class:`ClaimsPrincipalResolver` is the default,
and a deployment replaces it with ``CREDIT_GATEWAY_PRINCIPAL_RESOLVER="package.module:factory"``.
The factory is called as ``factory(settings=..., domains=...)`` (the loaded domain plugins) when the
application is created, and returns an object with ``async def resolve(claims) -> Principal`` that
raises :class:`UnknownIdentity` for claims it refuses (the request is then answered 401).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Collection, Mapping
from typing import Any, Protocol, runtime_checkable

from gateway.auth.principal import Principal, Role
from gateway.kernel.divisions import InvalidDivision, check_division
from gateway.kernel.errors import ConfigurationError, InvalidSubjectCode
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_IDENTITY_NAME as MAX_NAME
from gateway.kernel.settings import Settings


class UnknownIdentity(Exception):
    """The claims are authentic but name no principal of this gateway. The message is shown to the
    caller: it must not quote the token or its claim values."""


@runtime_checkable
class PrincipalResolver(Protocol):
    async def resolve(self, claims: Mapping[str, Any]) -> Principal: ...


class ClaimsPrincipalResolver:
    """Roles straight from the token: ``role`` (one of the API-key roles but public), ``domain`` for
    a department (a loaded domain) and optionally ``division`` (a GB/T 2260 code: the department acts for
    that division and those below it; absent: the whole platform), ``subject`` for a subject (its USCC or
    ID number, kept only as the keyed hash), and ``name`` or else ``sub`` for the principal's name.

    A partner or agency token names no API client, and subjects authorise clients: such a principal is
    refused every subject (``AUTHORIZATION_REQUIRED``) and may register no credit report. Banks and
    agencies use API keys, or a deployment's resolver that maps the token to their client's id."""

    def __init__(self, *, settings: Settings, domains: Collection[str]) -> None:
        self.secret_key = settings.secret_key
        self.uscc_allow_list = tuple(settings.uscc_allow_list)
        self.domains = frozenset(domains)

    async def resolve(self, claims: Mapping[str, Any]) -> Principal:
        raw_role = claims.get("role")
        try:
            role = Role(raw_role) if isinstance(raw_role, str) else None
        except ValueError:
            role = None
        if role is None or role is Role.PUBLIC:
            raise UnknownIdentity("Token names no known role")
        domain = subject_hash = None
        if role is Role.DEPARTMENT:
            domain = claims.get("domain")
            if not isinstance(domain, str) or domain not in self.domains:
                raise UnknownIdentity("A department token needs the 'domain' claim naming a loaded domain")
        if role is Role.SUBJECT:
            code = claims.get("subject")
            if not isinstance(code, str):
                raise UnknownIdentity("A subject token needs the 'subject' claim")
            try:
                parsed = parse_subject_code(code, uscc_allow_list=self.uscc_allow_list)
            except InvalidSubjectCode:
                raise UnknownIdentity("The token's 'subject' claim is not a valid subject code") from None
            subject_hash = lookup_hash(parsed, self.secret_key)
        division = division_claim(claims, role)
        name = claims.get("name") or claims.get("sub")
        name = name[:MAX_NAME] if isinstance(name, str) and name.strip() else f"token {role.value}"
        return Principal(
            role=role,
            name=name,
            domain=domain,
            subject_lookup_hash=subject_hash,
            authenticated_by="jwt",
            division_code=division,
            identity=f"{claims.get('iss', '')}|{claims.get('sub', '')}",
        )


def division_claim(claims: Mapping[str, Any], role: Role) -> str | None:
    """The checked ``division`` claim: a known GB/T 2260 code (or a town's nine digits) on a department
    token; absent or null means the whole platform. Refused on other roles' tokens rather than ignored:
    a division meant to narrow a key must never be silently dropped."""
    raw = claims.get("division")
    if raw is None:
        return None
    if role is not Role.DEPARTMENT:
        raise UnknownIdentity("The 'division' claim is for department tokens only")
    if not isinstance(raw, str):
        raise UnknownIdentity("The token's 'division' claim must be a string")
    try:
        return check_division(raw)
    except InvalidDivision:
        raise UnknownIdentity("The token's 'division' claim is not a known division code") from None


def load_principal_resolver(settings: Settings, domains: Collection[str]) -> PrincipalResolver:
    """The configured resolver, or the default one; :class:`ConfigurationError` when it cannot be loaded."""
    path = settings.principal_resolver
    if not path:
        return ClaimsPrincipalResolver(settings=settings, domains=domains)
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigurationError(f"principal_resolver {path!r} must read 'package.module:factory'")
    try:
        factory: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            factory = getattr(factory, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"principal_resolver {path!r} cannot be imported: {exc}") from exc
    if not callable(factory):
        raise ConfigurationError(f"principal_resolver {path!r} is not callable")
    resolver = factory(settings=settings, domains=tuple(domains))
    if not inspect.iscoroutinefunction(getattr(resolver, "resolve", None)):
        raise ConfigurationError(f"principal_resolver {path!r} did not return an object with an async resolve()")
    return resolver
