"""GraphQL types of the construction domain: the four record types, the subject's construction
profile, and the inputs.

No postponed annotations here: strawberry reads these annotations at class creation.
"""

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from gateway.api import CreditRecord, PageInfo, RecordStatus, Severity, SubjectKind, published_now
from gateway.api import today as clock_today
from plugins.construction import rules

ConstructionQualificationCategory = strawberry.enum(
    rules.QualificationCategory,
    name="ConstructionQualificationCategory",
    description="Category of an enterprise qualification: 施工总承包, 专业承包, 施工劳务, 工程勘察, 工程设计, "
    "工程监理.",
)
ConstructionQualificationGrade = strawberry.enum(
    rules.QualificationGrade,
    name="ConstructionQualificationGrade",
    description="Grade of a qualification: 特级, 一级, 二级, 三级 (contracting); 综合资质, 甲级, 乙级, 丙级 (survey, "
    "design, supervision); 不分等级 (construction labour).",
)
ConstructionConductType = strawberry.enum(
    rules.ConductType, name="ConstructionConductType", description="Good conduct (良好行为) or bad conduct (不良行为)."
)
ConstructionBehaviourCategory = strawberry.enum(
    rules.BehaviourCategory,
    name="ConstructionBehaviourCategory",
    description="What a conduct record is about. Good: COMMENDATION (表彰奖励), PROJECT_AWARD (工程获奖). "
    "Bad: QUALIFICATION (资质), CONTRACTING (承揽业务), QUALITY (工程质量), SAFETY (工程安全), "
    "PAYMENT_ARREARS (拖欠工程款或工人工资), PRACTICE (执业). OTHER: either.",
)
ConstructionBlacklistCriterion = strawberry.enum(
    rules.BlacklistCriterion,
    name="ConstructionBlacklistCriterion",
    description="Why a party is black-listed: false qualification material, illegal subcontracting (转包、违法分包), "
    "lending a qualification, a major quality or safety accident, unpaid construction payments.",
)
ConstructionRegistrationType = strawberry.enum(
    rules.RegistrationType,
    name="ConstructionRegistrationType",
    description="The registration of a practitioner: 注册建造师, 监理工程师, 结构工程师, 造价工程师, 建筑师 …",
)


@strawberry.type(description="An enterprise qualification (企业资质): category, specialty, grade and validity.")
class ConstructionQualification(CreditRecord):
    qualification_category: ConstructionQualificationCategory
    specialty: str = strawberry.field(description="The specialty or sequence, e.g. 建筑工程, 市政公用工程.")
    grade: ConstructionQualificationGrade
    valid_from: date
    valid_until: date

    @strawberry.field(description="The qualification certificate number (资质证书编号): the document number.")
    def certificate_number(self) -> str:
        return self.document_number or ""

    @strawberry.field(description="Whether the qualification is in force today (within its validity, not revoked).")
    def in_force(self) -> bool:
        return self.status is RecordStatus.ACTIVE and self.valid_from <= clock_today() <= self.valid_until


@strawberry.type(
    description="A good- or bad-conduct record (良好/不良行为记录). Good conduct is published for 36 months; "
    "bad conduct for 6 to 36 months, never shorter than its penalty."
)
class ConstructionConductRecord(CreditRecord):
    conduct: ConstructionConductType
    behaviour_category: ConstructionBehaviourCategory
    facts: str = strawberry.field(description="The facts recorded (事实).")
    decision_content: str = strawberry.field(description="What was decided (处罚决定内容 or 奖励内容).")
    fine_amount: Decimal | None = strawberry.field(
        description="Fine in yuan (not 万元, unlike AdministrativePenalty.fineAmount), if any."
    )
    penalty_months: int | None = strawberry.field(
        description="Duration of the penalty (suspension, restriction) in months, if any."
    )
    publicity_months: int = strawberry.field(description="How long the record is published, in months.")

    @strawberry.field(description="The last day of publicity: the decision date plus the publicity months.")
    def publicity_ends_on(self) -> date:
        return rules.publicity_ends_on(self.decision_date, self.publicity_months)


@strawberry.type(
    description="An entry of the construction market black list (建筑市场主体黑名单); listed on its decision date."
)
class ConstructionBlacklistEntry(CreditRecord):
    criterion: ConstructionBlacklistCriterion
    facts: str = strawberry.field(description="The facts that meet the criterion.")
    removal_due: date = strawberry.field(description="When the entry is due to be removed from the list.")

    @strawberry.field(description="The day the party was listed (the decision date).")
    def listed_on(self) -> date:
        return self.decision_date

    @strawberry.field(description="Whether the entry is in force today: neither repaired nor revoked, not yet due.")
    def in_force(self) -> bool:
        return rules.listing_in_force(self.status is RecordStatus.ACTIVE, self.removal_due, clock_today())


@strawberry.type(
    description="A registered practitioner (注册执业人员): a person's registration with the enterprise employing them."
)
class RegisteredPractitioner(CreditRecord):
    registration_type: ConstructionRegistrationType
    specialty: str | None = strawberry.field(description="The registered specialty, e.g. 建筑工程.")
    valid_until: date
    practitioner_name: str = strawberry.field(description="The practitioner's name.")
    practitioner_code: str = strawberry.field(description="The practitioner's ID number, masked (110105********002X).")
    employer_name: str = strawberry.field(description="The employing organisation, as the subject is registered.")
    employer_code: str = strawberry.field(description="USCC of the employing organisation.")

    @strawberry.field(description="The registration certificate number (注册证书编号): the document number.")
    def certificate_number(self) -> str:
        return self.document_number or ""


