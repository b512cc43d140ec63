"""The places feature's GraphQL: the ``Division`` type and the ``division(code:)`` / ``divisions(parent:)``
queries, read from the division table (no database: the table ships with the code)."""

from __future__ import annotations

from typing import Any, Optional

import strawberry

from gateway.kernel import divisions
from gateway.kernel.divisions import DivisionLevel
from gateway.kernel.limits import MAX_DIVISIONS_LISTED

DivisionLevelEnum = strawberry.enum(
    DivisionLevel, name="DivisionLevel", description="A division's level: province, city (prefecture), county, town."
)


@strawberry.type(
    name="Division",
    description=(
        "An administrative division (行政区划) by its GB/T 2260 code. A department acts for one division and the "
        "divisions below it; a record belongs to its deciding authority's division, else its subject's."
    ),
)
class DivisionType:
    code: str = strawberry.field(description="Six digits (GB/T 2260), or nine for a town (its county's and three).")
    name: str | None = strawberry.field(description="The current name; null for a town (no source names towns).")
    level: DivisionLevelEnum  # type: ignore[valid-type]
    parent_code: str | None = strawberry.field(
        description="The division directly above: a county's city, else its province (the municipalities, "
        "province-administered counties); null for a province."
    )

    @classmethod
    def of(cls, division: divisions.Division) -> DivisionType:
        return cls(
            code=division.code, name=division.name or None, level=division.level, parent_code=division.parent_code
        )

    @strawberry.field(description="The division directly above; null for a province.")
    def parent(self) -> Optional[DivisionType]:  # noqa: UP045 (strawberry resolves the forward reference)
        return DivisionType.of(divisions.resolve(self.parent_code)) if self.parent_code else None


def division(code: str) -> DivisionType:
    """``INVALID_DIVISION`` for a code that is not a division's (resolve raises it)."""
    return DivisionType.of(divisions.resolve(code.strip()))


def divisions_below(parent: Optional[str] = None) -> list[DivisionType]:  # noqa: UP045 (runtime type)
    found = divisions.children(parent.strip() if parent is not None else None)
    return [DivisionType.of(d) for d in found[:MAX_DIVISIONS_LISTED]]


QUERY_FIELDS: dict[str, Any] = {
    "division": strawberry.field(
        resolver=division,
        description="The division a GB/T 2260 code names (a nine-digit town code under a known county); "
        "INVALID_DIVISION for any other code.",
    ),
    "divisions": strawberry.field(
        resolver=divisions_below,
        description="The current divisions directly below `parent` (a province's cities and directly administered "
        f"counties, a city's counties); without it, the provinces. At most {MAX_DIVISIONS_LISTED}; towns are not "
        "listed.",
    ),
}

POLICIES: dict[str, str] = {
    "Query.division": "public",
    "Query.divisions": "public",
    "Division": "public",
}
