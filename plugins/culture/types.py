"""GraphQL types of the culture domain. Its records are the shared formats' types; what is its own is the
subject's culture profile, the green channel, the measures catalogue and the paged red/black list.

No postponed annotations here: strawberry reads these annotations at class creation.
"""

from collections.abc import Sequence
from datetime import date

import strawberry
from strawberry.types import Info

from gateway.api import (
    AdministrativeLicense,
    AdministrativePenalty,
    CreditListEntry,
    ListType,
    PageInfo,
    batch_resolver,
    reward_withheld,
    rewards_withheld,
)
from gateway.api import today as clock_today
from plugins.culture import rules


@strawberry.type(description="A green-channel incentive (绿色通道) a red-list subject enjoys.")
class CultureIncentive:
    code: str = strawberry.field(description="The measure code, as in CreditListEntry.measures.")
    label: str = strawberry.field(description="Its Chinese name, e.g. 容缺受理.")
    description: str

    @classmethod
    def of(cls, measure: rules.Measure) -> "CultureIncentive":
        return cls(code=measure.code, label=measure.label, description=measure.description)


@strawberry.type(description="A measure a culture red or black list triggers: labels for CreditListEntry.measures.")
class CultureMeasure:
    code: str
    label: str
    description: str
    list_type: ListType = strawberry.field(description="The list whose entries may trigger it.")

    @classmethod
    def of(cls, measure: rules.Measure) -> "CultureMeasure":
        return cls(code=measure.code, label=measure.label, description=measure.description, list_type=measure.list_type)


@strawberry.type(
    description="The green channel (绿色通道) of the culture domain: what the subject's red-list entries grant today."
)
class CultureGreenChannel:
    eligible: bool = strawberry.field(
        description="Whether a current red-list entry grants the subject any incentive; a current black-list "
        "entry, or a joint punishment in force on its matters (measures), suspends the green channel."
    )
    incentives: list[CultureIncentive] = strawberry.field(description="The incentives granted; empty if not eligible.")
    since: date | None = strawberry.field(description="The earliest listing date among the granting entries.")


@strawberry.type(description="What the culture and tourism domain (文化和旅游) holds about a subject.")
class CultureProfile:
    subject_id: strawberry.Private[int]
    penalties: list[AdministrativePenalty] = strawberry.field(description="行政处罚, newest decision first.")
    licenses: list[AdministrativeLicense] = strawberry.field(description="行政许可, newest decision first.")
    red_list: list[CreditListEntry] = strawberry.field(
        description="Red-list entries (红榜), newest listing first, including those already removed (see isCurrent)."
    )
    black_list: list[CreditListEntry] = strawberry.field(
        description="Black-list entries (黑榜), newest listing first, including those already removed (see isCurrent)."
    )

    @strawberry.field(description="The green channel the current red-list entries grant.")
    @batch_resolver(lambda profiles, info: _green_channels(profiles, info))
    async def green_channel(self, info: Info) -> CultureGreenChannel | None:
        found = rules.green_channel([*self.red_list, *self.black_list], clock_today())
        # The green channel is a reward of the joint measures catalogue: a punishment in force on its matters
        # (a major tax violation, any black list) withholds it, by the catalogue's conflict rule.
        if found.eligible and await reward_withheld(info, self.subject_id, rules.GREEN_CHANNEL_MEASURE):
            found = _NOT_GRANTED
        return _green_channel_of(found)


_NOT_GRANTED = rules.GreenChannel(False, (), None)


async def _green_channels(profiles: Sequence[CultureProfile], info: Info) -> list[CultureGreenChannel]:
    """The batch form of ``greenChannel``: every profile of a level, with one catalogue check for all the
    eligible ones (one statement per fact source) instead of a resolver call per profile."""
    day = clock_today()
    found = [rules.green_channel([*profile.red_list, *profile.black_list], day) for profile in profiles]
    eligible = [profile.subject_id for profile, channel in zip(profiles, found, strict=True) if channel.eligible]
    withheld = iter(await rewards_withheld(info, eligible, rules.GREEN_CHANNEL_MEASURE))
    return [_green_channel_of(_NOT_GRANTED if channel.eligible and next(withheld) else channel) for channel in found]


def _green_channel_of(found: rules.GreenChannel) -> CultureGreenChannel:
    return CultureGreenChannel(
        eligible=found.eligible,
        incentives=[CultureIncentive.of(m) for m in found.incentives],
        since=found.since,
    )


@strawberry.type(description="A current culture list entry and whom it lists, as the list is published.")
class CultureRedBlackListEdge:
    cursor: str
    node: CreditListEntry
    subject_name: str = strawberry.field(description="Name of the listed subject.")
    subject_code: str = strawberry.field(description="Code of the listed subject (an ID number masked).")


@strawberry.type(description="A page of the culture red or black list (红黑榜).")
class CultureRedBlackListConnection:
    edges: list[CultureRedBlackListEdge]
    page_info: PageInfo
