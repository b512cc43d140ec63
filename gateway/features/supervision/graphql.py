"""Resolvers: ``CreditSubject.supervisionGrade``, ``drawInspectionSample``, ``inspectionDraws`` and
``inspectionDraw``.

A subject's grade is computed on request from the measures' fact sources (hook ``measure_facts``), through
the loaders the core made of them (one statement per source per level), with its explanation. A draw reads
the materialised grades (:mod:`gateway.features.supervision.materialised`), refreshing the stale ones first
in batches of ``MAX_LOADER_BATCH`` subjects, then selects with one indexed query
(:mod:`gateway.features.supervision.drawing`): the statements of a draw once grades are fresh do not grow
with the population.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.tables import subject
from gateway.engine.batch import batch_resolver
from gateway.features.supervision import drawing, materialised
from gateway.features.supervision.contributed import rules_for
from gateway.features.supervision.grade_facts import grading_sources
from gateway.features.supervision.grading import grade
from gateway.features.supervision.rules import GradeRules
from gateway.features.supervision.tables import inspection_draw
from gateway.features.supervision.types import InspectionDraw, SupervisionGrade
from gateway.graph.arguments import int_id, require, text
from gateway.graph.pagination import Connection, newest_first_page
from gateway.hooks.contributions import Fact
from gateway.kernel import divisions
from gateway.kernel.clock import today
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError, LimitExceeded
from gateway.kernel.identifiers import CodeType
from gateway.kernel.limits import MAX_INSPECTION_KIND, MAX_INSPECTION_SAMPLE, MAX_INSPECTION_SEED

DRAWERS = (Role.ADMIN, Role.DEPARTMENT)


# --- CreditSubject.supervisionGrade -----------------------------------------------------------------


def _graded(rules: GradeRules, facts: Sequence[Fact]) -> SupervisionGrade:
    grading = grade(rules, facts)
    return SupervisionGrade.of(grading, rules.version, rules.ratios[grading.overall.grade])


async def _may_see(info: Info, subject_ids: Sequence[int]) -> list[bool]:
    """A subject sees its own grade only; departments and the admin see everyone's."""
    if info.context.principal.role is not Role.SUBJECT:
        return [True] * len(subject_ids)
    own = await info.context.loaders.own_subject_id()
    return [subject_id == own for subject_id in subject_ids]


def _forbidden() -> GatewayError:
    return GatewayError("A subject sees only its own supervision grade", FORBIDDEN)


async def subjects_grades(roots: Sequence[Any], info: Info) -> list[SupervisionGrade | Exception]:
    """The batch form: every subject of a level at once, one loader call (statement) per fact source."""
    ids = [root.id for root in roots]
    allowed = await _may_see(info, ids)
    shown = [i for i, ok in zip(ids, allowed, strict=True) if ok]
    loaders = info.context.loaders
    names = list(grading_sources(info.context.graph.composition.measure_facts))
    per_source = [await loaders.load_all(name, shown) for name in names] if shown else []
    facts = {sid: [f for found in per_source for f in found[n]] for n, sid in enumerate(shown)}
    rules = rules_for(info.context.graph.composition)
    return [_graded(rules, facts[i]) if ok else _forbidden() for i, ok in zip(ids, allowed, strict=True)]


@batch_resolver(subjects_grades)
async def resolve_supervision_grade(root: Any, info: Info) -> SupervisionGrade | None:
    [allowed] = await _may_see(info, [root.id])
    if not allowed:
        raise _forbidden()
    loaders = info.context.loaders
    pending = [
        loaders.get(name).load(root.id) for name in grading_sources(info.context.graph.composition.measure_facts)
    ]
    return _graded(rules_for(info.context.graph.composition), [fact for load in pending for fact in await load])


# --- drawInspectionSample ---------------------------------------------------------------------------


def _scope(principal: Principal, domain: str, division: str | None) -> str | None:
    """The division to draw in, once the caller may draw there (departments: own domain and division)."""
    division = divisions.check_division(division)  # INVALID_DIVISION
    if principal.role is Role.DEPARTMENT:
        if principal.domain != domain:
            raise GatewayError(f"A department of {principal.domain!r} may not draw for {domain!r}", FORBIDDEN)
        if principal.division_code is not None:
            if division is not None and not divisions.covers(principal.division_code, division):
                raise GatewayError(
                    f"Division {division} is outside this key's division {principal.division_code}", FORBIDDEN
                )
            division = division or principal.division_code
    return division


