"""A loan product's published terms (the ``terms`` of each product in data/prequal_rules.yml), validated.

The organisation publishes the rate twice, as Colombian lenders must: monthly (tasa mes vencido, M.V.)
and effective annual (E.A.). Both are written in the data; the loader refuses them when they disagree
(E.A. = (1 + M.V.)^12 − 1, within ``EA_TOLERANCE_POINTS``), so a typo in one cannot reach a person.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

EA_TOLERANCE_POINTS: Final = Decimal("0.05")  # percentage points: published E.A. figures are rounded
MONTHS_PER_YEAR: Final = 12


def effective_annual(monthly_percent: Decimal) -> Decimal:
    """The E.A. rate (percent) of a monthly rate (percent): 2.2 → 29.8406…"""
    monthly = monthly_percent / 100
    return ((1 + monthly) ** MONTHS_PER_YEAR - 1) * 100


class Fee(BaseModel):
    """A cost besides interest: a percentage of the amount once, or pesos per million each month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)  # plain Spanish, as the person reads it: "seguro de vida deudor"
    short_label: str = Field(min_length=1)  # what an estimate leaves out: "sin seguro ni comisión"
    percent_of_amount: Decimal | None = Field(default=None, gt=0, lt=100)  # charged once, when paid out
    pesos_per_million_monthly: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> Fee:
        if (self.percent_of_amount is None) == (self.pesos_per_million_monthly is None):
            raise ValueError(f"{self.label}: give percent_of_amount or pesos_per_million_monthly, not both")
        return self


class ProductTerms(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    monthly_rate_percent: Decimal = Field(ge=0, lt=10)  # tasa mes vencido
    effective_annual_percent: Decimal = Field(ge=0, lt=200)  # E.A.
    fees: tuple[Fee, ...] = ()

    @model_validator(mode="after")
    def _rates_agree(self) -> ProductTerms:
        expected = effective_annual(self.monthly_rate_percent)
        if abs(expected - self.effective_annual_percent) > EA_TOLERANCE_POINTS:
            raise ValueError(
                f"effective_annual_percent {self.effective_annual_percent} does not match "
                f"monthly_rate_percent {self.monthly_rate_percent} (E.A. {expected:.2f})"
            )
        return self

    @property
    def monthly_rate(self) -> Decimal:
        """As a fraction: 2.2 % → 0.022."""
        return self.monthly_rate_percent / 100
