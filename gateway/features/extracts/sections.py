"""The sections of an extract, from every plugin's ``credit_sections`` hook, loaded for one subject."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.features.extracts.signing import canonical
from gateway.hooks.contributions import CreditSection
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_EXTRACT_SECTION_ROWS


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
    conn: AsyncConnection, sections: Sequence[CreditSection], subject_id: int, today: dt.date
) -> list[dict[str, Any]]:
    """Each section's rows for the subject (one statement per section), as they are printed and signed."""
    loaded = []
    for section in sections:
        rows = list((await section.load(conn, [subject_id], today)).get(subject_id, ()))
        shown = rows[:MAX_EXTRACT_SECTION_ROWS]
        loaded.append(
            {
                "id": section.id,
                "title": section.title,
                "empty": section.empty_text,
                "rows": [{"label": row.label, "text": row.text} for row in shown],
                "left_out": len(rows) - len(shown),
            }
        )
    return loaded


def sections_sha256(sections: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical({"sections": list(sections)})).hexdigest()