@strawberry.type(description="What the construction market credit domain (建筑市场信用) holds about a subject.")
class ConstructionProfile:
    qualifications: list[ConstructionQualification] = strawberry.field(description="Newest decision first.")
    good_conduct: list[ConstructionConductRecord] = strawberry.field(description="Newest decision first.")
    bad_conduct: list[ConstructionConductRecord] = strawberry.field(description="Newest decision first.")
    blacklist: list[ConstructionBlacklistEntry] = strawberry.field(
        description="Black-list entries, in force or not, newest first."
    )
    registrations: list[RegisteredPractitioner] = strawberry.field(
        description="For a person: their own registrations as a practitioner, newest first."
    )
    subject_id: strawberry.Private[int]
    subject_kind: strawberry.Private[SubjectKind]

    @strawberry.field(description="Whether an entry of the black list is in force today.")
    def is_blacklisted(self) -> bool:
        today = clock_today()
        return any(
            rules.listing_in_force(published_now(entry), entry.removal_due, today)
            for entry in self.blacklist  # repaired or expired listings do not count
        )

    @strawberry.field(
        description="For an organisation: the practitioners registered with it and in force today, "
        "by registration type and name."
    )
    async def registered_practitioners(self, info: Info) -> list[RegisteredPractitioner]:
        if self.subject_kind is SubjectKind.NATURAL_PERSON:
            return []  # a person employs no one; spare the statement
        return list(await info.context.loaders.load(rules.PRACTITIONERS_LOADER, self.subject_id))


@strawberry.input(description="Who decided and who submits; every record carries it.")
class _ConstructionDecisionInput:
    subject_code: str = strawberry.field(description="USCC of the subject, or a resident ID number.")
    subject_name: str
    deciding_authority: str
    deciding_authority_code: str = strawberry.field(description="USCC of the deciding authority.")
    source_unit: str = strawberry.field(description="The data source unit (数据来源单位).")
    source_unit_code: str = strawberry.field(description="USCC of the data source unit.")
    decision_date: date


@strawberry.input(
    description="One enterprise qualification; (source unit, certificate number) identifies it. The decision "
    "date is the date of issue."
)
class ConstructionQualificationInput(_ConstructionDecisionInput):
    certificate_number: str = strawberry.field(description="资质证书编号, e.g. D235012345.")
    qualification_category: ConstructionQualificationCategory
    specialty: str = strawberry.field(description="e.g. 建筑工程.")
    grade: ConstructionQualificationGrade
    valid_from: date = strawberry.field(description="Not before the decision date.")
    valid_until: date = strawberry.field(description="After valid_from.")


@strawberry.input(description="One good- or bad-conduct record; (source unit, document number) identifies it.")
class ConstructionConductRecordInput(_ConstructionDecisionInput):
    party_type: SubjectKind = strawberry.field(description="The kind of party; the subject code must fit it.")
    document_number: str = strawberry.field(description="Record number or decision document number (决定文书号).")
    conduct: ConstructionConductType
    behaviour_category: ConstructionBehaviourCategory
    facts: str
    decision_content: str
    severity: Severity | None = strawberry.field(default=None, description="Bad conduct only: GENERAL or SERIOUS.")
    publicity_months: int | None = strawberry.field(
        default=None, description="Bad conduct: 6 to 36 and not shorter than the penalty. Good conduct: 36 (default)."
    )
    penalty_months: int | None = strawberry.field(default=None, description="Bad conduct: the penalty's duration.")
    fine_amount: Decimal | None = strawberry.field(
        default=None, description="Bad conduct: the fine, in yuan (not 万元, unlike AdministrativePenaltyInput)."
    )


@strawberry.input(description="One black-list entry; (source unit, document number) identifies it.")
class ConstructionBlacklistEntryInput(_ConstructionDecisionInput):
    party_type: SubjectKind = strawberry.field(description="The kind of party; the subject code must fit it.")
    document_number: str = strawberry.field(description="The listing decision's document number.")
    criterion: ConstructionBlacklistCriterion
    facts: str
    removal_due: date = strawberry.field(description="After the decision (listing) date.")


@strawberry.input(
    description="One practitioner registration; the subject is the person (resident ID number), (source unit, "
    "certificate number) identifies it, the decision date is the date of registration."
)
class RegisteredPractitionerInput(_ConstructionDecisionInput):
    certificate_number: str = strawberry.field(description="注册证书编号.")
    registration_type: ConstructionRegistrationType
    employer_code: str = strawberry.field(description="USCC of the employing organisation.")
    employer_name: str = strawberry.field(description="Used when the employer is not yet known to the gateway.")
    valid_until: date = strawberry.field(description="After the date of registration.")
    specialty: str | None = None


@strawberry.type(description="A listing of the construction black list in force and whom it lists, as published.")
class ConstructionBlackListEdge:
    cursor: str
    node: ConstructionBlacklistEntry
    subject_name: str = strawberry.field(description="Name of the listed subject.")
    subject_code: str = strawberry.field(description="Code of the listed subject (an ID number masked).")


@strawberry.type(description="A page of the construction market black list (建筑市场主体“黑名单”).")
class ConstructionBlackListConnection:
    edges: list[ConstructionBlackListEdge]
    page_info: PageInfo
