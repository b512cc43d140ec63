"""The principal a request acts as."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass


class Role(enum.StrEnum):
    PUBLIC = "public"
    PORTAL = "portal"
    DEPARTMENT = "department"
    ADMIN = "admin"
    PARTNER = "partner"
    SUBJECT = "subject"
    AGENCY = "agency"  # a third-party credit service agency: reads what subjects authorised, issues reports


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    client_id: int | None = None
    name: str = "anonymous"
    domain: str | None = None  # departments: the one domain they act for
    subject_lookup_hash: str | None = None  # subjects: the one subject they are
    authenticated_by: str | None = None  # "api_key" or "jwt"; None for the public principal
    contract_groups: frozenset[str] = frozenset()  # partners: the field groups of their contract
    # Departments: the division they act for, and for the divisions below it (None: the whole platform).
    division_code: str | None = None
    # A token's stable identity, its issuer and subject claims ("iss|sub"); None for keys (client_id says).
    identity: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.client_id is not None or self.authenticated_by is not None

    @property
    def requester(self) -> str:
        """Who this principal is, stably, for what is kept per requester (idempotent requests, who may fetch
        what they asked for): the API client; else the token's issuer and subject; else (a resolver that set
        neither) everything that tells principals apart, never the display name alone. At most 120 characters."""
        if self.client_id is not None:
            return f"client:{self.client_id}"
        if self.identity:
            whole = f"token:{self.identity}"
        else:
            parts = (self.role.value, self.domain, self.division_code, self.subject_lookup_hash, self.name)
            whole = "principal:" + "|".join(part or "" for part in parts)
        if len(whole) <= 120:
            return whole
        return whole[:50] + "#" + hashlib.sha256(whole.encode()).hexdigest()

    def may_write(self, domain: str) -> bool:
        return self.role is Role.ADMIN or (self.role is Role.DEPARTMENT and self.domain == domain)


PUBLIC = Principal(Role.PUBLIC)
