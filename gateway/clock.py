"""The gateway's clock: one place that says what day it is, so that tests and demos run "as of" a date.

Everything dated in the credit domain (publicity windows, authorisation validity, working-day
deadlines) is a calendar date in China, so :meth:`Clock.today` is the date in Asia/Shanghai, not
the server's local date. Timestamps (``now``) are UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


class Clock:
    """The real time, unless pinned to a date with :meth:`travel_to` (tests, lifecycle demos)."""

    def __init__(self, as_of: dt.date | None = None) -> None:
        self._as_of = as_of

    def today(self) -> dt.date:
        if self._as_of is not None:
            return self._as_of
        return dt.datetime.now(CHINA).date()

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
