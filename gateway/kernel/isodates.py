"""The ISO 8601 text of dates, remembered.

``date.isoformat()`` formats through C's printf machinery: some 3,000 machine instructions a call,
about as much as the rest of a record's cursor. A page of 25 records answers each record's decision
date twice (the field and the cursor), a profile some forty dates, and most are among the same few
thousand days, so each day's text is kept once made. The memory is bounded: past
``_REMEMBERED`` days it starts again empty.
"""

from __future__ import annotations

from datetime import date

_REMEMBERED = 4_096  # days: some eleven years of distinct dates, a few hundred kB
_texts: dict[date, str] = {}


def iso_date(day: date) -> str:
    """``day.isoformat()``: for a plain ``date``, remembered; anything else (a ``datetime``, whose
    equal values may differ in offset and so in text) is formatted every time."""
    if type(day) is not date:
        return day.isoformat()
    text = _texts.get(day)
    if text is None:
        if len(_texts) >= _REMEMBERED:
            _texts.clear()
        text = _texts[day] = day.isoformat()
    return text
