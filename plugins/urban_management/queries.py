"""Read resolvers: ``CreditSubject.urbanManagement`` and the sub-area catalogue ``Query.urbanSubAreas``."""

from collections.abc import Sequence
from typing import Any

from strawberry.types import Info

from gateway.api import AdministrativeLicense, AdministrativePenalty, CreditListEntry, ListType, batch_resolver
from plugins.urban_management import rules
from plugins.urban_management.loaders import RECORDS
from plugins.urban_management.types import UrbanInspection, UrbanManagementProfile, UrbanSubArea


async def urban_management_profiles(roots: Sequence[Any], info: Info) -> list[UrbanManagementProfile | None]:
    """The batch form: every subject of a level with one call of the records loader."""
    found = await info.context.loaders.load_all(RECORDS, [root.id for root in roots])
    return [urban_management_profile(records) for records in found]


@batch_resolver(urban_management_profiles)
async def resolve_urban_management(root: Any, info: Info) -> UrbanManagementProfile | None:
    # Through the same loader as CreditSubject.records, so `{ urbanManagement records }` costs one
    # statement. The loader lists records newest decision first; each list keeps that order.
    return urban_management_profile(await info.context.loaders.load(RECORDS, root.id))


def urban_management_profile(records: Sequence[Any]) -> UrbanManagementProfile:
    entries = [r for r in records if isinstance(r, CreditListEntry)]
    return UrbanManagementProfile(
        all_penalties=[r for r in records if isinstance(r, AdministrativePenalty)],
        licenses=[r for r in records if isinstance(r, AdministrativeLicense)],
        inspections=[r for r in records if isinstance(r, UrbanInspection)],
        red_list=[e for e in entries if e.list_type is ListType.RED],
        black_list=[e for e in entries if e.list_type is ListType.BLACK],
    )


def resolve_urban_sub_areas() -> list[UrbanSubArea]:
    """The fixed catalogue of sub-areas, in the order the domain declares them."""
    return [UrbanSubArea(code=code, label=label) for code, label in rules.SUB_AREAS.items()]