async def draw_inspection_sample(
    info: Info,
    domain: str,
    kind: str,
    size: int,
    seed: str,
    division: Optional[str] = None,  # noqa: UP045
) -> InspectionDraw:
    principal: Principal = info.context.principal
    require(principal, DRAWERS, "drawInspectionSample")
    if domain not in info.context.graph.composition.plugin_names:
        raise BadUserInput(f"No domain {domain[:64]!r} is loaded", argument="domain")
    kind = text(kind, "kind", MAX_INSPECTION_KIND)
    seed = text(seed, "seed", MAX_INSPECTION_SEED)
    if size < 1:
        raise BadUserInput("size must be at least 1", argument="size")
    if size > MAX_INSPECTION_SAMPLE:
        raise LimitExceeded("size", size, MAX_INSPECTION_SAMPLE)
    division = _scope(principal, domain, division)
    graph = info.context.graph
    rules, day = rules_for(graph.composition), today()
    sources = list(grading_sources(graph.composition.measure_facts).values())
    await materialised.refresh(info.context.engine, rules, sources, day, graph.clock.now())
    async with info.context.engine.connect() as conn:
        counts = await drawing.grade_counts(conn, domain, division)
        held = sum(counts.values())
        if size > held:
            raise BadUserInput(
                f"size {size} is larger than the population: {held} subjects hold records of {domain!r} here",
                argument="size",
                population=held,
            )
        drawn = await drawing.draw(conn, seed, domain, division, rules.ratios, size)
        query = sa.select(subject.c.id, subject.c.display_code, subject.c.name, subject.c.code_type)
        rows = {r.id: r for r in await conn.execute(query.where(subject.c.id.in_([sid for sid, _ in drawn])))}
    values = {
        "drawn_at": info.context.graph.clock.now(),
        "drawn_by": f"{principal.role.value}:{principal.name}"[:200],
        "domain": domain,
        "division_code": division,
        "kind": kind,
        "size": size,
        "seed": seed,
        "as_of": day,
        "rules_version": rules.version,
        "ratios": dict(rules.ratios),
        "population": counts,
        "sample": [
            {
                "id": sid,
                "code": rows[sid].display_code,
                "name": rows[sid].name,
                "person": rows[sid].code_type != CodeType.USCC.value,
                "grade": found,
            }
            for sid, found in drawn
        ],
    }
    async with info.context.engine.begin() as conn:
        new_id = (await conn.execute(inspection_draw.insert().values(**values))).inserted_primary_key[0]
    return InspectionDraw.of(SimpleNamespace(id=new_id, **values))  # shaped like its row


# --- inspectionDraws, inspectionDraw ------------------------------------------------------------------


async def inspection_draws(
    info: Info,
    domain: Optional[str] = None,  # noqa: UP045
    first: Optional[int] = None,  # noqa: UP045
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[InspectionDraw]:
    query = sa.select(inspection_draw)
    if domain is not None:
        query = query.where(inspection_draw.c.domain == domain[:64])
    return await newest_first_page(info, query, inspection_draw.c.id, first, after, InspectionDraw.of)


async def inspection_draw_by_id(info: Info, id: strawberry.ID) -> InspectionDraw:
    number = int_id(id, "id")
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(sa.select(inspection_draw).where(inspection_draw.c.id == number))).first()
    if row is None:
        raise GatewayError(f"No inspection draw {number}", NOT_FOUND)
    return InspectionDraw.of(row)


QUERY_FIELDS: dict[str, Any] = {
    "inspection_draws": strawberry.field(
        resolver=inspection_draws,
        description="Draws of 双随机 inspections, newest first (一公开: public); `domain` keeps one domain's. "
        "first: at most the API's largest page.",
    ),
    "inspection_draw": strawberry.field(
        resolver=inspection_draw_by_id,
        description="One draw of inspections as it was made (nothing is drawn again); NOT_FOUND for an unknown id.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "draw_inspection_sample": strawberry.mutation(
        resolver=draw_inspection_sample,
        description="The admin, or a department for its own domain and division: draw `size` subjects holding "
        "records of `domain` (in `division` when given) for an inspection of `kind`, weighted by their "
        "supervision grades' inspection ratios. The same inputs, seed and data draw the same sample. The "
        "draw is logged and published (inspectionDraws).",
    ),
}
