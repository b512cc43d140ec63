"""GraphQL types of the tax domain: the two record types, the subject's tax profile, and the inputs.

No postponed annotations here: strawberry reads these annotations at class creation.
"""

from datetime import date
from decimal import Decimal

import strawberry

from gateway.api import CreditRecord, published_now
from plugins.tax import rules

TaxGrade = strawberry.enum(
    rules.TaxGrade,
    name="TaxGrade",
    description="Annual tax credit grade: A ≥ 90 points, B 70–<90, M new or without income, C 40–<70, "
    "D < 40 or directly assigned.",
)
TaxViolationType = strawberry.enum(
    rules.ViolationType, name="TaxViolationType", description="The kind of a major tax violation."
)


@strawberry.type(description="A subject's tax credit grade for one year (纳税信用评价), published the next year.")
class TaxCreditRating(CreditRecord):
    year: int = strawberry.field(description="The year rated.")
    grade: TaxGrade
    score: Decimal | None = strawberry.field(description="Points out of 100; may be absent for M and for a direct D.")
    direct_assignment_reason: str | None = strawberry.field(description="Why a D was assigned directly.")


@strawberry.type(
    description="A major tax violation dishonest subject listing (重大税收违法失信主体): the tax black list."
)
class MajorTaxViolation(CreditRecord):
    violation_type: TaxViolationType
    facts: str = strawberry.field(description="The main facts of the violation.")
    amount_involved: Decimal = strawberry.field(description="Amount involved, in yuan (tax evaded, invoiced …).")
    tax_due: Decimal | None = strawberry.field(description="Tax due over the same period, in yuan (evasion cases).")
    legal_basis: str
    penalty: str = strawberry.field(description="Penalty and other measures decided.")

    @strawberry.field(description="The latest publication date: the 15th of the month after the decision.")
    def publish_by(self) -> date:
        return rules.publish_by(self.decision_date)


@strawberry.type(description="What the tax domain holds about a subject.")
class TaxProfile:
    ratings: list[TaxCreditRating] = strawberry.field(description="Annual ratings, newest year first.")
    major_violations: list[MajorTaxViolation] = strawberry.field(description="Listings, newest decision first.")

    @strawberry.field(description="The rating of the most recent year rated, if any.")
    def latest_rating(self) -> TaxCreditRating | None:
        return self.ratings[0] if self.ratings else None

    @strawberry.field(description="Whether the subject is listed now (a listing neither repaired nor revoked).")
    def is_major_violator(self) -> bool:
        return any(published_now(v) for v in self.major_violations)  # repaired or expired ones do not count


@strawberry.input(description="Who decided and who submits; every record carries it.")
class _DecisionInput:
    subject_code: str = strawberry.field(description="USCC of the subject, or a resident ID number.")
    subject_name: str
    deciding_authority: str
    deciding_authority_code: str = strawberry.field(description="USCC of the deciding authority.")
    source_unit: str = strawberry.field(description="The data source unit (数据来源单位).")
    source_unit_code: str = strawberry.field(description="USCC of the data source unit.")
    decision_date: date


@strawberry.input(description="One annual tax credit rating; (subject, year) identifies it.")
class TaxCreditRatingInput(_DecisionInput):
    year: int
    grade: TaxGrade
    score: Decimal | None = None
    direct_assignment_reason: str | None = None


@strawberry.input(description="One major tax violation listing; (source unit, document number) identifies it.")
class MajorTaxViolationInput(_DecisionInput):
    document_number: str = strawberry.field(description="Decision document number, e.g. 榕税稽罚〔2024〕123号.")
    violation_type: TaxViolationType
    facts: str
    amount_involved: Decimal = strawberry.field(description="In yuan, at most two decimals.")
    legal_basis: str
    penalty: str
    tax_due: Decimal | None = strawberry.field(default=None, description="In yuan; required for TAX_EVASION.")
