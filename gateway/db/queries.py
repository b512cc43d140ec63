"""Query shapes several modules share."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.db.tables import subject


def with_subject(table: sa.Table, *extra: Any, outer: bool = False) -> sa.Select[Any]:
    """Rows of ``table`` (which has ``subject_id``) with their subject's code as it may be shown
    (``subject_code``: an ID number masked) and name (``subject_name``), in one join; ``extra``:
    more columns of ``subject`` or of tables the caller joins. ``outer``: rows without a subject too
    (their code and name None)."""
    return sa.select(
        table, subject.c.display_code.label("subject_code"), subject.c.name.label("subject_name"), *extra
    ).join(subject, subject.c.id == table.c.subject_id, isouter=outer)
