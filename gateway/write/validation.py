"""Reading submitted items field by field, collecting every problem instead of stopping at the first.

Plugins validate each item of a submission with an :class:`ItemReader`; all problems of all items
come back in one ``INVALID_SUBMISSION`` error (see :func:`gateway.write.submissions.reject`).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from gateway.kernel.errors import InvalidSubjectCode
from gateway.kernel.identifiers import CodeType, SubjectCode, parse_subject_code
from gateway.kernel.limits import MAX_AMOUNT
from gateway.write.submissions import ItemError

CENT = Decimal("0.01")


class ItemReader:
    """Reads one submitted item's fields, recording each problem against the item's index and the
    GraphQL field name. ``failed`` holds the fields that failed, so later checks can skip them."""

    def __init__(self, index: int, errors: list[ItemError]) -> None:
        self.index = index
        self.errors = errors
        self.failed: set[str] = set()

    def fail(self, field_name: str, message: str) -> None:
        self.errors.append(ItemError(self.index, field_name, message))
        self.failed.add(field_name)

    def string(self, field_name: str, value: str | None, maximum: int, *, required: bool = True) -> str | None:
        """The trimmed value; ``None`` when absent (or blank and optional)."""
        trimmed = value.strip() if value is not None else ""
        if not trimmed:
            if required:
                self.fail(field_name, "must not be empty")
            return None
        if len(trimmed) > maximum:
            self.fail(field_name, f"must have at most {maximum} characters, not {len(trimmed)}")
            return None
        return trimmed

    def subject_code(self, field_name: str, value: str, allow_list: Collection[str]) -> SubjectCode | None:
        try:
            return parse_subject_code(value, uscc_allow_list=allow_list)
        except InvalidSubjectCode as exc:
            self.fail(field_name, f"not a valid subject code: {exc.extensions['reason']}")
            return None

    def uscc(self, field_name: str, value: str, allow_list: Collection[str]) -> str | None:
        """A unified social credit code (an authority's or unit's), never a resident ID number."""
        try:
            code = parse_subject_code(value, uscc_allow_list=allow_list)
        except InvalidSubjectCode as exc:
            self.fail(field_name, f"not a valid unified social credit code: {exc.extensions['reason']}")
            return None
        if code.type is not CodeType.USCC:
            self.fail(field_name, "must be a unified social credit code, not a resident ID number")
            return None
        return code.value

    def decimal(
        self, field_name: str, value: Decimal | None, maximum: Decimal = MAX_AMOUNT, *, places: Decimal = CENT
    ) -> Decimal | None:
        """A non-negative number with at most ``places`` decimals (two by default: what NUMERIC(·, 2)
        keeps exactly)."""
        if value is None:
            return None
        if not value.is_finite():
            self.fail(field_name, "must be a finite number")
        elif value < 0:
            self.fail(field_name, "must not be negative")
        elif value > maximum:
            self.fail(field_name, f"must be at most {maximum:,}")
        elif value != value.quantize(places):
            self.fail(field_name, f"must have at most {-places.as_tuple().exponent} decimals")
        else:
            return value
        return None
