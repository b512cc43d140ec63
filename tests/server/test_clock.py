"""The gateway's clock: China's calendar, pinned by travel_to, held for a whole process by hold_calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from gateway.kernel import clock
from gateway.kernel.clock import CHINA, Clock, china_today, hold_calendar, serve_as_of, today


@pytest.fixture
def released_calendar() -> Iterator[None]:
    """The real calendar for the test, and the session's held one back afterwards (conftest holds it)."""
    held = china_today()
    hold_calendar(None)
    try:
        yield
    finally:
        hold_calendar(held)


def test_the_real_calendar_is_chinas(released_calendar: None) -> None:
    before = dt.datetime.now(CHINA).date()
    assert china_today() in {before, dt.datetime.now(CHINA).date()}
    assert Clock().today() == china_today()


def test_a_held_calendar_keeps_the_day_and_lets_timestamps_go_on(released_calendar: None) -> None:
    held = dt.date(2031, 2, 28)
    hold_calendar(held)
    real = Clock()
    assert (china_today(), today(), real.today()) == (held, held, held)
    first = real.now()
    assert first.tzinfo is dt.UTC and first.date() != held  # now() is the real time, not the held day
    assert real.now() >= first
    assert not real.pinned


def test_a_pinned_clock_and_the_request_day_win_over_the_held_calendar(released_calendar: None) -> None:
    hold_calendar(dt.date(2031, 2, 28))
    pinned = Clock(dt.date(2027, 1, 1))
    assert pinned.today() == dt.date(2027, 1, 1)
    assert pinned.now() == dt.datetime(2027, 1, 1, 4, tzinfo=dt.UTC)  # noon in China
    token = clock._request_day.set(None)
    try:
        serve_as_of(dt.date(2028, 6, 1))
        assert today() == dt.date(2028, 6, 1)
    finally:
        clock._request_day.reset(token)


def test_the_session_holds_one_day() -> None:
    # conftest's pytest_configure held China's date of the start of the session; test modules
    # computed their dates from it at import.
    assert china_today() == today() == Clock().today()
    assert clock._held_day is not None
