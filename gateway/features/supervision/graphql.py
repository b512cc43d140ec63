"""Resolvers: ``CreditSubject.supervisionGrade``, ``drawInspectionSample``, ``inspectionDraws`` and
``inspectionDraw``.

Grades are computed from the measures' fact sources (hook ``measure_facts``), never from SQL of their own:
for a subject field through the loaders the core made of them (one statement per source per level); for a
draw straight from the sources in batches of at most ``MAX_LOADER_BATCH`` subjects, so that a large
population is not held in the request's loader caches.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.divisions import within_division
from gateway.db.tables import credit_record, subject
from gateway.engine.batch import batch_resolver
from gateway.features.supervision import sampling
from gateway.features.supervision.grading import grade
from gateway.features.supervision.rules import GRADES, GradeRules, default_rules
from gateway.features.supervision.tables import inspection_draw
from gateway.features.supervision.types import InspectionDraw, SupervisionGrade
from gateway.graph.arguments import int_id, require, text
from gateway.graph.pagination import Connection, newest_first_page
from gateway.hooks.contributions import Fact
from gateway.kernel import divisions
from gateway.kernel.clock import today
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError, LimitExceeded
from gateway.kernel.identifiers import CodeType
from gateway.kernel.limits import MAX_INSPECTION_KIND, MAX_INSPECTION_SAMPLE, MAX_INSPECTION_SEED, MAX_LOADER_BATCH

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
    names = list(info.context.graph.composition.measure_facts)
    per_source = [await loaders.load_all(name, shown) for name in names] if shown else []
    facts = {sid: [f for found in per_source for f in found[n]] for n, sid in enumerate(shown)}
    rules = default_rules()
    return [_graded(rules, facts[i]) if ok else _forbidden() for i, ok in zip(ids, allowed, strict=True)]


@batch_resolver(subjects_grades)
async def resolve_supervision_grade(root: Any, info: Info) -> SupervisionGrade | None:
    [allowed] = await _may_see(info, [root.id])
    if not allowed:
        raise _forbidden()
    loaders = info.context.loaders
    pending = [loaders.get(name).load(root.id) for name in info.context.graph.composition.measure_facts]
    return _graded(default_rules(), [fact for load in pending for fact in await load])


# --- drawInspectionSample ---------------------------------------------------------------------------


def _population_query(domain: str, division: str | None) -> sa.Select[Any]:
    return (
        sa.select(credit_record.c.subject_id)
        .where(credit_record.c.domain == domain, within_division(credit_record.c.division_code, division))
        .distinct()
        .order_by(credit_record.c.subject_id)
    )


async def population_grades(info: Info, conn: AsyncConnection, subject_ids: Sequence[int]) -> list[str]:
    """The grade of each subject, from every fact source, in batches of ``MAX_LOADER_BATCH``."""
    rules, day = default_rules(), today()
    sources = list(info.context.graph.composition.measure_facts.values())
    grades: list[str] = []
    for start in range(0, len(subject_ids), MAX_LOADER_BATCH):
        batch = subject_ids[start : start + MAX_LOADER_BATCH]
        facts: dict[int, list[Fact]] = {sid: [] for sid in batch}
        for source in sources:
            found = await source.load(conn, batch, day)
            for sid, items in found.items():
                facts[sid].extend(f for f in items if f.kind in source.kinds)
        grades.extend(grade(rules, facts[sid]).overall.grade for sid in batch)
    return grades


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
    rules, day = default_rules(), today()
    async with info.context.engine.connect() as conn:
        ids = list((await conn.execute(_population_query(domain, division))).scalars())
        if size > len(ids):
            raise BadUserInput(
                f"size {size} is larger than the population: {len(ids)} subjects hold records of {domain!r} here",
                argument="size",
                population=len(ids),
            )
        population = list(zip(ids, await population_grades(info, conn, ids), strict=True))
        drawn = sampling.draw(seed, population, rules.ratios, size)
        query = sa.select(subject.c.id, subject.c.display_code, subject.c.name, subject.c.code_type)
        rows = {r.id: r for r in await conn.execute(query.where(subject.c.id.in_([sid for sid, _ in drawn])))}
    counts = {g: sum(1 for _, found in population if found == g) for g in GRADES}
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
