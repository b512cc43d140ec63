"""The collection metrics of a year, in a fixed number of statements whatever the number of records or
source units: records by kind with timeliness and lifecycle counts (one), the late records listed (one),
disputes forwarded (one), repair decisions (one), commitments (one, unless a division is asked for).

Which records a year covers: those *decided* in it (decision date, a calendar date in China), with what
happened to them since (disputed, corrected, revoked). The workflow figures count the steps *taken* in the
year (a dispute forwarded, a repair decided, a commitment made or broken), on the unit's records of any year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.divisions import within_division
from gateway.db.tables import credit_record, dispute, record_revision, repair_application, workflow_transition
from gateway.features.metrics.report import (
    CollectionMetrics,
    CommitmentFigures,
    DepartmentMetrics,
    LateRecord,
    SourceUnitMetrics,
    Tally,
)
from gateway.features.metrics.timeliness import (
    TIMELY_WORKING_DAYS,
    deadline_of,
    deadline_table,
    working_days_taken,
    year_bounds,
)
from gateway.kernel.limits import MAX_METRICS_SOURCE_UNITS
from gateway.kernel.rules import PublicityRules
from gateway.kernel.workdays import WorkingCalendar, local_date
from gateway.records.enums import RecordStatus
from gateway.records.publicity import is_published


@dataclass(frozen=True, slots=True)
class Scope:
    """What a request covers, validated (gateway.features.metrics.scope)."""

    year: int
    departments: tuple[str, ...]  # the domains reported, each listed even without figures
    domain: str | None  # a filter: None for every domain
    division: str | None
    source_unit_code: str | None
    late_first: int


@dataclass(frozen=True, slots=True)
class Rules:
    """What the figures are judged by: the calendar, the publicity rules, the dispute verification limit, the day."""

    calendar: WorkingCalendar
    publicity: PublicityRules
    verify_days: int
    today: dt.date


_record = credit_record.c
_log = workflow_transition
# The lifecycle's commitments table (gateway.features.lifecycle.tables), the three columns counted: named here
# rather than imported, since features import no other feature (both import-linter contracts say so).
# tests/metrics read commitments the lifecycle's mutations made, so a renamed column fails there.
credit_commitment = sa.table(
    "credit_commitment",
    sa.column("id", sa.Integer),
    sa.column("domain", sa.String),
    sa.column("made_at", sa.DateTime(timezone=True)),
)


def _count_if(condition: Any) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _unit_scope(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The records of the scope's domains, division and source unit, of any year."""
    conditions: list[sa.ColumnElement[bool]] = [_record.domain.in_(scope.departments)]
    if scope.division is not None:
        conditions.append(within_division(_record.division_code, scope.division))
    if scope.source_unit_code is not None:
        conditions.append(_record.source_unit_code == scope.source_unit_code)
    return conditions


def _decided_in_year(scope: Scope) -> list[sa.ColumnElement[bool]]:
    first, last = dt.date(scope.year, 1, 1), dt.date(scope.year, 12, 31)
    return [*_unit_scope(scope), _record.decision_date >= first, _record.decision_date <= last]


def _in_year(column: Any, scope: Scope) -> sa.ColumnElement[bool]:
    start, end = year_bounds(scope.year)
    return sa.and_(column >= start, column < end)


async def collect(conn: AsyncConnection, scope: Scope, rules: Rules) -> CollectionMetrics:
    deadline = deadline_table(rules.calendar, scope.year)
    units: dict[tuple[str, str], Tally] = defaultdict(Tally)
    names: dict[tuple[str, str], str] = {}
    await _records(conn, scope, deadline, units, names)
    late = await _late_records(conn, scope, deadline, rules)
    await _disputes(conn, scope, rules, units, names)
    await _repairs(conn, scope, units, names)
    commitments = await _commitments(conn, scope)
    departments = []
    for domain in scope.departments:
        codes = sorted(code for d, code in units if d == domain)
        total = Tally()
        for code in codes:
            total.add(units[domain, code])
        departments.append(
            DepartmentMetrics(
                domain=domain,
                figures=total.figures(),
                commitments=None
                if commitments is None
                else commitments.get(domain, CommitmentFigures(made=0, broken=0)),
                source_unit_count=len(codes),
                source_units=[
                    SourceUnitMetrics(
                        source_unit_code=code,
                        source_unit=names[domain, code],
                        figures=units[domain, code].figures(),
                        late_records=late.get((domain, code), []),
                    )
                    for code in codes[:MAX_METRICS_SOURCE_UNITS]
                ],
            )
        )
    return CollectionMetrics(
        year=scope.year,
        division=scope.division,
        source_unit_code=scope.source_unit_code,
        timely_working_days=TIMELY_WORKING_DAYS,
        as_of=rules.today,
        departments=departments,
    )


