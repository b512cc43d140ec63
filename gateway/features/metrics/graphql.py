"""``collectionMetrics``: the year's collection figures, for the admin and (their own) departments."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from gateway.features.metrics.compute import Rules, collect
from gateway.features.metrics.report import CollectionMetrics
from gateway.features.metrics.scope import scope_for, working_calendar
from gateway.kernel.errors import LimitExceeded
from gateway.kernel.limits import MAX_METRICS_CALLS

_CALLS = "gateway.features.metrics.calls"


async def collection_metrics(
    info: Info,
    year: int,
    domain: str | None = None,
    division: str | None = None,
    source_unit: str | None = None,
    late_first: int | None = None,
) -> CollectionMetrics:
    extras = info.context.extras
    extras[_CALLS] = extras.get(_CALLS, 0) + 1  # aliases cannot multiply the statements
    if extras[_CALLS] > MAX_METRICS_CALLS:
        raise LimitExceeded("collectionMetrics calls in one request", extras[_CALLS], MAX_METRICS_CALLS)
    settings = info.context.settings
    today = info.context.graph.clock.today()
    scope = scope_for(
        info.context.principal,
        year=year,
        domain=domain,
        division=division,
        source_unit=source_unit,
        late_first=late_first,
        known_domains=info.context.graph.composition.plugin_names,
        today=today,
    )
    rules = Rules(
        working_calendar(settings.working_calendar_file), settings.publicity, settings.disputes.verify_days, today
    )
    async with info.context.engine.connect() as conn:
        return await collect(conn, scope, rules)


QUERY_FIELDS: dict[str, Any] = {
    "collection_metrics": strawberry.field(
        resolver=collection_metrics,
        description=(
            "How departments collected and reported credit information in a year (年度评估), by department and "
            "source unit: volume by kind, publication within 7 working days of the decision (late records "
            "listed, at most lateFirst per unit, 20 unless given, 100 at most), dispute, correction and "
            "revocation rates, disputes answered late, repair decisions, commitments made and broken. The admin "
            "may ask for any domain and division; a department gets its own domain and division only."
        ),
    )
}
