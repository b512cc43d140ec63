"""Field visibilities and who sees them.

Every field of every type has one visibility:

* ``public``: everyone, the public included;
* ``portal``: frontend apps and the roles above them (subject, department, admin);
* ``subject``: the subject itself (its own data) and the admin;
* ``department``: domain departments (data of their own domain) and the admin;
* ``partner:<group>``: a partner-grantable field group such as ``partner:tax.rating``: partners whose
  contract and the subject's authorisation cover the group, the subject itself and the admin;
* ``admin``: the credit centre only.

Declarations map ``"Type.field"`` (one field) or ``"Type"`` (every field of the type without its own
declaration) to a visibility. A field takes its own declaration, else its type's; a field an
interface defines always takes the interface's visibility, so that every implementation shows it
exactly when the interface does (GraphQL requires it). A plugin field nobody declared is
admin-only: deny by default, with a warning at start.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.auth.principal import Role
from gateway.errors import ConfigurationError

log = logging.getLogger(__name__)

PUBLIC = "public"
PORTAL = "portal"
SUBJECT = "subject"
DEPARTMENT = "department"
ADMIN = "admin"
PARTNER_PREFIX = "partner:"

_SEEN_BY: dict[str, frozenset[Role]] = {
    PUBLIC: frozenset(Role),
    PORTAL: frozenset({Role.PORTAL, Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN}),
    SUBJECT: frozenset({Role.SUBJECT, Role.ADMIN}),
    DEPARTMENT: frozenset({Role.DEPARTMENT, Role.ADMIN}),
    ADMIN: frozenset({Role.ADMIN}),
}
_PARTNER_GROUP_SEEN_BY = frozenset({Role.PARTNER, Role.SUBJECT, Role.ADMIN})


def check_visibility(value: str) -> str:
    if value in _SEEN_BY:
        return value
    if value.startswith(PARTNER_PREFIX) and len(value) > len(PARTNER_PREFIX) and " " not in value:
        return value
    raise ConfigurationError(
        f"unknown visibility {value!r}; use public, portal, subject, department, admin or partner:<group>"
    )


def visible_to(role: Role, visibility: str) -> bool:
    if visibility.startswith(PARTNER_PREFIX):
        return role in _PARTNER_GROUP_SEEN_BY
    return role in _SEEN_BY[visibility]


@dataclass
class Policies:
    """Every declaration, and the fields that fell back to admin-only for want of one."""

    declared: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # declaration key -> who declared it
    undeclared: set[str] = field(default_factory=set)

    def declare(self, owner: str, declarations: Mapping[str, str]) -> None:
        for key, value in declarations.items():
            check_visibility(value)
            if key in self.declared and self.owners[key] != owner and self.declared[key] != value:
                raise ConfigurationError(
                    f"visibility of {key!r} is declared by both {self.owners[key]!r} and {owner!r}"
                )
            self.declared[key] = value
            self.owners[key] = owner

    def visibility(self, type_name: str, field_name: str, interface: str | None = None) -> str:
        """``interface``: the interface that defines this field, if one does."""
        owner = interface or type_name
        for key in (f"{owner}.{field_name}", owner):
            if key in self.declared:
                return self.declared[key]
        self.undeclared.add(f"{owner}.{field_name}")
        return ADMIN

    def warn_undeclared(self) -> None:
        if self.undeclared:
            log.warning("fields without a declared visibility are admin-only: %s", ", ".join(sorted(self.undeclared)))
