"""The lifecycle's numbers (DESIGN.md §5) as configuration: local rules differ, so every one can be set."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class PublicityRules(BaseModel):
    """The numbers of DESIGN.md §5, as configuration (``CREDIT_GATEWAY_PUBLICITY='{...}'``): local rules differ."""

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
