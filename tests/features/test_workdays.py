"""Working days against the real chinese-calendar data: no mocks, so a library update that changes a known
holiday shows up here."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gateway.kernel.errors import ConfigurationError
from gateway.kernel.workdays import (
    MAX_WORKING_DAYS,
    WorkingCalendar,
    calendar_from_settings,
    load_overrides,
    local_date,
)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_national_day_golden_week_2024(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(d) for d in days("2024-10-01", "2024-10-07"))
    # The adjusted workdays (调休): a Sunday before and a Saturday after the holiday.
    assert calendar.is_working_day(date(2024, 9, 29))
    assert calendar.is_working_day(date(2024, 10, 12))
    assert calendar.is_working_day(date(2024, 10, 8))
    assert not calendar.is_working_day(date(2024, 10, 13))  # an ordinary Sunday


def test_spring_festival_2025(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(d) for d in days("2025-01-28", "2025-02-04"))
    assert calendar.is_working_day(date(2025, 1, 26))  # Sunday, adjusted workday
    assert calendar.is_working_day(date(2025, 2, 8))  # Saturday, adjusted workday
    assert calendar.is_working_day(date(2025, 2, 5))


def test_add_working_days_across_the_golden_week(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2024, 9, 30), 3) == date(2024, 10, 10)
    # The adjusted Saturday counts: 10-08, 09, 10, 11, 12 (Sat).
    assert calendar.add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)
    assert calendar.add_working_days(date(2024, 9, 28), 1) == date(2024, 9, 29)  # Saturday -> adjusted Sunday


def test_start_day_never_counts(calendar: WorkingCalendar) -> None:
    friday = date(2024, 6, 14)
    assert calendar.add_working_days(friday, 3) == date(2024, 6, 19)  # Wednesday
    assert calendar.add_working_days(datetime(2024, 6, 14, 17, 30, tzinfo=UTC), 3) == date(2024, 6, 19)
    assert calendar.add_working_days(friday, 0) == friday


def test_datetime_uses_the_shanghai_date(calendar: WorkingCalendar) -> None:
    late_sunday_utc = datetime(2024, 9, 29, 20, 0, tzinfo=UTC)  # 04:00 on Monday 09-30 in Shanghai
    assert local_date(late_sunday_utc) == date(2024, 9, 30)
    assert calendar.add_working_days(late_sunday_utc, 3) == date(2024, 10, 10)
    # A naive datetime is UTC, as elsewhere in the gateway.
    assert calendar.add_working_days(datetime(2024, 9, 29, 20, 0), 3) == date(2024, 10, 10)
    # Still Sunday in Shanghai: Sunday itself does not count, so Monday 09-30 is the first working day.
    assert calendar.add_working_days(datetime(2024, 9, 29, 10, 0, tzinfo=UTC), 1) == date(2024, 9, 30)


def test_working_days_between(calendar: WorkingCalendar) -> None:
    start = date(2024, 9, 30)
    assert calendar.working_days_between(start, date(2024, 10, 10)) == 3
    assert calendar.working_days_between(start, date(2024, 10, 7)) == 0
    assert calendar.working_days_between(start, start) == 0
    assert calendar.working_days_between(date(2024, 10, 10), start) == 0
    for n in (0, 1, 15, 250):
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@pytest.mark.parametrize("bad", [-1, MAX_WORKING_DAYS + 1, 10**9])
def test_days_out_of_range(calendar: WorkingCalendar, bad: int) -> None:
    with pytest.raises(ValueError, match="days must be"):
        calendar.add_working_days(date(2024, 1, 1), bad)


def test_span_out_of_range(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="more than"):
        calendar.working_days_between(date(2000, 1, 1), date(2030, 1, 1))


def test_override_file_shifts_a_deadline(tmp_path: Path) -> None:
    path = tmp_path / "workdays.txt"
    path.write_text(
        "# local corrections\n\n2024-10-08 holiday  # a local typhoon day\n2024-10-13 Workday\n", encoding="utf-8"
    )
    overrides = load_overrides(path)
    assert overrides == {date(2024, 10, 8): False, date(2024, 10, 13): True}
    calendar = calendar_from_settings(path)
    assert not calendar.is_working_day(date(2024, 10, 8))
    assert calendar.add_working_days(date(2024, 9, 30), 3) == date(2024, 10, 11)
    assert calendar.add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 13)


def test_uncovered_year_falls_back_to_weekdays(caplog: pytest.LogCaptureFixture) -> None:
    calendar = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="gateway.kernel.workdays"):
        week = [calendar.is_working_day(d) for d in days("2099-01-05", "2099-01-11")]  # Monday to Sunday
        assert calendar.add_working_days(date(2099, 1, 9), 1) == date(2099, 1, 12)  # Friday -> Monday
    assert week == [True] * 5 + [False] * 2
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not once per day


def test_override_fixes_an_uncovered_year() -> None:
    calendar = WorkingCalendar({date(2099, 1, 6): False})
    assert not calendar.is_working_day(date(2099, 1, 6))
    assert calendar.add_working_days(date(2099, 1, 5), 1) == date(2099, 1, 7)


@pytest.mark.parametrize(
    "line",
    ["2027-02-06", "2027-02-06 weekend", "2027-02-30 holiday", "06/02/2027 holiday", "2027-02-06 workday extra"],
)
def test_bad_override_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "workdays.txt"
    path.write_text(f"# header\n2027-02-10 holiday\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3") as info:
        load_overrides(path)
    assert line in str(info.value)


def test_duplicate_override_date(tmp_path: Path) -> None:
    path = tmp_path / "workdays.txt"
    path.write_text("2027-02-06 workday\n2027-02-06 holiday\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2.*already given"):
        load_overrides(path)


def test_calendar_from_settings(tmp_path: Path) -> None:
    assert calendar_from_settings(None).is_working_day(date(2024, 9, 29))
    (tmp_path / "bad.txt").write_text("nonsense\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="line 1"):
        calendar_from_settings(tmp_path / "bad.txt")
    with pytest.raises(ConfigurationError):
        calendar_from_settings(tmp_path / "missing.txt")
