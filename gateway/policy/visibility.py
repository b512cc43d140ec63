"""Field visibilities and who sees them.

Every field of every type has one visibility:

* ``public``: everyone, the public included;
* ``portal``: frontend apps and the roles above them (subject, department, admin);
* ``subject``: the subject itself (its own data) and the admin;
* ``department``: domain departments (data of their own domain) and the admin;
* ``partner``: partner banks (and the admin), for what concerns the partner itself (its authorisations);
* ``partner:<group>``: a partner-grantable field group such as ``partner:tax.rating``. The audiences of
  partners, subjects, departments and the admin have the field; at run time a partner gets it only
  where its contract and the subject's authorisation cover the group, a subject only about itself, a
  department only for a group of its own domain (see :mod:`gateway.features.partners.guard`). A group is named
  ``<plugin>.<name>`` after the plugin that declares it, and its fields must be nullable (a refused
  one reads ``null`` with a ``FORBIDDEN_FIELD`` error, and the rest of the response stands);
* ``agency``: third-party credit service agencies (and the admin), for what concerns the agency itself
  (the reports it registered, the authorisations given to it);
* ``admin``: the credit centre only.

An agency's audience is the public's fields plus ``agency``: the public credit supervision information
(the published records) is what the public sees, and what an agency may read of it is decided by rows,
not fields: every subject it reads must have authorised it (partner access admits it as a partner with
an empty contract, and the query record notes each read), a natural person included. It never sees
``portal``, ``subject`` or ``department`` fields (the query record, disputes, workflow steps, grades) nor
partner-grantable groups: an agency has no contract.

Several visibilities joined by commas (``"subject,partner"``) are seen by everyone each one admits.

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
from gateway.kernel.errors import ConfigurationError

log = logging.getLogger(__name__)

PUBLIC = "public"
PORTAL = "portal"
SUBJECT = "subject"
DEPARTMENT = "department"
ADMIN = "admin"
PARTNER = "partner"
AGENCY = "agency"
PARTNER_PREFIX = "partner:"

_SEEN_BY: dict[str, frozenset[Role]] = {
    PUBLIC: frozenset(Role),
    PORTAL: frozenset({Role.PORTAL, Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN}),
    SUBJECT: frozenset({Role.SUBJECT, Role.ADMIN}),
    DEPARTMENT: frozenset({Role.DEPARTMENT, Role.ADMIN}),
    ADMIN: frozenset({Role.ADMIN}),
    PARTNER: frozenset({Role.PARTNER, Role.ADMIN}),
    AGENCY: frozenset({Role.AGENCY, Role.ADMIN}),
}
_PARTNER_GROUP_SEEN_BY = frozenset({Role.PARTNER, Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN})


def partner_group(visibility: str) -> str | None:
    """``tax.rating`` for ``partner:tax.rating``; None for any other visibility."""
    return visibility[len(PARTNER_PREFIX) :] if visibility.startswith(PARTNER_PREFIX) else None


def check_visibility(value: str, owner: str | None = None) -> str:
    """Validate a declaration; ``owner`` (a plugin) may only declare partner groups named after it."""
    for part in value.split(","):
        group = partner_group(part)
        if group is None:
            if part not in _SEEN_BY:
                raise ConfigurationError(
                    f"unknown visibility {part!r}; use public, portal, subject, department, partner, agency, admin "
                    "or partner:<group>, or several joined by commas"
                )
            continue
        if "," in value:
            raise ConfigurationError(f"{value!r}: a partner group cannot be combined with other visibilities")
        domain, dot, name = group.partition(".")
        if not dot or not name or not group.replace(".", "").replace("_", "").isalnum():
            raise ConfigurationError(f"partner group {group!r} must read <plugin>.<name> (letters, digits, _)")
        if owner is not None and owner != "core" and domain != owner:
            raise ConfigurationError(f"plugin {owner!r} may only declare partner groups {owner}.<name>, not {group!r}")
    return value


def visible_to(role: Role, visibility: str) -> bool:
    if visibility.startswith(PARTNER_PREFIX):
        return role in _PARTNER_GROUP_SEEN_BY
    return any(role in _SEEN_BY[part] for part in visibility.split(","))


@dataclass
class Policies:
    """Every declaration, and the fields that fell back to admin-only for want of one."""

    declared: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # declaration key -> who declared it
    undeclared: set[str] = field(default_factory=set)

    def declare(self, owner: str, declarations: Mapping[str, str]) -> None:
        for key, value in declarations.items():
            check_visibility(value, owner)
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

    def partner_groups(self) -> dict[str, list[str]]:
        """Every partner-grantable group, with the declarations ("Type.field") it covers."""
        groups: dict[str, list[str]] = {}
        for key, value in sorted(self.declared.items()):
            group = partner_group(value)
            if group is not None:
                groups.setdefault(group, []).append(key)
        return groups

    def warn_undeclared(self) -> None:
        if self.undeclared:
            log.warning("fields without a declared visibility are admin-only: %s", ", ".join(sorted(self.undeclared)))
