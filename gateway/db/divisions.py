"""Division filters in SQL: "this division and every division below it" as an index-friendly prefix match."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.kernel.divisions import significant_prefix


def within_division(column: Any, division_code: str | None) -> sa.ColumnElement[bool]:
    """``column`` holds a division covered by ``division_code`` (None: the whole platform, no filter)."""
    if division_code is None:
        return sa.true()
    prefix = significant_prefix(division_code)
    if len(prefix) == 9:
        return column == prefix
    # LIKE 'prefix%' with no wildcard in the prefix (digits only): a range scan on the division index.
    return column.startswith(prefix, autoescape=False)
