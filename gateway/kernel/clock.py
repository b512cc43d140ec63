"""The gateway's clock: one place that says what day it is, so that tests and demos run "as of" a date.

Everything dated in the credit domain (publicity windows, authorisation validity, working-day
deadlines) is a calendar date in China, so :meth:`Clock.today` is the date in Asia/Shanghai, not
the server's local date. Timestamps (``now``) are UTC.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

# The day of the request being served, set once per request from the graph's clock, so that code
# far from the request (a record type's isCurrent, a plugin's list query) judges dates as of the same
# day as the rest of the response, and tests move every one of them with one clock.
_request_day: ContextVar[dt.date | None] = ContextVar("credit_gateway_request_day", default=None)

# The calendar held at one date for the whole process (hold_calendar), or None for the real one.
_held_day: dt.date | None = None


def hold_calendar(day: dt.date | None) -> None:
    """Hold the calendar of this process at ``day`` while timestamps go on; ``None`` lets it run again.

    For a test session: its tests compute dates once (at import, in parametrize lists) and compare
    them with what the gateway answers minutes later. Without a held calendar, a session that runs
    across midnight in China (16:00 UTC) compares yesterday's dates with today's answers. Unlike
    :meth:`Clock.travel_to`, ``now`` stays the real time, so timestamps still order the events."""
    global _held_day
    _held_day = day


def china_today() -> dt.date:
    """Today's date in China, or the held date (:func:`hold_calendar`)."""
    return _held_day if _held_day is not None else dt.datetime.now(CHINA).date()


def today() -> dt.date:
    """The day the current request is served as of; outside a request, today's date in China."""
    day = _request_day.get()
    return day if day is not None else china_today()


def serve_as_of(day: dt.date) -> None:
    """Set the day for the rest of this request (its task and the tasks it starts)."""
    _request_day.set(day)


class Clock:
    """The real time, unless pinned to a date with :meth:`travel_to` (tests, lifecycle demos)."""

    def __init__(self, as_of: dt.date | None = None) -> None:
        self._as_of = as_of

    def today(self) -> dt.date:
        if self._as_of is not None:
            return self._as_of
        return china_today()

    def now(self) -> dt.datetime:
        """UTC. When pinned, noon in China of the pinned date, so that ``now`` and ``today`` agree."""
        if self._as_of is not None:
            return dt.datetime.combine(self._as_of, dt.time(12), CHINA).astimezone(dt.UTC)
        return dt.datetime.now(dt.UTC)

    def travel_to(self, day: dt.date | None) -> None:
        """Pin the clock to ``day``; ``None`` returns to the real time."""
        self._as_of = day

    @property
    def pinned(self) -> bool:
        return self._as_of is not None
