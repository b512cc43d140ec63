"""The measures feature as a default plugin (core.measures): the catalogue of joint rewards and punishments
(联合奖惩), the measures in force on ``CreditSubject.measures``, ``checkMeasures`` for departments handling
a matter, and the core's own facts (lists, records, broken commitments) through the ``measure_facts`` hook.

Who sees what: the catalogue is public (it is law and policy). The measures in force for a subject are for
the departments that implement them, the admin, and the subject itself (its own only); not for the public
or portals (a black-list entry is public, but which restrictions follow is a matter between the subject and
the departments), and not for partners (a partner-grantable group must sit on a record type).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gateway.features.measures import feedback, versions
from gateway.features.measures.catalogue import default_catalogue, trigger_kinds_without_source
from gateway.features.measures.facts import CORE_FACTS
from gateway.features.measures.queries import resolve_check_measures, resolve_measure_catalogue, resolve_measures
from gateway.features.measures.tables import TABLES
from gateway.features.measures.watch import watch_of
from gateway.hooks.contributions import FactSource, MutationField, QueryField, SubjectField, fields_of
from gateway.hooks.specs import hookimpl
from gateway.policy.visibility import ADMIN, DEPARTMENT, PUBLIC, SUBJECT

log = logging.getLogger(__name__)
_SUBJECT_AND_DEPARTMENTS = f"{SUBJECT},{DEPARTMENT}"


@hookimpl
def subject_fields() -> Sequence[SubjectField]:
    default_catalogue()  # a catalogue that does not load stops the start, with its line
    return [
        SubjectField(
            "measures",
            resolve_measures,
            "Joint rewards and punishments (联合奖惩) that apply to the subject today, with the facts that "
            "triggered each; `matter` keeps those bearing on one matter.",
        )
    ]


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return [
        QueryField(
            "checkMeasures",
            resolve_check_measures,
            "For a department handling a matter: the measures that apply to each subject (at most as many codes "
            "as subjects takes), in the order asked.",
        ),
        QueryField(
            "measureCatalogue",
            resolve_measure_catalogue,
            "The catalogue of joint rewards and punishments (联合奖惩措施清单) in force, with its version; "
            "`version`: an earlier version by its label (measureCatalogueVersions lists them).",
        ),
        *fields_of(versions.QUERY_FIELDS, QueryField),
        *fields_of(feedback.QUERY_FIELDS, QueryField),
    ]


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # No domain of its own: the resolvers check their callers (the admin for the catalogue; departments of
    # any domain and the admin for feedback).
    return [
        *fields_of(versions.MUTATION_FIELDS, MutationField, domain_gated=False),
        *fields_of(feedback.MUTATION_FIELDS, MutationField, domain_gated=False),
    ]


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def field_policies() -> Mapping[str, str]:
    return {
        "CreditSubject.measures": _SUBJECT_AND_DEPARTMENTS,
        "Query.checkMeasures": DEPARTMENT,
        "Query.measureCatalogue": PUBLIC,
        "MeasureCatalogue": PUBLIC,
        "Measure": PUBLIC,
        "MeasureTrigger": PUBLIC,
        "TriggerCondition": PUBLIC,
        "MatterLabel": PUBLIC,
        "MeasureInForce": _SUBJECT_AND_DEPARTMENTS,
        "MeasureFact": _SUBJECT_AND_DEPARTMENTS,
        "FactAttribute": _SUBJECT_AND_DEPARTMENTS,
        "MeasureCheck": DEPARTMENT,
        "Query.measureCatalogueVersions": PUBLIC,
        "MeasureCatalogueVersion": PUBLIC,
        "MeasureCatalogueVersion.publishedBy": ADMIN,
        "Mutation.publishMeasureCatalogue": ADMIN,
        "Mutation.upsertMeasure": ADMIN,
        "Mutation.retireMeasure": ADMIN,
        # Feedback: departments report and list their domain's; a subject lists the reports about itself.
        "Mutation.reportMeasureApplied": DEPARTMENT,
        "Query.measureApplications": _SUBJECT_AND_DEPARTMENTS,
        "MeasureApplication": _SUBJECT_AND_DEPARTMENTS,
        "MeasureApplicationConnection": _SUBJECT_AND_DEPARTMENTS,
        "MeasureApplicationEdge": _SUBJECT_AND_DEPARTMENTS,
    }


@hookimpl
def measure_facts() -> Sequence[FactSource]:
    return [CORE_FACTS]


@hookimpl
def startup(graph: Any) -> None:
    sourced = [kind for source in graph.composition.measure_facts.values() for kind in source.kinds]
    missing = trigger_kinds_without_source(default_catalogue(), sourced)
    if missing:
        # Not an error: a kind may be declared before any plugin provides it (supervision grades, today).
        log.warning("measures triggered by %s never apply: no loaded plugin contributes such facts", ", ".join(missing))
    # On PostgreSQL, listen for published catalogue versions, so that requests need not ask for the newest.
    watch_of(graph.engine).start(graph.engine)


@hookimpl
async def shutdown(graph: Any) -> None:
    await watch_of(graph.engine).stop()
