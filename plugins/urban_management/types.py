"""GraphQL types of the urban management domain: the inspection record, the subject's profile, the
sub-area catalogue, and the inspection input. Penalties, licences and list entries use the shared
format types (``AdministrativePenalty``, ``AdministrativeLicense``, ``CreditListEntry``).

No postponed annotations here: strawberry reads these annotations at class creation.
"""

from datetime import date
from typing import Annotated

import strawberry

from gateway.api import (
    AdministrativeLicense,
    AdministrativePenalty,
    BadUserInput,
    CreditListEntry,
    CreditRecord,
    PageInfo,
    PartyType,
)
from plugins.urban_management import rules

UrbanInspectionType = strawberry.enum(
    rules.InspectionType,
    name="UrbanInspectionType",
    description="检查类型: routine patrol, random (双随机) check, special campaign, complaint check, follow-up.",
)
UrbanInspectionResult = strawberry.enum(
    rules.InspectionResult,
    name="UrbanInspectionResult",
    description="检查结果: PASSED 合格, RECTIFICATION_REQUIRED 责令限期整改, FAILED 不合格.",
)


@strawberry.type(description="One of the urban management sub-areas a record may be about.")
class UrbanSubArea:
    code: str = strawberry.field(description="The code records carry in subArea, e.g. FRONTAGE_RESPONSIBILITY.")
    label: str = strawberry.field(description="The label to show, e.g. 门前三包.")


@strawberry.type(description="The result of an urban management inspection of a subject (城市管理检查结果).")
class UrbanInspection(CreditRecord):
    party_type: PartyType
    inspection_type: UrbanInspectionType
    sub_area: str = strawberry.field(description="The sub-area inspected (see urbanSubAreas).")
    inspection_item: str = strawberry.field(description="检查事项: what was checked.")
    result: UrbanInspectionResult
    # Nullable: a partner-grantable field reads null where the principal may not see it.
    findings: str | None = strawberry.field(description="检查情况: what the inspectors found.")
    rectification_deadline: date | None = strawberry.field(description="整改期限, after the inspection date.")
    inspector_unit: str = strawberry.field(description="The unit that carried out the inspection.")
    remarks: str | None

    @strawberry.field(description="The day of the inspection (the record's decisionDate).")
    def inspection_date(self) -> date:
        return self.decision_date


def _sub_area_code(given: str) -> str:
    cleaned = given.strip()
    code = {label: key for key, label in rules.SUB_AREAS.items()}.get(cleaned, cleaned)
    if code not in rules.SUB_AREAS:
        raise BadUserInput(
            f"Unknown urban management sub-area {cleaned[:40]!r}; known: {', '.join(rules.SUB_AREAS)}",
            argument="subArea",
        )
    return code


@strawberry.type(description="What urban management (城市管理) holds about a subject.")
class UrbanManagementProfile:
    all_penalties: strawberry.Private[list[AdministrativePenalty]]
    licenses: list[AdministrativeLicense] = strawberry.field(
        description="Administrative licences (行政许可), newest decision first."
    )
    inspections: list[UrbanInspection] = strawberry.field(description="Inspection results, newest first.")
    red_list: list[CreditListEntry] = strawberry.field(
        description="Red-list entries (门前三包 红榜), current and past, newest first."
    )
    black_list: list[CreditListEntry] = strawberry.field(
        description="Black-list entries (门前三包 黑榜), current and past, newest first."
    )

    @strawberry.field(description="Administrative penalties (行政处罚), newest decision first.")
    def penalties(
        self,
        sub_area: Annotated[
            str | None, strawberry.argument(description="Only penalties of this sub-area (its code or label).")
        ] = None,
    ) -> list[AdministrativePenalty]:
        if sub_area is None:
            return self.all_penalties
        code = _sub_area_code(sub_area)
        return [p for p in self.all_penalties if p.sub_area == code]

    @strawberry.field(
        description="Whether a black-list entry is in force today (neither removed, repaired nor revoked)."
    )
    def on_black_list(self) -> bool:
        return any(e.is_current() for e in self.black_list)  # is_current: in force (ACTIVE) and not removed


@strawberry.input(description="One inspection result; (source unit, document number) identifies it.")
class UrbanInspectionInput:
    party_name: str = strawberry.field(description="行政相对人名称.")
    party_type: PartyType
    party_code: str = strawberry.field(description="USCC, or the resident ID number of a natural person.")
    document_number: str = strawberry.field(description="检查文书号, e.g. 榕城管检〔2026〕118号.")
    inspection_type: UrbanInspectionType
    sub_area: str = strawberry.field(description="A sub-area code or label (see urbanSubAreas).")
    inspection_item: str = strawberry.field(description="检查事项.")
    inspection_date: date = strawberry.field(description="The day of the inspection; not in the future.")
    result: UrbanInspectionResult
    findings: str = strawberry.field(description="检查情况.")
    rectification_deadline: date | None = strawberry.field(
        default=None, description="整改期限: required for RECTIFICATION_REQUIRED, after the inspection date."
    )
    inspector_unit: str = strawberry.field(description="The unit that carried out the inspection.")
    deciding_authority: str = strawberry.field(description="The authority in whose name the result is issued.")
    deciding_authority_code: str | None = None
    source_unit: str = strawberry.field(description="The data source unit (数据来源单位).")
    source_unit_code: str = strawberry.field(description="USCC of the data source unit.")
    remarks: str | None = None


@strawberry.type(description="A current 门前三包 list entry and whom it lists, as the list is published.")
class UrbanRedBlackListEdge:
    cursor: str
    node: CreditListEntry
    subject_name: str = strawberry.field(description="Name of the listed subject.")
    subject_code: str = strawberry.field(description="Code of the listed subject (an ID number masked).")


@strawberry.type(description="A page of the 门前三包 red or black list (门前三包红黑榜).")
class UrbanRedBlackListConnection:
    edges: list[UrbanRedBlackListEdge]
    page_info: PageInfo
