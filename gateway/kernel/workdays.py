"""Working days: the official Chinese calendar with its adjusted workdays (调休), plus local overrides.

Every lifecycle deadline (dispute forwarding, verification, credit checks …) goes through
:meth:`WorkingCalendar.add_working_days`, so there is exactly one notion of "N working days" in the gateway.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_SPAN_DAYS, MAX_WORKING_DAYS

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
_CACHE_SIZE = 4096  # about eleven years of days; the cache is simply emptied when full

_KINDS = {"workday": True, "holiday": False}


def local_date(value: date | datetime) -> date:
    """The calendar day of ``value`` in Asia/Shanghai, the time zone every Chinese deadline is counted in.

    A naive datetime is taken as UTC, as elsewhere in the gateway (SQLite hands back naive UTC values).
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(SHANGHAI).date()
    return value


class WorkingCalendar:
    """Whether a day is a working day, and deadlines counted in working days.

    The order of authority is: the override file, then ``chinese_calendar`` (the State Council's published
    holidays and adjusted workdays), then, for a year the library does not cover yet, plain Monday–Friday.
    That last fallback logs a warning once per year: a deadline that is off by a holiday is better than no
    deadline at all (disputes would never become overdue), and the override file is the fix until the library
    catches up.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._cache: dict[date, bool] = {}
        self._warned_years: set[int] = set()

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is a working day (a datetime is first turned into its Shanghai date)."""
        day = local_date(day)
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        result = self._lookup(day)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[day] = result
        return result

    def _lookup(self, day: date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                log.warning(
                    "The official calendar for %d is not known to chinese-calendar: counting Monday to Friday "
                    "as working days; add the year's holidays and adjusted workdays to the override file",
                    day.year,
                )
            return day.weekday() < 5

    def add_working_days(self, start: date | datetime, days: int) -> date:
        """The date of the ``days``-th working day after ``start``: the deadline of every lifecycle step.

        The start day itself never counts, whatever time it is: a dispute filed on a Friday afternoon with
        3 working days is due on Wednesday. A datetime ``start`` is taken as its date in Asia/Shanghai (a
        naive one is UTC). ``days == 0`` gives the start date itself.
        """
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_WORKING_DAYS:
            raise ValueError(f"days must be an integer from 0 to {MAX_WORKING_DAYS}, not {days!r}")
        day = local_date(start)
        remaining = days
        # Terminates: overrides are finite and every other week has working days, so each pass makes progress.
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]: 0 when ``end`` is not after ``start``.

        The counterpart of :meth:`add_working_days`: ``working_days_between(s, add_working_days(s, n)) == n``.
        """
        start, end = local_date(start), local_date(end)
        span = (end - start).days
        if span > MAX_SPAN_DAYS:
            raise ValueError(f"cannot count working days over more than {MAX_SPAN_DAYS} days ({span} asked)")
        return sum(self.is_working_day(start + timedelta(days=offset)) for offset in range(1, span + 1))


def load_overrides(path: Path) -> dict[date, bool]:
    """Read an override file: one ``YYYY-MM-DD workday`` or ``YYYY-MM-DD holiday`` per line.

    ``#`` starts a comment (whole line or trailing); blank lines are ignored. A malformed line, or a date
    given twice, raises ValueError naming the line number and its content, so a typo cannot silently move
    a deadline.
    """
    overrides: dict[date, bool] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            if len(parts) != 2 or len(parts[0]) != 10 or parts[1].lower() not in _KINDS:
                raise ValueError("expected 'YYYY-MM-DD workday' or 'YYYY-MM-DD holiday'")
            day = date.fromisoformat(parts[0])
            if day in overrides:
                raise ValueError(f"{day.isoformat()} is already given")
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: {raw.strip()!r}: {exc}") from None
        overrides[day] = _KINDS[parts[1].lower()]
    return overrides


def calendar_from_settings(path: Path | None) -> WorkingCalendar:
    """The gateway's calendar: the official one, with the override file at ``path`` if one is configured.

    A missing or malformed file is a :class:`ConfigurationError`, so the gateway refuses to start rather
    than count deadlines on a calendar the operator did not intend.
    """
    if path is None:
        return WorkingCalendar()
    try:
        return WorkingCalendar(load_overrides(path))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot use the working-day override file: {exc}") from exc
