"""Publicity windows: how long a record is published, from when its subject may apply for repair,
and when dishonesty information stops being served at all (five years after the behaviour ended).

A negative record's window comes from its severity (minor: at most 3 months; general: 3 months to
1 year; serious: 1 to 3 years, from the decision date); a plugin may give a record its own length
(construction bad conduct: 6 months to 3 years, never shorter than the penalty) through
``Envelope.publicity_months``. The window is worked out when the record is written and stored
(``published_until``, ``repair_from``), so that lists can filter in SQL and a rule change does not
silently republish records. Positive and neutral records have no window of their own.

Five years after the behaviour ended (its decision date, for want of a better date) a negative record
is withheld from every query but the admin's, whatever its window said.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from gateway.db.tables import credit_record
from gateway.kernel.clock import today
from gateway.kernel.rules import PublicityRules
from gateway.records.enums import Polarity, RecordStatus

NEGATIVE = Polarity.NEGATIVE.value


@dataclass(frozen=True, slots=True)
class Window:
    minimum_months: int
    maximum_months: int

    def published_until(self, decided: dt.date) -> dt.date:
        """The last day the record is published: the day before the maximum is reached."""
        return decided + relativedelta(months=self.maximum_months) - dt.timedelta(days=1)

    def repair_from(self, decided: dt.date) -> dt.date:
        return decided + relativedelta(months=self.minimum_months)


def window_for(
    polarity: str, severity: str | None, rules: PublicityRules, publicity_months: int | None = None
) -> Window | None:
    """A record's window; ``publicity_months``: a length the domain's own rules fixed for this record."""
    if polarity != NEGATIVE:
        return None
    low, high = rules.months[severity if severity in rules.months else rules.negative_without_severity]
    if publicity_months is not None:
        return Window(min(low, publicity_months), publicity_months)
    return Window(low, high)


def lifecycle_values(envelope: Any, rules: PublicityRules) -> dict[str, dt.date | None]:
    """The stored columns of a new record: ``published_until`` and ``repair_from``."""
    window = window_for(envelope.polarity, envelope.severity, rules, getattr(envelope, "publicity_months", None))
    if window is None:
        return {"published_until": None, "repair_from": None}
    return {
        "published_until": window.published_until(envelope.decision_date),
        "repair_from": window.repair_from(envelope.decision_date),
    }


@lru_cache(maxsize=64)
def withheld_cutoff(day: dt.date, years: int) -> dt.date:
    """Negative records decided on or before this day are withheld on ``day`` (computed once per day)."""
    return day - relativedelta(years=years)


def _withheld_before(record: Any, cutoff: dt.date) -> bool:
    """Negative and decided on or before ``cutoff``. Our enums are StrEnums, whose members compare as their
    strings: only another enum's member is asked for its value (a call to the enum's property)."""
    polarity = record.polarity
    if not isinstance(polarity, str):
        polarity = getattr(polarity, "value", polarity)
    return polarity == NEGATIVE and record.decision_date <= cutoff


def is_withheld(record: Any, day: dt.date, rules: PublicityRules) -> bool:
    """Dishonesty information past its years: for the admin's eyes only."""
    return _withheld_before(record, withheld_cutoff(day, rules.dishonesty_withheld_after_years))


_ACTIVE = RecordStatus.ACTIVE.value


def is_published(record: Any, day: dt.date, rules: PublicityRules) -> bool:
    """Shown to the public and partners: active, inside its window, and not withheld."""
    return published_on(day, rules)(record)


def published_on(day: dt.date, rules: PublicityRules) -> Callable[[Any], bool]:
    """:func:`is_published` for many records on one day under one set of rules, with the withholding
    cutoff worked out once: a batch of profiles checks hundreds of records, one call each."""
    cutoff = withheld_cutoff(day, rules.dishonesty_withheld_after_years)

    def published(record: Any) -> bool:
        status = record.status
        if not isinstance(status, str):  # as in _withheld_before
            status = getattr(status, "value", status)
        if status != _ACTIVE:
            return False
        until = record.published_until
        return (until is None or day <= until) and not _withheld_before(record, cutoff)

    return published


def published_now(record: Any) -> bool:
    """Published as of the request's day, under its rules: what lists and measures (black-list
    membership, a green channel) count, whoever asks."""
    return is_published(record, today(), current_rules())


# The rules of the request being served (set with the day, per request): lists filter in SQL far
# from the settings, and must agree with the per-record checks.
_request_rules: ContextVar[PublicityRules | None] = ContextVar("credit_gateway_publicity_rules", default=None)
_DEFAULT_RULES = PublicityRules()


def serve_rules(rules: PublicityRules) -> None:
    _request_rules.set(rules)


def current_rules() -> PublicityRules:
    return _request_rules.get() or _DEFAULT_RULES


def publication_key() -> tuple[dt.date, dt.date]:
    """What :func:`published_clause` depends on (the day, and the cut-off of withheld dishonesty):
    statements built with it can be kept as long as this stays the same."""
    day = today()
    return day, withheld_cutoff(day, current_rules().dishonesty_withheld_after_years)


def published_clause(table: sa.Table = credit_record) -> sa.ColumnElement[bool]:
    """SQL for "published today" on the envelope table, for a plugin's list queries."""
    day = today()
    rules = current_rules()
    cutoff = withheld_cutoff(day, rules.dishonesty_withheld_after_years)
    return sa.and_(
        table.c.status == RecordStatus.ACTIVE.value,
        sa.or_(table.c.published_until.is_(None), table.c.published_until >= day),
        sa.or_(table.c.polarity != NEGATIVE, table.c.decision_date > cutoff),
    )
