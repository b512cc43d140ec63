"""Timestamps as the API shows them: China time, with its offset written out.

Everything else dated in this API (decision dates, publicity windows, authorisations) is a calendar
date in China, and a person reading a query record or a workflow step expects China's clock too.
So every ``DateTime`` the API returns is in Asia/Shanghai with an explicit ``+08:00``
(``2026-03-02T09:30:00+08:00``): the same instant as UTC, readable without converting. The database
keeps UTC (:func:`gateway.graph.arguments.utc`); only the wire changes. An input without an offset is
read as China time, as a person typing one means.
"""

from __future__ import annotations

import datetime as dt

import dateutil.parser
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

from gateway.kernel.clock import CHINA


def in_china(value: dt.datetime) -> dt.datetime:
    """The same instant in China time; a naive value is UTC (SQLite hands stored timestamps back naive)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA)


def serialize(value: dt.datetime) -> str:
    return in_china(value).isoformat()


def parse_value(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = dateutil.parser.isoparse(value)
    except ValueError as exc:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". {exc}') from None
    aware = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA)
    try:  # the edges of the calendar: 0001-01-01T00:00:00 in China is before year 1 in UTC, where it is stored
        aware.astimezone(dt.UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Out of range.') from None
    return aware


CHINA_DATETIME = ScalarDefinition(
    name="DateTime",
    description=(
        "A date and time in ISO 8601, always shown in China time with its offset (2026-03-02T09:30:00+08:00). "
        "An input may carry any offset; without one it is read as China time."
    ),
    specified_by_url=None,
    serialize=serialize,
    parse_value=parse_value,
    parse_literal=None,
    origin=dt.datetime,
)

# For the schema's ``scalar_overrides``: every ``datetime`` field and argument, the plugins' included.
SCALAR_OVERRIDES = {dt.datetime: CHINA_DATETIME}
