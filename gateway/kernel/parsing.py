"""Parsers of cell text for bulk imports: dates, numbers and enums as departments write them.

Each raises ``ValueError`` with a message for a person; the import runner reports it against the
row and column. ``optional(parser)`` turns blank cells into ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
LONG_TERM = date(2099, 12, 31)  # 双公示: a licence valid "long-term" (长期) is dated 2099-12-31


def text(value: str) -> str:
    return value.strip()


def parse_date(value: str) -> date:
    """``2024-01-05``, ``2024/1/5``, ``2024.1.5``, ``2024年1月5日``, ``20240105``; ``长期`` is 2099-12-31."""
    cleaned = value.strip()
    if cleaned in ("长期", "long-term"):
        return LONG_TERM
    match = _DATE.match(cleaned) or _COMPACT_DATE.match(cleaned)
    if not match:
        raise ValueError(f"not a date: {cleaned[:40]!r} (expected e.g. 2024-01-05 or 2024年1月5日)")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise ValueError(f"not a real date: {cleaned!r}") from exc


def parse_decimal(value: str) -> Decimal:
    cleaned = value.strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {cleaned[:40]!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {cleaned!r}")
    return number


def parse_int(value: str) -> int:
    cleaned = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", cleaned):
        raise ValueError(f"not a whole number: {cleaned[:40]!r}")
    return int(cleaned)


class _Members(dict[Any, Any]):
    """Values and members of one enum; a key that is neither is the enum's own ValueError."""

    def __init__(self, enum_type: type[Enum]) -> None:
        super().__init__({member.value: member for member in enum_type})
        self.update({member: member for member in enum_type})
        self.enum_type = enum_type

    def __missing__(self, key: Any) -> Any:
        return self.enum_type(key)  # raises ValueError as Enum(value) does


def stored_enum(enum_type: type[E]) -> Callable[[Any], E]:
    """``enum_type(value)`` for values read back from the database in a loop over rows (a member maps to
    itself): a dict look-up in C where ``Enum.__call__`` costs several times more, with the same result and
    the same ValueError for a value that is not the enum's."""
    return _Members(enum_type).__getitem__  # type: ignore[type-var]


def parse_enum(enum_type: type[E], labels: Mapping[str, E] | None = None) -> Callable[[str], E]:
    """Accept the enum's own values (``FINE``) and the given labels (``罚款``)."""
    accepted: dict[str, E] = {member.value: member for member in enum_type}  # type: ignore[misc]
    accepted.update(labels or {})

    def parse(value: str) -> E:
        cleaned = value.strip()
        if cleaned in accepted:
            return accepted[cleaned]
        if cleaned.upper() in accepted:
            return accepted[cleaned.upper()]
        choices = "、".join(list(labels or {})[:12]) or ", ".join(m.value for m in enum_type)
        raise ValueError(f"unknown value {cleaned[:40]!r}; expected one of {choices}")

    return parse


def optional(parser: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parser for a column that may be blank: blank becomes ``None``."""

    def parse(value: str) -> Any:
        return None if not value.strip() else parser(value)

    return parse
