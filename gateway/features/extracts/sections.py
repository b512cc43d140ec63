"""The sections of an extract, from every plugin's ``credit_sections`` hook, loaded for one subject."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.principal import Principal, Role
from gateway.features.extracts.signing import canonical
from gateway.hooks.contributions import CreditSection, SectionRow
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_EXTRACT_SECTION_ROWS
from gateway.policy.visibility import partner_group, visible_to


def sections_of(composition: Any) -> list[CreditSection]:
    """The allow-listed plugins' sections, in print order (``order``, then ``id``). A hook returning
    something else, or two sections with one id, is a configuration error."""
    found: dict[str, CreditSection] = {}
    for result in composition.manager.hook.credit_sections():
        for section in result or ():
            if not isinstance(section, CreditSection):
                raise ConfigurationError(f"credit_sections must return CreditSection items, not {section!r}")
            if section.id in found:
                raise ConfigurationError(f"Two credit_sections are named {section.id!r}")
            found[section.id] = section
    return sorted(found.values(), key=lambda section: (section.order, section.id))


async def load_sections(
    conn: AsyncConnection,
    sections: Sequence[CreditSection],
    subject_id: int,
    today: dt.date,
    reader: Principal,
) -> list[dict[str, Any]]:
    """Each section's rows for the subject (one statement per section) that ``reader`` may read, as they are
    printed and signed."""
    loaded = []
    for section in sections:
        found = (await section.load(conn, [subject_id], today)).get(subject_id, ())
        rows = [text for text in (readable(row, reader) for row in found) if text is not None]
        shown = rows[:MAX_EXTRACT_SECTION_ROWS]
        loaded.append(
            {
                "id": section.id,
                "title": section.title,
                "empty": section.empty_text,
                "rows": [{"label": label, "text": text} for label, text in shown],
                "left_out": len(rows) - len(shown),
            }
        )
    return loaded


def readable(row: SectionRow, reader: Principal) -> tuple[str, str] | None:
    """The line ``reader`` may read of ``row``: its text, its fallback, or nothing. A partner-grantable group is
    read here by the subject itself, the admin and its domain's departments, never by a partner or an agency
    (an extract is not a query of fields, so the contract and authorisation of each group are not weighed)."""
    group = partner_group(row.visibility)
    if group is not None:
        allowed = reader.role in (Role.SUBJECT, Role.ADMIN) or (
            reader.role is Role.DEPARTMENT and group.partition(".")[0] == reader.domain
        )
    else:
        allowed = visible_to(reader.role, row.visibility)
    if allowed:
        return row.label, row.text
    return None if row.fallback is None else (row.label, row.fallback)


def sections_sha256(sections: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical({"sections": list(sections)})).hexdigest()
