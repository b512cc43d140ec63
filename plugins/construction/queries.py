"""Read resolvers: ``CreditSubject.construction``."""

from collections.abc import Sequence
from typing import Any

from strawberry.types import Info

from gateway.api import SubjectKind, batch_resolver
from plugins.construction import rules
from plugins.construction.loaders import RECORDS
from plugins.construction.types import (
    ConstructionBlacklistEntry,
    ConstructionConductRecord,
    ConstructionProfile,
    ConstructionQualification,
    RegisteredPractitioner,
)


async def construction_profiles(roots: Sequence[Any], info: Info) -> list[ConstructionProfile | None]:
    """The batch form: every subject of a level with one call of the records loader."""
    found = await info.context.loaders.load_all(RECORDS, [root.id for root in roots])
    return [construction_profile(root, records) for root, records in zip(roots, found, strict=True)]


@batch_resolver(construction_profiles)
async def resolve_construction(root: Any, info: Info) -> ConstructionProfile | None:
    # Through the same loader as CreditSubject.records, so `{ construction records }` costs one
    # statement; the records come newest decision first and keep that order in every list.
    return construction_profile(root, await info.context.loaders.load(RECORDS, root.id))


def construction_profile(root: Any, records: Sequence[Any]) -> ConstructionProfile:
    conduct = [r for r in records if isinstance(r, ConstructionConductRecord)]
    return ConstructionProfile(
        qualifications=[r for r in records if isinstance(r, ConstructionQualification)],
        good_conduct=[r for r in conduct if r.conduct is rules.ConductType.GOOD],
        bad_conduct=[r for r in conduct if r.conduct is rules.ConductType.BAD],
        blacklist=[r for r in records if isinstance(r, ConstructionBlacklistEntry)],
        registrations=[r for r in records if isinstance(r, RegisteredPractitioner)],
        subject_id=root.id,
        subject_kind=SubjectKind(root.kind),
    )