async def _records(
    conn: AsyncConnection,
    scope: Scope,
    deadline: sa.CTE,
    units: dict[tuple[str, str], Tally],
    names: dict[tuple[str, str], str],
) -> None:
    """Records decided in the year by unit and kind: how many, on time, disputed, corrected, revoked."""
    query = (
        sa.select(
            _record.domain,
            _record.source_unit_code,
            sa.func.max(_record.source_unit).label("source_unit"),
            _record.record_type,
            _record.category,
            sa.func.count().label("records"),
            _count_if(_record.created_at <= deadline.c.cutoff).label("timely"),
            _count_if(sa.exists().where(dispute.c.record_id == _record.id)).label("disputed"),
            _count_if(sa.exists().where(record_revision.c.record_id == _record.id)).label("corrected"),
            _count_if(_record.status == RecordStatus.REVOKED.value).label("revoked"),
        )
        .select_from(credit_record.join(deadline, deadline.c.day == _record.decision_date))
        .where(*_decided_in_year(scope))
        .group_by(_record.domain, _record.source_unit_code, _record.record_type, _record.category)
    )
    for row in await conn.execute(query):
        key = (row.domain, row.source_unit_code)
        names[key] = max(names.get(key, ""), row.source_unit)
        tally = units[key]
        tally.records += row.records
        tally.by_kind[row.record_type, row.category] = row.records
        tally.timely += int(row.timely)
        tally.disputed += int(row.disputed)
        tally.corrected += int(row.corrected)
        tally.revoked += int(row.revoked)


async def _late_records(
    conn: AsyncConnection, scope: Scope, deadline: sa.CTE, rules: Rules
) -> dict[tuple[str, str], list[LateRecord]]:
    """The first ``late_first`` late records of each unit, earliest decision first (a window function)."""
    if scope.late_first == 0:
        return {}
    rank = (
        sa.func.row_number()
        .over(partition_by=(_record.domain, _record.source_unit_code), order_by=(_record.decision_date, _record.id))
        .label("rank")
    )
    ranked = (
        sa.select(
            _record.id,
            _record.domain,
            _record.source_unit_code,
            _record.record_type,
            _record.category,
            _record.document_number,
            _record.decision_date,
            _record.created_at,
            _record.polarity,
            _record.published_until,
            rank,
        )
        .select_from(credit_record.join(deadline, deadline.c.day == _record.decision_date))
        .where(*_decided_in_year(scope), _record.created_at > deadline.c.cutoff)
        .subquery("late")
    )
    query = (
        sa.select(ranked)
        .where(ranked.c.rank <= scope.late_first)
        .order_by(ranked.c.domain, ranked.c.source_unit_code, ranked.c.rank)
    )
    found: dict[tuple[str, str], list[LateRecord]] = defaultdict(list)
    for row in await conn.execute(query):
        submitted = _utc(row.created_at)
        found[row.domain, row.source_unit_code].append(
            LateRecord(
                record_id=strawberry.ID(str(row.id)),
                record_type=row.record_type,
                category=row.category,
                document_number=row.document_number,
                decision_date=row.decision_date,
                deadline=deadline_of(rules.calendar, row.decision_date),
                submitted_at=submitted,
                published_at=submitted if _public_on_arrival(row, submitted, rules) else None,
                working_days=working_days_taken(rules.calendar, row.decision_date, submitted),
            )
        )
    return found


def _public_on_arrival(row: Any, submitted: dt.datetime, rules: Rules) -> bool:
    """Published at its submission: it arrives ACTIVE, so only its window and the five-year rule decide."""
    arrival = {"status": RecordStatus.ACTIVE.value, "polarity": row.polarity, "published_until": row.published_until}
    return is_published(_Arrived(decision_date=row.decision_date, **arrival), local_date(submitted), rules.publicity)


