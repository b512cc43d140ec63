"""Checking what a metrics request asks for, and narrowing it to what its principal may see: the admin
anything, a department its own domain and its own division (and the divisions below it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from gateway.auth.principal import Principal, Role
from gateway.features.metrics.compute import Scope
from gateway.kernel import divisions
from gateway.kernel.errors import FORBIDDEN, BadUserInput, GatewayError, LimitExceeded
from gateway.kernel.limits import MAX_LATE_RECORDS, MIN_ASSESSMENT_YEAR
from gateway.kernel.workdays import WorkingCalendar, calendar_from_settings

DEFAULT_LATE_RECORDS = 20
_UNIT_CODE = re.compile(r"^[0-9A-Z]{1,18}$")  # a USCC, or a shorter local code: never anything else


def check_year(year: int, today: dt.date) -> int:
    if not MIN_ASSESSMENT_YEAR <= year <= today.year:
        raise BadUserInput(
            f"year must be from {MIN_ASSESSMENT_YEAR} to {today.year} (this year), not {year}", argument="year"
        )
    return year


def check_domain(domain: str | None, known: Collection[str]) -> str | None:
    if domain is not None and domain not in known:
        raise BadUserInput(
            f"Unknown domain {domain[:64]!r}; known: {', '.join(sorted(known)) or 'none'}", argument="domain"
        )
    return domain


def check_division(code: str | None) -> str | None:
    """A known division code (INVALID_DIVISION otherwise)."""
    if code is None:
        return None
    if len(code) > 12:
        raise divisions.InvalidDivision(f"{code[:16]!r}… is not a division code")
    return divisions.resolve(code).code


def check_source_unit(code: str | None) -> str | None:
    if code is not None and not _UNIT_CODE.match(code):
        raise BadUserInput(
            "sourceUnit is a source unit's code: up to 18 digits and capital letters", argument="sourceUnit"
        )
    return code


def check_late_first(late_first: int | None) -> int:
    if late_first is None:
        return DEFAULT_LATE_RECORDS
    if late_first < 0:
        raise BadUserInput("lateFirst must not be negative", argument="lateFirst")
    if late_first > MAX_LATE_RECORDS:
        raise LimitExceeded("lateFirst", late_first, MAX_LATE_RECORDS)
    return late_first


def scope_for(
    principal: Principal | None,
    *,
    year: int,
    domain: str | None,
    division: str | None,
    source_unit: str | None,
    late_first: int | None,
    known_domains: Collection[str],
    today: dt.date,
) -> Scope:
    """The validated scope; ``principal`` None: the command line, which acts as the admin."""
    year = check_year(year, today)
    domain = check_domain(domain, known_domains)
    division = check_division(division)
    source_unit = check_source_unit(source_unit)
    late = check_late_first(late_first)
    if principal is not None and principal.role is not Role.ADMIN:
        if principal.role is not Role.DEPARTMENT or principal.domain is None:
            raise GatewayError("Collection metrics are for the admin and departments.", FORBIDDEN)
        if domain is not None and domain != principal.domain:
            raise GatewayError(
                f"A department of {principal.domain!r} may not see the metrics of {domain!r}.", FORBIDDEN
            )
        domain = principal.domain
        if principal.division_code is not None:
            if division is not None and not divisions.covers(principal.division_code, division):
                raise GatewayError(
                    f"Division {division} is outside this key's division {principal.division_code}.", FORBIDDEN
                )
            division = division or principal.division_code
    departments = (domain,) if domain is not None else tuple(sorted(known_domains))
    return Scope(year, departments, domain, division, source_unit, late)


@lru_cache(maxsize=8)
def working_calendar(path: Path | None) -> WorkingCalendar:
    """One calendar per override file, for the process (it caches days)."""
    return calendar_from_settings(path)
