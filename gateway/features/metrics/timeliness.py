"""When a record counts as published on time, and the deadlines of a year as one SQL table.

A record is **submitted** when the gateway inserts it: ``credit_record.created_at``, which the database sets
(``server_default now()``) and nothing updates afterwards (a correction keeps it). It is **published** at its
submission when it is public on arrival: active, and neither past its publicity window nor withheld by
the five-year rule (gateway.records.publicity). A record that arrives already past its window, or withheld,
is never published: it has no publication time, and it is late, since such a record arrives months or years
after its decision. Every record submitted within the timeliness limit arrives inside its window (windows
last months), so "published on time" is exactly "submitted on time".

On time: the Shanghai date of the submission is at most ``TIMELY_WORKING_DAYS`` working days after the
decision date (gateway.kernel.workdays, the official calendar with its adjusted workdays). A record submitted
on its decision day took 0 working days.

The deadline of every decision day of a year is worked out here once, in Python, with the gateway's one
calendar, and handed to SQL as a 365-row ``VALUES`` table: each record is then judged by one comparison of
timestamps in the statement that counts it, whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gateway.kernel.clock import CHINA
from gateway.kernel.limits import MAX_SPAN_DAYS
from gateway.kernel.workdays import WorkingCalendar, local_date

TIMELY_WORKING_DAYS = 7  # 7 working days from the decision to publication, as the assessment asks


def year_days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days)]


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year in China as a half-open range of UTC instants, for timestamp columns."""
    start = dt.datetime(year, 1, 1, tzinfo=CHINA).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=CHINA).astimezone(dt.UTC)
    return start, end


def last_instant_of(day: dt.date) -> dt.datetime:
    """The last microsecond of ``day`` in China, in UTC.

    An inclusive bound (``<=``) rather than "before the next midnight": SQLite keeps timestamps as text,
    and a server-default ``2026-10-09 16:00:00`` sorts before ``2026-10-09 16:00:00.000000``, the same
    instant as a parameter, while no stored text sorts wrongly against ``…15:59:59.999999``.
    """
    return dt.datetime.combine(day, dt.time.max, CHINA).astimezone(dt.UTC)


def deadline_table(calendar: WorkingCalendar, year: int) -> sa.CTE:
    """``deadline(day, cutoff)``: each decision day of ``year`` with the last instant (UTC) a record decided
    that day may be submitted and count as on time. A CTE of ``VALUES``, which SQLite and PostgreSQL both
    read (SQLite has no column list on a ``VALUES`` alias in FROM)."""
    rows = [(day, last_instant_of(calendar.add_working_days(day, TIMELY_WORKING_DAYS))) for day in year_days(year)]
    return (
        sa.values(sa.column("day", sa.Date), sa.column("cutoff", sa.DateTime(timezone=True)), name="deadline")
        .data(rows)
        .cte("deadline")
    )


def deadline_of(calendar: WorkingCalendar, decided: dt.date) -> dt.date:
    return calendar.add_working_days(decided, TIMELY_WORKING_DAYS)


def working_days_taken(calendar: WorkingCalendar, decided: dt.date, submitted: Any) -> int | None:
    """Working days from the decision to the Shanghai date of the submission (None past the calendar's span)."""
    day = local_date(submitted)
    if (day - decided).days > MAX_SPAN_DAYS:
        return None
    return calendar.working_days_between(decided, day)
