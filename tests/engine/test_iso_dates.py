"""Dates answered as text: remembered per day, the same text as ``isoformat()``, in bounded memory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from graphql import GraphQLScalarType
from strawberry.schema.types.base_scalars import DateDefinition

from gateway.engine.leaves import leaf_coercer
from gateway.kernel import isodates
from gateway.kernel.isodates import iso_date


def test_a_day_has_the_text_isoformat_gives_it() -> None:
    days = [date(1, 1, 1), date(1999, 12, 31), date(2024, 2, 29), date(9999, 12, 31)]
    for day in days + days:  # the second time from memory
        assert iso_date(day) == day.isoformat()


def test_a_datetime_is_formatted_each_time_not_remembered() -> None:
    # Equal instants in two offsets are equal (and hash alike) but read differently.
    in_utc = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    in_beijing = in_utc.astimezone(timezone(timedelta(hours=8)))
    assert in_utc == in_beijing
    assert iso_date(in_utc) == "2026-01-01T00:00:00+00:00"
    assert iso_date(in_beijing) == "2026-01-01T08:00:00+08:00"
    assert in_utc not in isodates._texts and in_beijing not in isodates._texts


def test_the_memory_of_days_is_bounded() -> None:
    start = date(1900, 1, 1)
    for offset in range(isodates._REMEMBERED * 3):
        day = start + timedelta(days=offset)
        assert iso_date(day) == day.isoformat()
        assert len(isodates._texts) <= isodates._REMEMBERED


def test_the_engine_answers_a_date_leaf_as_strawberrys_date_scalar_does() -> None:
    scalar = GraphQLScalarType("Date", serialize=DateDefinition.serialize)
    coerce = leaf_coercer(scalar)
    day = date(2026, 3, 1)
    assert coerce(day) == scalar.serialize(day) == "2026-03-01"
    assert isodates._texts[day] == "2026-03-01"  # through the memory, not graphql-core
    # A datetime (a date's subclass) goes the general way, and gives what the scalar gives for it.
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert coerce(moment) == scalar.serialize(moment) == "2026-03-01T09:30:00+00:00"
