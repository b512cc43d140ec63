"""The lifecycle's numbers (publicity windows, workflow deadlines) as configuration: local rules differ, so
every one can be set."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class PublicityRules(BaseModel):
    """Publicity windows by severity, as configuration (``CREDIT_GATEWAY_PUBLICITY='{...}'``): local rules differ."""

    months: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: {"MINOR": (0, 3), "GENERAL": (3, 12), "SERIOUS": (12, 36)},
        description="Per severity, the (minimum, maximum) publicity in months from the decision date.",
    )
    negative_without_severity: str = Field(
        "GENERAL", description="The severity whose window a negative record without one gets."
    )
    dishonesty_withheld_after_years: int = Field(
        5, ge=1, le=50, description="Negative records are served to nobody but the admin this long after."
    )

    @model_validator(mode="after")
    def _check(self) -> PublicityRules:
        for severity, (low, high) in self.months.items():
            if not 0 <= low <= high <= 600:
                raise ValueError(f"publicity months of {severity}: need 0 <= minimum <= maximum <= 600")
        if self.negative_without_severity not in self.months:
            raise ValueError(f"negative_without_severity {self.negative_without_severity!r} has no window")
        return self


class DisputeRules(BaseModel):
    """Working days for each stage of a dispute (异议): forward, verify, tell the applicant."""

    forward_days: int = Field(3, ge=1, le=60, description="The credit centre forwards it to the provider.")
    verify_days: int = Field(15, ge=1, le=120, description="The provider verifies it.")
    notify_days: int = Field(2, ge=1, le=60, description="The applicant is told the outcome.")


class RepairRules(BaseModel):
    """Working days the record's department has to decide a repair application (信用修复)."""

    # 15: the tax administration gives its review of a 纳税信用修复 application 15 working days, and a
    # department verifying a dispute gets the same; a repair asks no less of the department than that.
    decision_days: int = Field(15, ge=1, le=120, description="The department approves or rejects it.")


class ComplaintRules(BaseModel):
    """Working days for each stage of a complaint (投诉举报): intake, investigation, feedback.

    Concluding a complaint is its feedback (the complainant reads the conclusion and the department's answer
    at once through the tracking token), so an INVESTIGATING complaint is due ``investigation_days +
    feedback_days`` after the investigation began. With the defaults a complainant is answered within
    3 + 10 + 2 = 15 working days of filing, the usual answering time of 投诉举报 (intake and feedback mirror
    the dispute's forwarding and notifying days).
    """

    intake_days: int = Field(3, ge=1, le=60, description="A department of the domain takes it up (INVESTIGATE).")
    investigation_days: int = Field(10, ge=1, le=120, description="The department investigates it.")
    feedback_days: int = Field(2, ge=1, le=60, description="The complainant is given the conclusion.")
