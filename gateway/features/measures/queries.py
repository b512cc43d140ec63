"""Resolvers: ``CreditSubject.measures``, ``checkMeasures`` and ``measureCatalogue``.

Facts come from every plugin's fact sources (hook ``measure_facts``), each a loader the core made from it
(gateway.host.composition): one statement per source per level of subjects, whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from strawberry.types import Info

from gateway.auth.principal import Role
from gateway.engine.batch import batch_resolver
from gateway.features.measures.catalogue import Catalogue, Matter, MeasureKind
from gateway.features.measures.evaluate import Evaluation, evaluate, withholding_kinds
from gateway.features.measures.evaluate import reward_withheld as _reward_withheld
from gateway.features.measures.types import MeasureCatalogue, MeasureCheck, MeasureInForce
from gateway.features.measures.versions import catalogue_in_force, catalogue_version, number_of_label
from gateway.graph.arguments import subject_codes
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.graph.subject_access import note_served
from gateway.hooks.contributions import Fact
from gateway.kernel.clock import today
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, GatewayError
from gateway.kernel.identifiers import lookup_hash
from gateway.policy.access import subject_visible


def _fact_loaders(info: Info, kinds: frozenset[str] | None = None) -> list[str]:
    """The loaders of the fact sources (with ``kinds``, only those naming one of them)."""
    sources = info.context.graph.composition.measure_facts
    return [name for name, source in sources.items() if kinds is None or not kinds.isdisjoint(source.kinds)]


def sourced_kinds(info: Info) -> frozenset[str]:
    """The fact kinds some loaded plugin contributes."""
    sources = info.context.graph.composition.measure_facts.values()
    return frozenset(kind for source in sources for kind in source.kinds)


async def facts_of_all(info: Info, subject_ids: Sequence[int], kinds: frozenset[str] | None = None) -> list[list[Fact]]:
    """Every subject's facts, one loader call (one statement) per fact source for them all. With
    ``kinds``, only the sources that give one of them are read."""
    loaders = info.context.loaders
    per_source = [await loaders.load_all(name, list(subject_ids)) for name in _fact_loaders(info, kinds)]
    return [[fact for found in per_source for fact in found[index]] for index in range(len(subject_ids))]


async def facts_of(info: Info, subject_id: int, kinds: frozenset[str] | None = None) -> list[Fact]:
    """One subject's facts through the per-key DataLoaders: the subjects of one level still batch. With
    ``kinds``, only the sources that give one of them are read (a source of none of them costs no statement)."""
    loaders = info.context.loaders
    pending = [loaders.get(name).load(subject_id) for name in _fact_loaders(info, kinds)]  # all queued first
    return [fact for load in pending for fact in await load]


def _in_force(
    evaluation: Evaluation, matter: Matter | None, catalogue: Catalogue, sourced: frozenset[str]
) -> list[MeasureInForce]:
    return [MeasureInForce.of(a, catalogue, sourced) for a in evaluation.for_matter(matter)]


async def _may_see(info: Info, subject_ids: Sequence[int]) -> list[bool]:
    """A subject sees its own measures only; departments and the admin see everyone's."""
    if info.context.principal.role is not Role.SUBJECT:
        return [True] * len(subject_ids)
    own = await info.context.loaders.own_subject_id()
    return [subject_id == own for subject_id in subject_ids]


def _forbidden() -> GatewayError:
    return GatewayError("A subject sees only its own measures", FORBIDDEN)


async def subjects_measures(
    roots: Sequence[Any], info: Info, matter: Matter | None = None
) -> list[list[MeasureInForce] | Exception]:
    """The batch form of ``CreditSubject.measures``: every subject of a level at once."""
    ids = [root.id for root in roots]
    allowed = await _may_see(info, ids)
    shown = [i for i, ok in zip(ids, allowed, strict=True) if ok]
    facts = dict(zip(shown, await facts_of_all(info, shown), strict=True)) if shown else {}
    catalogue, day, sourced = (await catalogue_in_force(info)).catalogue, today(), sourced_kinds(info)
    return [
        _in_force(evaluate(catalogue, facts[i], day), matter, catalogue, sourced) if ok else _forbidden()
        for i, ok in zip(ids, allowed, strict=True)
    ]


@batch_resolver(subjects_measures)
async def resolve_measures(root: Any, info: Info, matter: Matter | None = None) -> list[MeasureInForce] | None:
    [allowed] = await _may_see(info, [root.id])
    if not allowed:
        raise _forbidden()
    catalogue = (await catalogue_in_force(info)).catalogue
    evaluation = evaluate(catalogue, await facts_of(info, root.id), today())
    return _in_force(evaluation, matter, catalogue, sourced_kinds(info))


