"""Creating clients with their bindings checked: a department's domain must be a loaded plugin,
a subject's code must be valid."""

from __future__ import annotations

from gateway.auth.keys import ClientInfo, create_client
from gateway.auth.principal import Role
from gateway.kernel.divisions import InvalidDivision, check_division
from gateway.kernel.errors import InvalidSubjectCode
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_CLIENT_NAME as MAX_NAME
from gateway.kernel.settings import Settings


def checked_division(division: str | None) -> str | None:
    """A ``--division`` value checked against the division table; ValueError with the reason."""
    try:
        return check_division(division)
    except InvalidDivision as exc:
        raise ValueError(exc.message) from exc


async def create_client_checked(
    settings: Settings,
    *,
    role: str,
    name: str,
    domain: str | None = None,
    subject: str | None = None,
    division: str | None = None,
) -> tuple[ClientInfo, str]:
    """Validate the request, then create the client; raises ValueError with a message for a person."""
    from gateway.db.engine import create_engine
    from gateway.server.app import compose_plugins

    try:
        parsed_role = Role(role.lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role if r is not Role.PUBLIC)
        raise ValueError(f"unknown role {role!r}; choose one of {choices}") from None
    if parsed_role is Role.PUBLIC:
        raise ValueError("the public role needs no key")
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"the name must have 1 to {MAX_NAME} characters")
    if (domain is not None) != (parsed_role is Role.DEPARTMENT):
        raise ValueError("--domain is required for a department and only for a department")
    if (subject is not None) != (parsed_role is Role.SUBJECT):
        raise ValueError("--subject is required for a subject client and only for one")
    if division is not None and parsed_role is not Role.DEPARTMENT:
        raise ValueError("--division is for department keys only (the admin sees the whole platform)")
    division_code = checked_division(division)
    if domain is not None:
        domains = compose_plugins(settings).plugin_names
        if domain not in domains:
            raise ValueError(f"unknown domain {domain!r}; loaded domains: {', '.join(domains) or 'none'}")
    subject_hash = None
    if subject is not None:
        try:
            subject_hash = lookup_hash(
                parse_subject_code(subject, uscc_allow_list=settings.uscc_allow_list), settings.secret_key
            )
        except InvalidSubjectCode as exc:
            raise ValueError(exc.message) from exc
    engine = create_engine(settings.database_url)
    try:
        return await create_client(
            engine,
            name=name,
            role=parsed_role,
            domain=domain,
            subject_lookup_hash=subject_hash,
            division_code=division_code,
        )
    finally:
        await engine.dispose()
