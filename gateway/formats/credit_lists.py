"""Red and black list entries (红黑名单) as a shared format.

A domain declares its lists with the measures each list type triggers by default (a culture red
list grants a green channel; a black list restricts)::

    LISTS = CreditLists(domain="culture", default_measures={ListType.RED: ("PRIORITY_HANDLING", ...)})
    LISTS.entries   # a RecordKind
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.db.tables import credit_list_entry
from gateway.formats.common import (
    detail_writer,
    document_key_finder,
    document_submission,
    read_decision,
    read_party,
    read_sub_area,
)
from gateway.kernel.limits import MAX_MEASURES, MAX_NAME, MAX_TEXT
from gateway.records.enums import Polarity, Severity
from gateway.write.submissions import ItemError, RecordKind, Submission, SubmissionPolicy, Validated
from gateway.write.validation import ItemReader

LIST_ENTRY_TYPE = "CreditListEntry"


class ListType(enum.StrEnum):
    RED = "RED"  # 红名单: trustworthy, rewarded
    BLACK = "BLACK"  # 黑名单: dishonest, punished


LIST_TYPE_LABELS = {"红名单": ListType.RED, "红榜": ListType.RED, "黑名单": ListType.BLACK, "黑榜": ListType.BLACK}


def list_category(list_type: ListType) -> str:
    return f"{list_type.value}_LIST"


@dataclass(frozen=True)
class CreditLists:
    """The red and black lists one domain keeps.

    ``measures`` maps measure codes the domain knows to their descriptions; an entry's measures must
    be among them, and ``default_measures`` fills them in by list type when an entry names none.
    ``sub_areas`` works as for :class:`~gateway.formats.double_publicity.DoublePublicity`.
    """

    domain: str
    measures: Mapping[str, str] = field(default_factory=dict)
    default_measures: Mapping[ListType, Sequence[str]] = field(default_factory=dict)
    sub_areas: Mapping[str, str] = field(default_factory=dict)

    @property
    def entries(self) -> RecordKind:
        return RecordKind(
            "list-entries", self.validate, document_key_finder(credit_list_entry), detail_writer(credit_list_entry)
        )

    def validate(self, inputs: Sequence[Any], policy: SubmissionPolicy) -> Validated:
        errors: list[ItemError] = []
        return Validated([self._entry(ItemReader(i, errors), raw, policy) for i, raw in enumerate(inputs)], errors)

    def _entry(self, reader: ItemReader, raw: Any, policy: SubmissionPolicy) -> Submission | None:
        party = read_party(reader, policy, raw.party_code, raw.party_name, raw.party_type)
        decision = read_decision(reader, policy, raw)
        list_name = reader.string("listName", raw.list_name, MAX_NAME)
        reason = reader.string("reason", raw.reason, MAX_TEXT)
        if raw.removal_date is not None and raw.removal_date <= raw.decision_date:
            reader.fail("removalDate", "must be after the listing (decision) date")
        measures = list(dict.fromkeys(m.strip() for m in (raw.measures or []) if m.strip()))
        if len(measures) > MAX_MEASURES:
            reader.fail("measures", f"at most {MAX_MEASURES} measures")
        unknown = [m for m in measures if m not in self.measures]
        if unknown:
            reader.fail("measures", f"unknown measures {unknown[:5]}; known: {', '.join(self.measures) or 'none'}")
        measures = measures or list(self.default_measures.get(raw.list_type, ()))
        sub_area = read_sub_area(reader, self.sub_areas, raw.sub_area)
        if reader.failed or party is None or decision is None:
            return None
        black = raw.list_type is ListType.BLACK
        envelope = decision.envelope(
            self.domain,
            LIST_ENTRY_TYPE,
            list_category(raw.list_type),
            Polarity.NEGATIVE if black else Polarity.POSITIVE,
            Severity.SERIOUS if black else None,
        )
        detail = {
            "list_type": raw.list_type.value,
            "list_name": list_name,
            "reason": reason,
            "removal_date": raw.removal_date,
            "measures": ",".join(measures),
            "sub_area": sub_area,
        }
        return document_submission(party, envelope, detail)