async def resolve_measure_catalogue(info: Info, version: str | None = None) -> MeasureCatalogue:
    """The catalogue in force, or the version labelled ``version`` (NOT_FOUND when none is)."""
    if version is None:
        found = await catalogue_in_force(info)
    else:
        number = await number_of_label(info, version[:64])
        held = await catalogue_version(info, number) if number is not None else None
        if held is None:
            raise GatewayError(f"No catalogue version is labelled {version[:64]!r}", NOT_FOUND)
        found = held
    return MeasureCatalogue.of(found.catalogue, sourced_kinds(info), found.number, found.published_at)


async def resolve_check_measures(info: Info, codes: list[str], matter: Matter) -> list[MeasureCheck]:
    """The measures that apply to each subject for one matter, in the order asked; at most as many codes as
    ``subjects`` takes, every code checked first (INVALID_SUBJECT_CODE lists each bad one; nothing ran)."""
    settings = info.context.settings
    parsed = subject_codes(codes, settings.max_batch_subjects, settings.uscc_allow_list)
    principal = info.context.principal
    found = await info.context.loaders.load_all(SUBJECT_BY_HASH, [lookup_hash(c, settings.secret_key) for c in parsed])
    rows = [row if row is not None and subject_visible(principal, row) else None for row in found]
    ids = list(dict.fromkeys(row.id for row in rows if row is not None))
    note_served(info, ids)  # the query record notes who was looked at
    facts = dict(zip(ids, await facts_of_all(info, ids), strict=True)) if ids else {}
    catalogue, day, sourced = (await catalogue_in_force(info)).catalogue, today(), sourced_kinds(info)
    return [_check(code, row, facts, matter, catalogue, day, sourced) for code, row in zip(codes, rows, strict=True)]


def _check(
    code: str,
    row: Any,
    facts: dict[int, list[Fact]],
    matter: Matter,
    catalogue: Catalogue,
    day: dt.date,
    sourced: frozenset[str],
) -> MeasureCheck:
    if row is None:
        return MeasureCheck(
            code=code, known=False, name=None, restricted=False, rewarded=False, measures=[], withheld_rewards=[]
        )
    evaluation = evaluate(catalogue, facts[row.id], day)
    applied = evaluation.for_matter(matter)
    return MeasureCheck(
        code=code,
        known=True,
        name=row.name,
        restricted=any(a.measure.kind is MeasureKind.PUNISHMENT for a in applied),
        rewarded=any(a.measure.kind is MeasureKind.REWARD for a in applied),
        measures=[MeasureInForce.of(a, catalogue, sourced) for a in applied],
        withheld_rewards=[MeasureInForce.of(a, catalogue, sourced) for a in evaluation.withheld_for(matter)],
    )


async def _withholding(info: Info, measure_id: str) -> tuple[Catalogue, dt.date, frozenset[str]] | None:
    """The catalogue in force, the day and the fact kinds that could withhold the reward ``measure_id``;
    None when nothing can: the admin took the reward out of the catalogue, or no punishment valid today
    bears on its matters (then no fact is read)."""
    catalogue, day = (await catalogue_in_force(info)).catalogue, today()
    if catalogue.get(measure_id) is None:
        return None
    kinds = withholding_kinds(catalogue, measure_id, day)
    return (catalogue, day, kinds) if kinds else None


async def rewards_withheld(info: Info, subject_ids: Sequence[int], measure_id: str) -> list[bool]:
    """:func:`reward_withheld` for many subjects at once, in their order (repeats allowed): for a batch
    form (``batch_resolver``), with one statement per fact source read for them all."""
    rule = await _withholding(info, measure_id) if subject_ids else None
    if rule is None:
        return [False] * len(subject_ids)
    catalogue, day, kinds = rule
    facts = await facts_of_all(info, subject_ids, kinds)
    return [_reward_withheld(catalogue, measure_id, found, day) for found in facts]


async def reward_withheld(info: Info, subject_id: int, measure_id: str) -> bool:
    """Whether the catalogue's conflict rule withholds the reward ``measure_id`` from the subject today (a
    punishment in force bears on each of its matters): for a domain's own reward, such as the culture green
    channel, to follow the same rule. Loads through the per-key DataLoaders, so a level's subjects batch."""
    rule = await _withholding(info, measure_id)
    if rule is None:
        return False
    catalogue, day, kinds = rule
    return _reward_withheld(catalogue, measure_id, await facts_of(info, subject_id, kinds), day)