@dataclass(frozen=True, slots=True)
class _Arrived:
    status: str
    polarity: str
    published_until: dt.date | None
    decision_date: dt.date


async def _disputes(
    conn: AsyncConnection,
    scope: Scope,
    rules: Rules,
    units: dict[tuple[str, str], Tally],
    names: dict[tuple[str, str], str],
) -> None:
    """Disputes forwarded to the department in the year, and which were (or are) answered late: the
    verification deadline counts ``verify_days`` working days from the forwarding, as the workflow does."""
    forwarded = _log.alias("forwarded")
    verified = _log.alias("verified")
    query = (
        sa.select(
            _record.domain,
            _record.source_unit_code,
            _record.source_unit,
            forwarded.c.at.label("forwarded_at"),
            verified.c.at.label("verified_at"),
        )
        .select_from(
            dispute.join(credit_record, _record.id == dispute.c.record_id)
            .join(
                forwarded,
                sa.and_(
                    forwarded.c.workflow == "dispute",
                    forwarded.c.item_id == dispute.c.id,
                    forwarded.c.action == "FORWARD",
                ),
            )
            .outerjoin(
                verified,
                sa.and_(
                    verified.c.workflow == "dispute", verified.c.item_id == dispute.c.id, verified.c.action == "VERIFY"
                ),
            )
        )
        .where(*_unit_scope(scope), _in_year(forwarded.c.at, scope))
    )
    for row in await conn.execute(query):
        key = (row.domain, row.source_unit_code)
        names[key] = max(names.get(key, ""), row.source_unit)
        due = rules.calendar.add_working_days(row.forwarded_at, rules.verify_days)
        answered = local_date(row.verified_at) if row.verified_at is not None else None
        tally = units[key]
        tally.disputes_forwarded += 1
        tally.disputes_answered_late += (answered is not None and answered > due) or (
            answered is None and rules.today > due
        )


async def _repairs(
    conn: AsyncConnection, scope: Scope, units: dict[tuple[str, str], Tally], names: dict[tuple[str, str], str]
) -> None:
    """Repair applications approved or rejected in the year, by the unit of the repaired record."""
    query = (
        sa.select(
            _record.domain,
            _record.source_unit_code,
            sa.func.max(_record.source_unit).label("source_unit"),
            _log.c.action,
            sa.func.count().label("decisions"),
        )
        .select_from(
            _log.join(
                repair_application, sa.and_(_log.c.workflow == "repair", _log.c.item_id == repair_application.c.id)
            ).join(credit_record, _record.id == repair_application.c.record_id)
        )
        .where(*_unit_scope(scope), _log.c.action.in_(("APPROVE", "REJECT")), _in_year(_log.c.at, scope))
        .group_by(_record.domain, _record.source_unit_code, _log.c.action)
    )
    for row in await conn.execute(query):
        key = (row.domain, row.source_unit_code)
        names[key] = max(names.get(key, ""), row.source_unit)
        if row.action == "APPROVE":
            units[key].repairs_approved += row.decisions
        else:
            units[key].repairs_rejected += row.decisions


async def _commitments(conn: AsyncConnection, scope: Scope) -> dict[str, CommitmentFigures] | None:
    """Commitments made, and broken, in the year, by domain. None with a division (or a source unit): a
    commitment is made to a domain, and is in no division and of no unit until it is broken."""
    if scope.division is not None or scope.source_unit_code is not None:
        return None
    commitment = credit_commitment.c
    broken = sa.exists().where(
        _log.c.workflow == "commitment",
        _log.c.item_id == commitment.id,
        _log.c.action == "BREACH",
        _in_year(_log.c.at, scope),
    )
    query = (
        sa.select(
            commitment.domain,
            _count_if(_in_year(commitment.made_at, scope)).label("made"),
            _count_if(broken).label("broken"),
        )
        .where(commitment.domain.in_(scope.departments))
        .group_by(commitment.domain)
    )
    return {
        row.domain: CommitmentFigures(made=int(row.made), broken=int(row.broken)) for row in await conn.execute(query)
    }


def _utc(value: dt.datetime) -> dt.datetime:
    """Stored timestamps as aware UTC (SQLite hands them back naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
