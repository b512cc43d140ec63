"""The supervision feature as a default plugin (core.supervision): tiered supervision (信用分级分类监管).

Grades A–D from the subject's facts in force (the measures' fact sources) under the rules in rules.toml, on
``CreditSubject.supervisionGrade``; reproducible draws of 双随机 inspections weighted by the grades'
inspection ratios (``drawInspectionSample``), logged and published (``inspectionDraws``).

Who sees what: a grade, with the facts behind it, is for the departments that supervise, the admin, and the
subject itself (its own only), like the measures in force. A draw is published (一公开): its inputs, seed,
ratios and the subjects drawn (a person's code masked, a person's name left out); the grade of each subject
drawn and who drew it are for departments and the admin.

Grades are also materialised (supervision_grade) for draws: kept current from what changed since the last
refresh (supervision_dirty, written by database triggers in the change's transaction), recomputed by
``credit-gateway supervision regrade``. Domains add grade rules through the hook
``grade_rules`` (gateway.features.supervision.contributed).

The materialised grade is also a fact of the measures catalogue (``supervision_grade``), stated only while
it is current (gateway.features.supervision.grade_facts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from gateway.features.supervision.contributed import rules_for
from gateway.features.supervision.grade_facts import GRADE_FACTS
from gateway.features.supervision.graphql import MUTATION_FIELDS, QUERY_FIELDS, resolve_supervision_grade
from gateway.features.supervision.rules import default_rules
from gateway.features.supervision.tables import TABLES
from gateway.hooks.contributions import FactSource, MutationField, QueryField, SubjectField, fields_of
from gateway.hooks.specs import CommandLine, hookimpl
from gateway.policy.visibility import DEPARTMENT, PUBLIC, SUBJECT

if TYPE_CHECKING:
    import typer

_SUBJECT_AND_DEPARTMENTS = f"{SUBJECT},{DEPARTMENT}"


@hookimpl
def subject_fields() -> Sequence[SubjectField]:
    default_rules()  # rules that do not load stop the start, with their line
    return [
        SubjectField(
            "supervisionGrade",
            resolve_supervision_grade,
            "The subject's supervision grade (信用分级分类监管) today: A–D with its score, per domain, and every "
            "fact in force with the points it scored.",
        )
    ]


@hookimpl
def query_fields() -> Sequence[QueryField]:
    return fields_of(QUERY_FIELDS, QueryField)


@hookimpl
def mutation_fields() -> Sequence[MutationField]:
    # The domain is an argument: the resolver admits the admin and departments of that domain.
    return fields_of(MUTATION_FIELDS, MutationField, domain_gated=False)


@hookimpl
def tables() -> Sequence[sa.Table]:
    return TABLES


@hookimpl
def migrations() -> Path:
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def field_policies() -> Mapping[str, str]:
    return {
        "CreditSubject.supervisionGrade": _SUBJECT_AND_DEPARTMENTS,
        "SupervisionGrade": _SUBJECT_AND_DEPARTMENTS,
        "DomainGrade": _SUBJECT_AND_DEPARTMENTS,
        "GradeFact": _SUBJECT_AND_DEPARTMENTS,
        "GradeFactAttribute": _SUBJECT_AND_DEPARTMENTS,
        "Mutation.drawInspectionSample": DEPARTMENT,
        "Query.inspectionDraws": PUBLIC,
        "Query.inspectionDraw": PUBLIC,
        "InspectionDraw": PUBLIC,
        "InspectionDraw.drawnBy": DEPARTMENT,
        "InspectionDrawConnection": PUBLIC,
        "InspectionDrawEdge": PUBLIC,
        "DrawGradeShare": PUBLIC,
        "DrawnSubject": PUBLIC,
        "DrawnSubject.grade": DEPARTMENT,
    }


@hookimpl
def measure_facts() -> Sequence[FactSource]:
    return [GRADE_FACTS]


@hookimpl
def startup(graph: Any) -> None:
    rules_for(graph.composition)  # a plugin's bad grade_rules stop the start, naming the plugin


@hookimpl
def cli_commands(app: typer.Typer, cli: CommandLine) -> None:
    # The commands import typer, which a serving worker, loading this plugin too, never needs.
    from gateway.features.supervision.commands import add_supervision_commands

    add_supervision_commands(app, cli)
